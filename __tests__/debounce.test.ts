import { makeProject, projectDocument, projectLoaded, settle, storages, titleChanged, useFakeTimers } from './helpers';
import { createRecordingStore, createSavePathAutosave, notesChanged, notesDocument, readBack, timedStorage } from './helpers/savePath';

beforeEach(() => {
  useFakeTimers();
});

afterEach(async () => {
  // fake-indexeddb finishes its bookkeeping on real macrotasks: let it end inside the test.
  await settle();
  jest.useRealTimers();
});

/** Moves the fake clock, then lets real IndexedDB work finish (the clock stands still meanwhile). */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  await settle();
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

describe.each(storages)('debounce on %s', (_name, makeStorage) => {
  function setup(options: Parameters<typeof createSavePathAutosave>[0] = {}) {
    const spy = timedStorage(makeStorage());
    const autosave = createSavePathAutosave({ storage: spy.storage, ...options });
    const recording = createRecordingStore(autosave, { preloadedState: { project: { current: makeProject('p1') } } });
    return { ...recording, autosave, spy };
  }

  it('writes once, 2000 ms after the last of a burst of edits', async () => {
    const { store, spy, status } = setup();
    const t0 = Date.now();

    for (let i = 0; i < 100; i++) {
      store.dispatch(titleChanged(`Edit ${i}`));
      await advance(10); // 100 edits in one second: the last at 990 ms
    }
    const lastEditAt = t0 + 990;
    await advance(lastEditAt + 2000 - 1 - Date.now());
    expect(spy.writes).toEqual([]);
    expect(status('project', 'p1').status).toBe('pending');

    await advance(1);
    expect(spy.writes).toHaveLength(1);
    expect(spy.writes[0].at - lastEditAt).toBe(2000);

    await advance(60_000);
    expect(spy.writes).toHaveLength(1);
    expect(await readBack(spy.inner, 'project:p1')).toEqual({ ...makeProject('p1'), title: 'Edit 99' });
    expect(status('project', 'p1').status).toBe('saved');
  });

  it('writes at least every maxWaitMs (10 000 ms) while edits keep coming every 500 ms', async () => {
    const { store, spy } = setup();
    const t0 = Date.now();

    for (let i = 0; i < 50; i++) {
      store.dispatch(titleChanged(`Edit ${i}`));
      await advance(500);
    }
    const lastEditAt = t0 + 49 * 500;
    // Step the clock as the edits did, so IndexedDB work (real macrotasks)
    // finishes where it would in real time, not after one long jump.
    for (let i = 0; i < 30; i++) await advance(500);

    const times = spy.writes.map((w) => w.at);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times[0] - t0).toBeLessThanOrEqual(10_000);
    for (const gap of gaps(times)) expect(gap).toBeLessThanOrEqual(10_000);
    // The last write comes a debounce after the last edit, and holds it.
    expect(times[times.length - 1]).toBe(lastEditAt + 2000);
    expect(await readBack(spy.inner, 'project:p1')).toEqual({ ...makeProject('p1'), title: 'Edit 49' });
  });

  it('honours a collection\'s own debounceMs and maxWaitMs', async () => {
    const { store, spy } = setup({
      documents: { project: projectDocument({ debounceMs: 300, maxWaitMs: 1000 }) },
    });
    const t0 = Date.now();

    // A burst: saved 300 ms after its last edit.
    for (let i = 0; i < 5; i++) {
      store.dispatch(titleChanged(`Burst ${i}`));
      await advance(50);
    }
    await advance(299 - 50);
    expect(spy.writes).toHaveLength(0);
    await advance(1);
    expect(spy.writes.map((w) => w.at - t0)).toEqual([200 + 300]);

    // Continuous edits every 100 ms for 5 s: a write at least every 1000 ms.
    const t1 = Date.now();
    for (let i = 0; i < 50; i++) {
      store.dispatch(titleChanged(`Steady ${i}`));
      await advance(100);
    }
    await advance(2000);
    const times = spy.writes.slice(1).map((w) => w.at);
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(times[0] - t1).toBeLessThanOrEqual(1000);
    for (const gap of gaps(times)) expect(gap).toBeLessThanOrEqual(1000);
    expect(await readBack(spy.inner, 'project:p1')).toEqual({ ...makeProject('p1'), title: 'Steady 49' });
  });

  it('keeps each collection on its own timing', async () => {
    const { store, spy } = setup({
      documents: {
        project: projectDocument({ debounceMs: 300 }),
        notes: notesDocument({ debounceMs: 5000, maxWaitMs: 20_000 }),
      },
    });
    const t0 = Date.now();

    store.dispatch(titleChanged('Quick'));
    store.dispatch(notesChanged('Slow'));
    await advance(10_000);

    expect(spy.writes.map((w) => [w.key, w.at - t0])).toEqual([
      ['project:p1', 300],
      ['notes:default', 5000],
    ]);
    expect(await readBack(spy.inner, 'notes:default')).toEqual({ text: 'Slow' });
  });
});

it('saves a new document debounceMs after it appears in the state', async () => {
  const spy = timedStorage();
  const autosave = createSavePathAutosave({ storage: spy.storage });
  const { store } = createRecordingStore(autosave);
  const t0 = Date.now();

  store.dispatch(projectLoaded(makeProject('p7')));
  await jest.advanceTimersByTimeAsync(1999);
  expect(spy.writes).toHaveLength(0);
  await jest.advanceTimersByTimeAsync(1);

  expect(spy.writes.map((w) => [w.key, w.at - t0])).toEqual([['project:p7', 2000]]);
});
