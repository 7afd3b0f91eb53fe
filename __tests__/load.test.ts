import { configureStore } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave, memoryStorage } from '../src';
import {
  createTestStore,
  makeProject,
  projectDocument,
  projectLoaded,
  projectSlice,
  settle,
  spyStorage,
  storages,
  titleChanged,
  uiSlice,
  useFakeTimers,
  type Project,
} from './helpers';
import { drainIndexedDB, createRecordingStore, gatedStorage, quarantined, quarantinePrefixOf, unreadableStorage } from './helpers/storedDocuments';
import { readStoredData } from './helpers/stored';

const T0 = Date.UTC(2025, 2, 1, 8, 0);

beforeEach(() => {
  useFakeTimers();
  jest.setSystemTime(T0);
});

afterEach(() => {
  jest.useRealTimers();
});

afterAll(() => drainIndexedDB());

/** Saves `project` through a first store over `storage`, as an earlier session would have. */
async function saveInEarlierSession(storage: ReturnType<(typeof storages)[number][1]>, project: Project) {
  const earlier = createTestStore({ storage });
  earlier.store.dispatch(projectLoaded(project));
  await earlier.autosave.flush();
  await earlier.autosave.dispose();
}

/** `stored` with every occurrence of `from` in its strings replaced, whatever shape the envelope has. */
function replaceText(stored: unknown, from: string, to: string): unknown {
  if (typeof stored === 'string') return stored.split(from).join(to);
  if (Array.isArray(stored)) return stored.map((item) => replaceText(item, from, to));
  if (stored && typeof stored === 'object') {
    return Object.fromEntries(Object.entries(stored).map(([key, value]) => [key, replaceText(value, from, to)]));
  }
  return stored;
}

