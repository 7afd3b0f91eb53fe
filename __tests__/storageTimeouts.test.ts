// A storage that never answers must not hang the app (issue 11, item 2):
// headless Chromium's indexedDB.open never completes, and Safari has shipped
// the same bug.
import { memoryStorage, type AutosaveStorage } from '../src';
import { createTestStore, makeProject, projectLoaded, titleChanged, useFakeTimers } from './helpers';
import { readStoredData } from './helpers/stored';

beforeEach(useFakeTimers);
afterEach(() => jest.useRealTimers());

/** A storage whose calls can be held: each held call waits until the test releases it. */
function holdingStorage(inner: AutosaveStorage = memoryStorage()) {
  const log: string[] = [];
  let holdReads = false;
  let holdWrites = false;
  const held: (() => void)[] = [];
  const hold = <T>(name: string, run: () => Promise<T>, holding: boolean): Promise<T> => {
    log.push(`start ${name}`);
    const done = (value: T) => {
      log.push(`end ${name}`);
      return value;
    };
    if (!holding) return run().then(done);
    return new Promise<void>((release) => held.push(release)).then(run).then(done);
  };
  const storage: AutosaveStorage = {
    name: 'holding',
    getItem: (key) => hold(`getItem ${key}`, () => inner.getItem(key), holdReads),
    setItem: (key, value) => hold(`setItem ${key}`, () => inner.setItem(key, value), holdWrites && !key.startsWith('__autosave/')),
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
  return {
    storage,
    inner,
    log,
    holdReads: (on: boolean) => (holdReads = on),
    holdWrites: (on: boolean) => (holdWrites = on),
    releaseAll: () => held.splice(0).forEach((release) => release()),
  };
}

describe('a read that never answers', () => {
  it('load resolves an error with code storage after readMs, and the app goes on', async () => {
    const disk = holdingStorage();
    disk.holdReads(true);
    const { autosave, status, store } = createTestStore({ storage: disk.storage });
    let result: Awaited<ReturnType<typeof autosave.load>> | undefined;
    void autosave.load('project', 'p1').then((r) => (result = r));

    await jest.advanceTimersByTimeAsync(4999);
    expect(result).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(result).toEqual({
      status: 'error',
      error: {
        code: 'storage',
        message: expect.stringContaining('the storage did not answer within 5000 ms (`storageTimeouts.readMs`) reading project:p1'),
      },
    });
    expect(status().status).toBe('error');

    // The app goes on: an edit is still saved once the storage answers again.
    disk.holdReads(false);
    disk.releaseAll();
    store.dispatch(projectLoaded(makeProject('p1', 'Typed while it hung')));
    await jest.advanceTimersByTimeAsync(2000);
    expect(status().status).toBe('saved');
  });

  it('the limit is an option', async () => {
    const disk = holdingStorage();
    disk.holdReads(true);
    const { autosave } = createTestStore({ storage: disk.storage, storageTimeouts: { readMs: 250 } });
    const result = autosave.load('project', 'p1');
    await jest.advanceTimersByTimeAsync(250);
    await expect(result).resolves.toMatchObject({ status: 'error', error: { message: expect.stringContaining('within 250 ms') } });
  });
});

describe('a write that does not answer in time', () => {
  it('fails the save after writeMs; a later save waits until it has settled, so nothing overtakes it', async () => {
    const disk = holdingStorage();
    const { autosave, status, store } = createTestStore({ storage: disk.storage, storageTimeouts: { writeMs: 1000 } });
    store.dispatch(projectLoaded(makeProject('p1', 'First')));
    await autosave.flush();
    expect(status().status).toBe('saved');

    disk.holdWrites(true);
    store.dispatch(titleChanged('Second'));
    const flushed = autosave.flush().then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await jest.advanceTimersByTimeAsync(1000);
    expect(await flushed).toMatch(/project:p1 \(storage\)/);
    expect(status()).toMatchObject({ status: 'error', error: { code: 'storage', message: expect.stringContaining('did not answer within 1000 ms') } });

    // Edited again while the first write still hangs: this save must not
    // write before it (the late one would land over it).
    disk.holdWrites(false);
    store.dispatch(titleChanged('Third'));
    const second = autosave.flush().catch(() => {});
    await jest.advanceTimersByTimeAsync(500);
    const starts = disk.log.filter((line) => line === 'start setItem project:p1');
    expect(starts).toHaveLength(2); // the first write, and the hung one
    disk.releaseAll();
    await jest.advanceTimersByTimeAsync(0);
    await second;
    const order = disk.log.filter((line) => line.endsWith('setItem project:p1'));
    expect(order.slice(-3)).toEqual(['end setItem project:p1', 'start setItem project:p1', 'end setItem project:p1']);
    expect(status().status).toBe('saved');
    expect((await readStoredData<{ title: string }>(disk.inner, 'project:p1')).title).toBe('Third');
  });

  it('rejects an option that is not a positive number of milliseconds', () => {
    expect(() => createTestStore({ storageTimeouts: { readMs: 0 } })).toThrow(
      'redux-autosave: `storageTimeouts.readMs` must be a number of milliseconds above 0 (Infinity for none), received number 0',
    );
    expect(() => createTestStore({ storageTimeouts: { write: 5 } as never })).toThrow('unknown option `storageTimeouts.write`');
  });
});
