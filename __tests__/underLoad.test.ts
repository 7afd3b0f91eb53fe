/**
 * Under load: 1,000 documents in one collection, edited at random for a
 * simulated hour, saved and synced; then removed. Every one must be saved,
 * and what the instance keeps per document must go when the document does:
 * no timer left, no listener per document, and the heap back near where it
 * started.
 *
 * "Nothing kept" is checked object by object: every copy of every project
 * the app dispatched is watched through a WeakRef, and after the removal and
 * a full garbage collection none may be reachable. Heap figures are printed
 * for the record only: they move with whatever else the process did.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { createAutosave } from '../src';
import { makeProject, ProjectSchema, useFakeTimers, type Project } from './helpers';
import { seedRandom, within } from './helpers/faultDevice';
import { createFaultyServer } from './helpers/faultRemote';
import { faultyStorage } from './helpers/faultStorage';
import { readStoredData } from './helpers/stored';

const DOCUMENTS = 1000;
const HOUR = 60 * 60 * 1000;
const EDITS = 2000;

// The app shows one project at a time (the one the autosave watches) and
// keeps the others elsewhere, so that an edit costs the app's reducer nothing
// per project and what is measured is the library's own work.
const librarySlice = createSlice({
  name: 'library',
  initialState: { current: null as Project | null },
  reducers: {
    shown(state, action: PayloadAction<Project>) {
      state.current = action.payload;
    },
    closed(state) {
      state.current = null;
    },
  },
});
const { shown, closed } = librarySlice.actions;
type LibraryState = { library: { current: Project | null } };

/**
 * A window and a document that count their listeners, so the test can see
 * that none is added per document and all go on dispose.
 */
function countingPage() {
  const live = new Map<string, number>();
  const target = () => {
    const events = new EventTarget();
    return {
      addEventListener(type: string, listener: EventListener) {
        live.set(type, (live.get(type) ?? 0) + 1);
        events.addEventListener(type, listener);
      },
      removeEventListener(type: string, listener: EventListener) {
        live.set(type, (live.get(type) ?? 0) - 1);
        events.removeEventListener(type, listener);
      },
      visibilityState: 'visible',
    };
  };
  const globals = globalThis as { window?: unknown; document?: unknown };
  globals.window = target();
  globals.document = target();
  return {
    total: () => [...live.values()].reduce((a, b) => a + b, 0),
    restore() {
      delete globals.window;
      delete globals.document;
    },
  };
}

// A full collection on demand, with or without `node --expose-gc`.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects until the heap stops shrinking; WeakRefs let go only between jobs, hence the awaits. */
async function collected(): Promise<number> {
  let heap = Infinity;
  for (let round = 0; round < 10; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const now = process.memoryUsage().heapUsed;
    if (now >= heap) return now;
    heap = now;
  }
  return heap;
}

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

it(`saves and syncs every one of ${DOCUMENTS} documents edited at random for a simulated hour, and keeps nothing of them once removed`, async () => {
  useFakeTimers();
  jest.setSystemTime(Date.UTC(2025, 5, 2, 9, 0));
  seedRandom(2025);
  const page = countingPage();
  try {
    const server = createFaultyServer();
    const disk = faultyStorage();
    const autosave = createAutosave<{ project: Project }>({
      storage: disk.storage,
      remote: server.remote({ timeoutMs: 5000 }),
      documents: {
        project: {
          select: (state: LibraryState) => state.library.current,
          id: (project) => project.id,
          schema: ProjectSchema,
          restore: shown,
        },
      },
      retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 5000 },
    });
    const store = configureStore({
      reducer: { library: librarySlice.reducer, [autosave.reducerPath]: autosave.reducer },
      // The checks walk the whole state on every action: 1,000 projects make that the test's cost, not the library's.
      middleware: (gDM) => gDM({ serializableCheck: false, immutableCheck: false }).concat(autosave.middleware),
    });
    await jest.advanceTimersByTimeAsync(0);
    const listenersAtStart = page.total();
    const before = await collected();

    // A simulated hour: each document created, then edited at random, one edit every 1.8 s on average.
    const projects = new Map<string, Project>();
    const ids = Array.from({ length: DOCUMENTS }, (_, i) => `p${i}`);
    // Every copy the app ever showed, to see afterwards that the library let go of each.
    const copies: WeakRef<Project>[] = [];
    const edit = (id: string, title: string) => {
      const project = { ...(projects.get(id) ?? makeProject(id, title, 1)), title };
      projects.set(id, project);
      copies.push(new WeakRef(project));
      store.dispatch(shown(project));
    };
    for (const id of ids) edit(id, `${id} v0`);
    for (let n = 1; n <= EDITS; n++) {
      edit(ids[Math.floor(Math.random() * DOCUMENTS)], `v${n}`);
      await jest.advanceTimersByTimeAsync(Math.floor(Math.random() * 3600));
    }
    expect(Date.now() - Date.UTC(2025, 5, 2, 9, 0)).toBeGreaterThan(HOUR * 0.9);
    await jest.advanceTimersByTimeAsync(60_000);

    // Every one saved and synced: stored, on the server, status saved; nothing left scheduled.
    const statuses = ids.map((id) => autosave.selectors.selectDocumentStatus(store.getState(), 'project', id));
    expect(statuses.filter((s) => s.status !== 'saved' || s.pendingSync)).toEqual([]);
    for (const id of ids) {
      expect(await readStoredData<Project>(disk.inner, `project:${id}`)).toEqual(projects.get(id));
      expect(server.document(`project:${id}`)?.data).toEqual(projects.get(id));
    }
    expect(await autosave.list('project')).toHaveLength(DOCUMENTS);
    expect(jest.getTimerCount()).toBe(0);
    expect(page.total()).toBe(listenersAtStart);
    const saves = disk.writes.filter((w) => w.key.startsWith('project:')).length;
    // The double's own record of writes is the test's memory, not the library's.
    disk.writes.length = 0;

    // Removed, one by one: the storage holds nothing of them, the status slice forgets them.
    store.dispatch(closed());
    projects.clear();
    for (const id of ids) await within(autosave.remove('project', id));
    expect(await disk.inner.keys()).toEqual([]);
    expect(Object.keys(store.getState().autosave.documents)).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);

    // What the instance still holds, with the documents gone (the server's copies are the remote's, not ours).
    server.forgetAll();
    const after = await collected();
    const kept = copies.filter((copy) => copy.deref() !== undefined).length;
    console.log(
      `underLoad: ${DOCUMENTS} documents, ${EDITS} edits over ${Math.round((Date.now() - Date.UTC(2025, 5, 2, 9, 0)) / 60000)} simulated minutes, ` +
        `${saves} saves; ${kept} of ${copies.length} dispatched copies still reachable after removing them all; ` +
        `heap ${(before / 1048576).toFixed(1)} MB before, ${(after / 1048576).toFixed(1)} MB after`,
    );
    expect(kept).toBe(0);

    await autosave.dispose();
    expect(page.total()).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  } finally {
    page.restore();
  }
}, 300_000);