describe.each(storages)('load on %s', (_name, makeStorage) => {
  it('restores a saved document: dispatches restore with it and resolves loaded, restored', async () => {
    const storage = makeStorage();
    const project = makeProject('p1', 'Harbour at dawn', 3);
    await saveInEarlierSession(storage, project);

    const { store, autosave, restores, status } = createRecordingStore({ storage });
    const result = await autosave.load('project', 'p1');

    expect(result).toEqual({ status: 'loaded', document: project, restored: true });
    expect(store.getState().project.current).toEqual(project);
    expect(restores()).toEqual([{ type: 'project/projectLoaded', payload: project }]);
    expect(status()).toMatchObject({ status: 'saved', lastSavedAt: T0, error: null });
  });

  it('restores, in a fresh store after a reload, the last edit of the previous session', async () => {
    const storage = makeStorage();
    const before = createTestStore({ storage });
    before.store.dispatch(projectLoaded(makeProject('p1', 'Draft')));
    await jest.advanceTimersByTimeAsync(2000);
    before.store.dispatch(titleChanged('Draft 2'));
    before.store.dispatch(titleChanged('Final cut'));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    expect(before.status().status).toBe('saved');
    // "Reload": the old store is gone without a goodbye.
    await before.autosave.dispose({ flush: false });

    const after = createRecordingStore({ storage });
    expect(after.store.getState().project.current).toBeNull();
    const result = await after.autosave.load('project', 'p1');

    expect(result).toMatchObject({ status: 'loaded', restored: true });
    expect(after.store.getState().project.current).toEqual(makeProject('p1', 'Final cut'));
    expect(after.restores()).toHaveLength(1);
  });

  // Mutation (issue 10, item 7): skip the checksum comparison on load (the
  // envelope's `sameChecksum` test dropped: scripts/mutations.mjs
  // checksum-not-verified, and -format-2 in formats.test.ts). The
  // changed copy would then be restored as if it were what was saved.
  it('does not restore a copy changed behind its checksum: resolves corrupt, keeps it aside, restores nothing', async () => {
    const storage = makeStorage();
    await saveInEarlierSession(storage, makeProject('p1', 'Harbour at dawn', 2));
    // One word changed in storage, the checksum left as it was.
    const stored = await storage.getItem('project:p1');
    const changed = replaceText(stored, 'Harbour at dawn', 'Harbour at dusk');
    expect(JSON.stringify(changed)).not.toBe(JSON.stringify(stored));
    await storage.setItem('project:p1', changed);

    const { store, autosave, restores, status } = createRecordingStore({ storage });
    const result = await autosave.load('project', 'p1');

    expect(result).toMatchObject({ status: 'corrupt', error: { code: 'corrupt', message: expect.stringContaining('checksum') } });
    expect(restores()).toEqual([]);
    expect(store.getState().project.current).toBeNull();
    expect(status()).toMatchObject({ status: 'error', error: { code: 'corrupt' } });
    expect([...(await quarantined(storage, 'project:p1')).values()]).toEqual([changed]);
  });

    it('resolves missing, dispatches nothing but its load status and leaves the state alone when nothing is stored', async () => {
    const storage = makeStorage();
    const { store, autosave, restores, status, dispatched } = createRecordingStore({ storage });
    const before = dispatched.length;

    const result = await autosave.load('project', 'nothing-here');

    expect(result).toEqual({ status: 'missing' });
    expect(restores()).toEqual([]);
    expect(dispatched.slice(before).map((action) => action.type)).toEqual(['autosave/loadStarted', 'autosave/loadFinished']);
    expect(autosave.selectors.selectLoadStatus(store.getState(), 'project', 'nothing-here')).toBe('missing');
    expect(store.getState().project.current).toBeNull();
    expect(status('nothing-here').status).toBe('idle');
  });

  it('loads a collection without an id function from {collection}:default when load is given no id', async () => {
    const storage = makeStorage();
    const earlier = createTestStore({ storage, documentOptions: { id: undefined } });
    earlier.store.dispatch(projectLoaded(makeProject('p7', 'Only one')));
    await earlier.autosave.flush();
    expect(await storage.getItem('project:default')).not.toBeNull();

    const { store, autosave, restores } = createRecordingStore({ storage, documentOptions: { id: undefined } });
    const result = await autosave.load('project');

    expect(result).toEqual({ status: 'loaded', document: makeProject('p7', 'Only one'), restored: true });
    expect(store.getState().project.current).toEqual(makeProject('p7', 'Only one'));
    expect(restores()).toHaveLength(1);
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project').status).toBe('saved');
  });

  it('does not save a restored document back, even after every timer has run', async () => {
    const inner = makeStorage();
    await saveInEarlierSession(inner, makeProject('p1', 'Restored'));
    const storage = spyStorage(inner);

    const { autosave, status } = createRecordingStore({ storage });
    await autosave.load('project', 'p1');
    await jest.advanceTimersByTimeAsync(60_000);
    await settle();
    await autosave.flush();

    expect(storage.writes).toEqual([]);
    expect(status().status).toBe('saved');
  });

  it('keeps an edit made while the load is reading, and then saves it', async () => {
    const inner = makeStorage();
    await saveInEarlierSession(inner, makeProject('p1', 'Stored copy'));
    const gated = gatedStorage(inner);
    const { store, autosave, restores } = createRecordingStore({
      storage: gated.storage,
      preloadedProject: makeProject('p1', 'Opened from the server'),
    });

    const loading = autosave.load('project', 'p1');
    await jest.advanceTimersByTimeAsync(0);
    expect(gated.waiting).toBe(1);
    store.dispatch(titleChanged('Typed while loading'));
    gated.release();
    const result = await loading;

    expect(result).toEqual({ status: 'loaded', document: makeProject('p1', 'Stored copy'), restored: false });
    expect(restores()).toEqual([]);
    expect(store.getState().project.current).toEqual(makeProject('p1', 'Typed while loading'));

    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    await autosave.flush();
    expect(await readStoredData(inner, 'project:p1')).toEqual(makeProject('p1', 'Typed while loading'));
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1').status).toBe('saved');
  });

  it('resolves error with code storage when getItem fails, and the status says so', async () => {
    const inner = makeStorage();
    await saveInEarlierSession(inner, makeProject('p1', 'On a bad disk'));
    const { storage } = unreadableStorage(inner);
    const { store, autosave, restores, status } = createRecordingStore({ storage });

    const loading = autosave.load('project', 'p1');
    await jest.advanceTimersByTimeAsync(60_000);
    const result = await loading;

    expect(result).toEqual({
      status: 'error',
      error: { code: 'storage', message: expect.stringContaining('read error: the disk is unreadable') },
    });
    expect(status()).toMatchObject({ status: 'error', error: { code: 'storage' } });
    expect(restores()).toEqual([]);
    expect(store.getState().project.current).toBeNull();
  });

  it('after a failed read, keeps the unreadable copy aside before a later save writes over it', async () => {
    const inner = makeStorage();
    await saveInEarlierSession(inner, makeProject('p1', 'Only copy of a week of work'));
    const original = await inner.getItem('project:p1');
    const { storage, control } = unreadableStorage(inner);
    const { store, autosave, status } = createRecordingStore({ storage });

    const loading = autosave.load('project', 'p1');
    await jest.advanceTimersByTimeAsync(60_000);
    expect((await loading).status).toBe('error');

    // The disk comes back; the user, seeing nothing, starts over with the same id.
    control.failing = false;
    store.dispatch(projectLoaded(makeProject('p1', 'Started over')));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    await autosave.flush();

    expect(await readStoredData(inner, 'project:p1')).toEqual(makeProject('p1', 'Started over'));
    const aside = await quarantined(inner, 'project:p1');
    expect([...aside.values()]).toEqual([original]);
    expect([...aside.keys()][0].startsWith(quarantinePrefixOf('project:p1'))).toBe(true);
    expect(status().status).toBe('saved');
  });

  it('after a failed read, does not write over the stored copy while it still cannot be read', async () => {
    const inner = makeStorage();
    await saveInEarlierSession(inner, makeProject('p1', 'Unread copy'));
    const original = await inner.getItem('project:p1');
    const { storage } = unreadableStorage(inner);
    const { store, autosave, status } = createRecordingStore({ storage });

    const loading = autosave.load('project', 'p1');
    await jest.advanceTimersByTimeAsync(60_000);
    await loading;

    store.dispatch(projectLoaded(makeProject('p1', 'Would overwrite')));
    const flushing = autosave.flush().catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(60_000);
    await settle();
    expect(await flushing).toBeInstanceOf(AggregateError);

    expect(await inner.getItem('project:p1')).toEqual(original);
    expect(status()).toMatchObject({ status: 'error', error: { code: 'storage' } });
  });

  it('rejects a load of an unknown collection with a message listing the collections', async () => {
    const storage = makeStorage();
    const autosave = createAutosave<{ project: Project; settings: { theme: string } }>({
      storage,
      documents: {
        project: projectDocument(),
        settings: {
          select: () => null,
          schema: z.object({ theme: z.string() }),
          restore: (settings) => ({ type: 'settings/loaded', payload: settings }),
        },
      },
    });
    configureStore({
      reducer: { project: projectSlice.reducer, ui: uiSlice.reducer, [autosave.reducerPath]: autosave.reducer },
      middleware: (gDM) => gDM().concat(autosave.middleware),
    });

    const loading = autosave.load('projects' as 'project', 'p1');

    await expect(loading).rejects.toThrow(/"projects"/);
    await expect(loading).rejects.toThrow(/project, settings/);
  });
});

describe('load before the store exists', () => {
  it('rejects with an error that says to add the middleware first', async () => {
    const autosave = createAutosave<{ project: Project }>({
      storage: memoryStorage(),
      documents: { project: projectDocument() },
    });

    await expect(autosave.load('project', 'p1')).rejects.toThrow(/before the store was created.*middleware/);
  });
});
