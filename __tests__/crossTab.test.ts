/**
 * Several stores over one storage play the tabs of one origin. Node's own
 * BroadcastChannel carries the news between them, except in the property
 * test, which hands every storage operation, message and lock to
 * fast-check's scheduler to try the orders tabs can meet in.
 */
import fc from 'fast-check';
import { configureStore } from '@reduxjs/toolkit';
import {
  createAutosave,
  memoryStorage,
  type AutosaveStorage,
  type PushMeta,
  type RemoteAdapter,
  type RemoteDocument,
} from '../src';
import {
  createTestStore,
  makeProject,
  projectDocument,
  projectLoaded,
  projectSlice,
  promptChanged,
  settle,
  titleChanged,
  uiSlice,
  useFakeTimers,
  type Project,
} from './helpers';
import { createLockManager, installTabGlobals, scheduledChannel } from './helpers/tabs';
import { readStoredData } from './helpers/stored';

afterEach(() => {
  jest.useRealTimers();
});

async function seeded(project: Project = makeProject('p1', 'Trailer', 3)): Promise<AutosaveStorage> {
  const storage = memoryStorage();
  const seed = createTestStore({ storage, crossTab: false });
  seed.store.dispatch(projectLoaded(project));
  await seed.autosave.dispose();
  return storage;
}

async function openTab(storage: AutosaveStorage, options: Parameters<typeof createTestStore>[0] = {}) {
  const tab = createTestStore({ storage, ...options });
  await tab.autosave.load('project', 'p1');
  return { ...tab, project: () => tab.store.getState().project.current! };
}

