import type { AutosaveStorage } from '../src';
import { makeProject, settle, storages, titleChanged, useFakeTimers } from './helpers';
import { createRecordingStore, createSavePathAutosave, deferredStorage, readBack, statusHistory, storedData } from './helpers/savePath';

beforeEach(() => {
  useFakeTimers();
});

afterEach(async () => {
  // fake-indexeddb finishes its bookkeeping on real macrotasks: let it end inside the test.
  await settle();
  jest.useRealTimers();
});

const titled = (title: string) => ({ ...makeProject('p1'), title });

function setup(crossTab: boolean) {
  const deferred = deferredStorage();
  const autosave = createSavePathAutosave({ storage: deferred.storage, crossTab });
  const recording = createRecordingStore(autosave, { preloadedState: { project: { current: makeProject('p1') } } });
  const status = () => recording.status('project', 'p1');
  return { ...recording, autosave, deferred, status };
}

/** Counts how many writes are in flight at once on a real storage. */
function concurrencyProbe(inner: AutosaveStorage) {
  const probe = { inFlight: 0, maxInFlight: 0, order: [] as string[] };
  const storage: AutosaveStorage = {
    ...inner,
    getItem: (key) => inner.getItem(key),
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
    async setItem(key, value) {
      probe.inFlight++;
      probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
      probe.order.push((storedData(value) as { title: string }).title);
      try {
        return await inner.setItem(key, value);
      } finally {
        probe.inFlight--;
      }
    },
  };
  return { storage, probe };
}

// In Node, `crossTab` is on by default and its in-page lock serializes
// writes by itself, so every test runs again with `crossTab: false`, where
// only the per-document queue keeps saves in order.
// Mutation (issue 10, item 5): un-chain that queue
// (scripts/mutations.mjs save-queue-unchained: saveDocument runs its save
// outside the key's queue, `Promise.resolve().then(…)`);
// the crossTab: false runs fail, the others cannot see it.
describe.each([
  ['crossTab on (its in-page lock)', true],
  ['crossTab: false (the queue alone)', false],
])('%s', (_name, crossTab) => {
  describe('saves of one document', () => {
    it('start the next write only after the previous one has finished', async () => {
      const { store, deferred } = setup(crossTab);

      store.dispatch(titleChanged('First'));
      await jest.advanceTimersByTimeAsync(2000);
      expect(deferred.log).toEqual(['start 1']);

      // An edit during the write, and its debounce running out, still wait.
      store.dispatch(titleChanged('Second'));
      await jest.advanceTimersByTimeAsync(2000);
      expect(deferred.log).toEqual(['start 1']);

      await deferred.releaseNext();
      await jest.advanceTimersByTimeAsync(0);
      expect(deferred.log).toEqual(['start 1', 'end 1', 'start 2']);

      await deferred.releaseNext();
      await jest.advanceTimersByTimeAsync(0);
      expect(deferred.log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
      expect(deferred.maxInFlight).toBe(1);
    });

    it('write the newest state, once, after several edits made during a write', async () => {
      const { store, deferred } = setup(crossTab);

      store.dispatch(titleChanged('First'));
      await jest.advanceTimersByTimeAsync(2000);
      for (const title of ['B', 'C', 'D']) {
        store.dispatch(titleChanged(title));
        await jest.advanceTimersByTimeAsync(700);
      }
      await deferred.releaseNext();
      await jest.advanceTimersByTimeAsync(2000);
      await deferred.releaseNext();
      await jest.advanceTimersByTimeAsync(60_000);

      expect(deferred.held.map((w) => storedData(w.value))).toEqual([titled('First'), titled('D')]);
      expect(await readBack(deferred.inner, 'project:p1')).toEqual(titled('D'));
    });

    it('never leave an older copy in storage when save() and flush() are called during a write', async () => {
      const { store, autosave, deferred } = setup(crossTab);

      store.dispatch(titleChanged('First'));
      await jest.advanceTimersByTimeAsync(2000);
      store.dispatch(titleChanged('Second'));
      const saved = autosave.save('project', 'p1');
      const flushed = autosave.flush();
      const savedAgain = autosave.save('project', 'p1');
      await jest.advanceTimersByTimeAsync(0);
      expect(deferred.log).toEqual(['start 1']);

      await deferred.releaseNext();
      await jest.advanceTimersByTimeAsync(0);
      await deferred.releaseNext();
      await Promise.all([saved, flushed, savedAgain]);

      expect(deferred.log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
      expect(await readBack(deferred.inner, 'project:p1')).toEqual(titled('Second'));
    });
  });

  describe('the status of one save', () => {
    it('goes pending, then saving, then saved', async () => {
      const { store, deferred, status } = setup(crossTab);
      const history = statusHistory(store, status);

      store.dispatch(titleChanged('First'));
      expect(status().status).toBe('pending');
      await jest.advanceTimersByTimeAsync(2000);
      expect(status().status).toBe('saving');
      const before = Date.now();
      await deferred.releaseNext();
      await jest.advanceTimersByTimeAsync(0);

      expect(history).toEqual(['idle', 'pending', 'saving', 'saved']);
      expect(status()).toMatchObject({ status: 'saved', error: null });
      expect(status().lastSavedAt).toBe(before);
    });

    it('is pending, not saved, when an edit arrived during the write', async () => {
      const { store, deferred, status } = setup(crossTab);
      const history = statusHistory(store, status);

      store.dispatch(titleChanged('First'));
      await jest.advanceTimersByTimeAsync(2000);
      store.dispatch(titleChanged('Second'));
      await jest.advanceTimersByTimeAsync(100);
      await deferred.releaseNext();
      await jest.advanceTimersByTimeAsync(0);

      expect(status().status).toBe('pending');
      expect(status().lastSavedAt).not.toBeNull();
      expect(history).not.toContain('saved');

      await jest.advanceTimersByTimeAsync(2000);
      await deferred.releaseNext();
      await jest.advanceTimersByTimeAsync(0);
      expect(status().status).toBe('saved');
      expect(history).toEqual(['idle', 'pending', 'saving', 'pending', 'saving', 'saved']);
    });
  });

  it.each(storages)('on %s, rapid saves never overlap and the newest state is what stays', async (_name, makeStorage) => {
    const inner = makeStorage();
    const { storage, probe } = concurrencyProbe(inner);
    const autosave = createSavePathAutosave({ storage, crossTab });
    const { store } = createRecordingStore(autosave, { preloadedState: { project: { current: makeProject('p1') } } });

    for (let i = 0; i < 10; i++) {
      store.dispatch(titleChanged(`Edit ${i}`));
      void autosave.save('project', 'p1');
      await jest.advanceTimersByTimeAsync(0);
    }
    await autosave.flush();
    await settle();

    expect(probe.maxInFlight).toBe(1);
    // Titles written are in edit order, and the last is the newest.
    const indexes = probe.order.map((t) => Number(t.replace('Edit ', '')));
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
    expect(indexes[indexes.length - 1]).toBe(9);
    expect(await readBack(inner, 'project:p1')).toEqual(titled('Edit 9'));
  });
});