describe('tabs sharing one storage', () => {
  beforeEach(useFakeTimers);

  it('shows an edit saved in one tab in the other, which has no edit of its own', async () => {
    const storage = await seeded();
    const a = await openTab(storage);
    const b = await openTab(storage);

    a.store.dispatch(titleChanged('Renamed in tab A'));
    await a.autosave.flush();
    await settle();

    expect(b.project().title).toBe('Renamed in tab A');
    expect(b.status().status).toBe('saved');
    // Taken in as the stored copy: B has nothing to save back.
    expect(b.autosave.selectors.selectHasUnsavedChanges(b.store.getState())).toBe(false);
  });

  it('merges the other tab\'s copy into unsaved edits, and both tabs and the storage end with both edits', async () => {
    const storage = await seeded();
    const a = await openTab(storage);
    const b = await openTab(storage);

    b.store.dispatch(promptChanged({ shotId: 's2', prompt: 'B, not saved yet' }));
    a.store.dispatch(titleChanged('A, saved first'));
    await a.autosave.flush();
    await settle();
    expect(b.project().title).toBe('A, saved first');
    expect(b.project().shots[1].prompt).toBe('B, not saved yet');

    await b.autosave.flush();
    await settle();
    expect(a.project()).toEqual(b.project());
    expect(await readStoredData<Project>(storage, 'project:p1')).toEqual(b.project());
  });

  it('never writes over a newer stored copy it has not heard of', async () => {
    const storage = await seeded();
    const a = await openTab(storage);
    const b = await openTab(storage);
    a.store.dispatch(titleChanged('A'));
    b.store.dispatch(promptChanged({ shotId: 's3', prompt: 'B' }));
    // Both write before either hears of the other: the second write reads first.
    await Promise.all([a.autosave.flush(), b.autosave.flush()]);
    const stored = await readStoredData<Project>(storage, 'project:p1');
    expect(stored.title).toBe('A');
    expect(stored.shots[2].prompt).toBe('B');
  });

  it('takes in the copy the other tab stored once its storage reads again, though that took longer than the retries', async () => {
    const storage = await seeded();
    let reading = true;
    const reads = { failed: 0 };
    const flaky: AutosaveStorage = {
      ...storage,
      getItem: (key) => (reading ? storage.getItem(key) : (reads.failed++, Promise.reject(new Error('The transaction was aborted')))),
    };
    const a = await openTab(storage);
    const b = await openTab(flaky);

    reading = false;
    a.store.dispatch(titleChanged('Renamed in tab A'));
    await a.autosave.flush();
    // B hears of the save, and its reads fail for five minutes: far past its three tries.
    for (let second = 0; second < 300; second++) {
      await settle(1);
      await jest.advanceTimersByTimeAsync(1000);
    }
    expect(reads.failed).toBeGreaterThan(3);
    expect(b.project().title).toBe('Trailer');

    reading = true;
    for (let second = 0; second < 120; second++) {
      await settle(1);
      await jest.advanceTimersByTimeAsync(1000);
    }
    expect(b.project().title).toBe('Renamed in tab A');
    expect(b.status().status).toBe('saved');
    expect(b.autosave.selectors.selectHasUnsavedChanges(b.store.getState())).toBe(false);
  });

  it('does not save over the copy the other tab announced while its reads give garbage: it waits, then keeps both edits (known bug 7, seed 10)', async () => {
    const storage = await seeded();
    let garbled = false;
    const reads: AutosaveStorage = {
      ...storage,
      getItem: (key) => (garbled ? Promise.resolve('<html><body>502 Bad Gateway</body></html>') : storage.getItem(key)),
    };
    const a = await openTab(storage);
    const b = await openTab(reads);

    garbled = true;
    a.store.dispatch(titleChanged('Renamed in tab A'));
    await a.autosave.flush();
    await settle();
    expect(a.status().status).toBe('saved');
    // B cannot read what A announced, and has an edit of its own to save.
    b.store.dispatch(promptChanged({ shotId: 's2', prompt: 'Edited in tab B' }));
    const flushed = b.autosave.flush().then(() => 'resolved', (error: Error) => error.message);
    for (let second = 0; second < 10; second++) await jest.advanceTimersByTimeAsync(1000);
    expect(await flushed).toMatch(/could not be saved/);
    expect(b.status().status).toBe('error');
    expect((await readStoredData<Project>(storage, 'project:p1')).title).toBe('Renamed in tab A');

    garbled = false;
    for (let second = 0; second < 60; second++) {
      await settle(1);
      await jest.advanceTimersByTimeAsync(1000);
    }
    const stored = await readStoredData<Project>(storage, 'project:p1');
    expect(stored.title).toBe('Renamed in tab A');
    expect(stored.shots[1].prompt).toBe('Edited in tab B');
    expect(a.project()).toEqual(stored);
    expect(b.project()).toEqual(stored);
    expect(a.status().status).toBe('saved');
    expect(b.status().status).toBe('saved');
  });

  it('writes nothing once closed, though it was reading the copy the other tab announced when it closed (known bug 7, seed 12)', async () => {
    const storage = await seeded();
    let holding = false;
    let release: (() => void) | undefined;
    const slow: AutosaveStorage = {
      ...storage,
      getItem: (key) => (holding ? new Promise((resolve) => (release = () => resolve(storage.getItem(key)))) : storage.getItem(key)),
    };
    const a = await openTab(storage);
    const b = await openTab(slow);

    b.store.dispatch(promptChanged({ shotId: 's2', prompt: 'Edited in tab B, closed unsaved' }));
    holding = true;
    a.store.dispatch(titleChanged('Renamed in tab A'));
    await a.autosave.flush();
    await settle();
    expect(release).toBeDefined(); // B is reading what A announced
    await b.autosave.dispose({ flush: false });
    holding = false;
    release!();
    for (let second = 0; second < 60; second++) {
      await settle(1);
      await jest.advanceTimersByTimeAsync(1000);
    }

    // A closed tab's write would reach no other tab: A would show a copy that is no longer stored.
    const stored = await readStoredData<Project>(storage, 'project:p1');
    expect(stored.title).toBe('Renamed in tab A');
    expect(stored).toEqual(a.project());
    expect(a.status().status).toBe('saved');
  });

  it('does none of it with crossTab: false', async () => {
    const storage = await seeded();
    const a = await openTab(storage, { crossTab: false });
    const b = await openTab(storage, { crossTab: false });
    a.store.dispatch(titleChanged('Only in A'));
    await a.autosave.flush();
    await settle();
    expect(b.project().title).toBe('Trailer');
  });
});

// CROSSTAB_RUNS sets the number of interleavings (150 by default).
const RUNS = Number(process.env.CROSSTAB_RUNS ?? 150);

describe('every interleaving fast-check can make', () => {
  it('ends with every tab and the storage holding the same document, with no acknowledged edit lost', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ tab: fc.integer({ min: 0, max: 2 }), flush: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        async (s, steps) => {
          useFakeTimers();
          const restore = installTabGlobals({
            locks: createLockManager(),
            channel: scheduledChannel((send, label) => void s.schedule(Promise.resolve(label)).then(send)),
          });
          try {
            const inner = await seeded();
            // Every storage operation waits for the scheduler's say.
            const storage: AutosaveStorage = {
              name: inner.name,
              getItem: (key) => s.schedule(Promise.resolve(`get ${key}`)).then(() => inner.getItem(key)),
              setItem: (key, value) => s.schedule(Promise.resolve(`set ${key}`)).then(() => inner.setItem(key, value)),
              removeItem: (key) => inner.removeItem(key),
              keys: () => inner.keys(),
            };
            const tabs = [0, 1, 2].map(() => createTestStore({ storage }));
            await s.waitFor(Promise.all(tabs.map((t) => t.autosave.load('project', 'p1'))));

            // Each tab edits its own shot: edits never clash, so none may be lost.
            const last: (string | undefined)[] = [undefined, undefined, undefined];
            const saves: Promise<unknown>[] = [];
            steps.forEach(({ tab, flush }, n) => {
              last[tab] = `tab ${tab}, edit ${n}`;
              tabs[tab].store.dispatch(promptChanged({ shotId: `s${tab + 1}`, prompt: last[tab]! }));
              if (flush) saves.push(tabs[tab].autosave.flush().catch(() => {}));
            });
            await s.waitFor(Promise.all(saves));

            // Let everything settle: flush every tab until none has anything left.
            for (let round = 0; round < 10; round++) {
              await s.waitFor(Promise.all(tabs.map((t) => t.autosave.flush())));
              await s.waitAll();
              // What a resolved task set off runs in microtasks after it.
              await new Promise((resolve) => setImmediate(resolve));
              if (tabs.every((t) => !t.autosave.selectors.selectHasUnsavedChanges(t.store.getState())) && s.count() === 0) break;
            }

            const stored = await readStoredData<Project>(inner, 'project:p1');
            for (const t of tabs) expect(t.store.getState().project.current).toEqual(stored);
            last.forEach((prompt, tab) => {
              expect(stored.shots[tab].prompt).toBe(prompt ?? `Wide shot ${tab + 1} of a harbour at dawn`);
            });
            await Promise.all(tabs.map((t) => t.autosave.dispose({ flush: false })));
          } finally {
            restore();
            jest.useRealTimers();
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, RUNS * 50);
});

/** The protocol in memory: versions by the server, compare-and-write, idempotency keys. */
function memoryRemote() {
  const docs = new Map<string, RemoteDocument>();
  const pushes: { key: string; from: string }[] = [];
  let version = 0;
  const remote: RemoteAdapter = {
    async pull(key) {
      return docs.get(key) ?? null;
    },
    async push(key, data, meta: PushMeta) {
      pushes.push({ key, from: meta.idempotencyKey.split(':')[0] });
      const current = docs.get(key);
      if ((current?.version ?? null) !== meta.baseVersion) return { ok: false, conflict: current! };
      const next = { version: String(++version), data: structuredClone(data) };
      docs.set(key, next);
      return { ok: true, version: next.version };
    },
  };
  return { remote, docs, pushes };
}

describe('the tab that pushes', () => {
  beforeEach(useFakeTimers);

  // Without Web Locks (Node), the stores of one process sharing a storage choose among themselves.
  it.each([
    ['with Web Locks', true],
    ['without Web Locks', false],
  ])('is one at a time (%s): the leader pushes what another tab saved, and a tab takes over when the leader closes', async (_, withLocks) => {
    const restore = installTabGlobals(withLocks ? { locks: createLockManager() } : {});
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks !== undefined).toBe(withLocks);
    try {
      const { remote, docs, pushes } = memoryRemote();
      const storage = await seeded();
      const open = async () => {
        const autosave = createAutosave<{ project: Project }>({
          storage,
          remote,
          retry: { baseDelayMs: 10, maxDelayMs: 50 },
          documents: { project: projectDocument() },
        });
        const store = configureStore({
          reducer: { project: projectSlice.reducer, ui: uiSlice.reducer, [autosave.reducerPath]: autosave.reducer },
          middleware: (gDM) => gDM().concat(autosave.middleware),
        });
        await autosave.load('project', 'p1');
        return { autosave, store };
      };
      const leader = await open();
      const follower = await open();
      await settle();
      expect(docs.get('project:p1')?.data).toEqual(makeProject('p1', 'Trailer', 3));
      const firstPusher = pushes[0].from;
      expect(pushes.every((p) => p.from === firstPusher)).toBe(true);

      follower.store.dispatch(titleChanged('Saved by the follower'));
      await follower.autosave.flush();
      await settle();
      expect((docs.get('project:p1')?.data as Project).title).toBe('Saved by the follower');
      expect(pushes.every((p) => p.from === firstPusher)).toBe(true);

      await leader.autosave.dispose();
      await settle();
      follower.store.dispatch(titleChanged('After the leader closed'));
      await follower.autosave.flush();
      await settle();
      expect((docs.get('project:p1')?.data as Project).title).toBe('After the leader closed');
      expect(pushes[pushes.length - 1].from).not.toBe(firstPusher);
      await follower.autosave.dispose();
    } finally {
      restore();
    }
  });
});
