import { AutosaveError, exponentialBackoff, type AutosaveStorage, type RetryPolicy } from '../src';
import { failingStorage, makeProject, quotaError, settle, storages, titleChanged, useFakeTimers } from './helpers';
import { createRecordingStore, createSavePathAutosave, readBack } from './helpers/savePath';

beforeEach(() => {
  useFakeTimers();
});

afterEach(async () => {
  // fake-indexeddb finishes its bookkeeping on real macrotasks: let it end inside the test.
  await settle();
  jest.restoreAllMocks();
  jest.useRealTimers();
});

/** Moves the fake clock, then lets real IndexedDB work finish (the clock stands still meanwhile). */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  await settle();
}

/** Records the (fake) time of every write attempt. */
function timed(storage: AutosaveStorage) {
  const times: number[] = [];
  const wrapped: AutosaveStorage = {
    getItem: (key) => storage.getItem(key),
    removeItem: (key) => storage.removeItem(key),
    keys: () => storage.keys(),
    setItem(key, value) {
      times.push(Date.now());
      return storage.setItem(key, value);
    },
  };
  return { storage: wrapped, times };
}

function setup(failing: ReturnType<typeof failingStorage>, options: Parameters<typeof createSavePathAutosave>[0] = {}) {
  const onError = jest.fn();
  const autosave = createSavePathAutosave({ storage: failing.storage, onError, ...options });
  const recording = createRecordingStore(autosave, { preloadedState: { project: { current: makeProject('p1') } } });
  const status = () => recording.status('project', 'p1');
  return { ...recording, autosave, onError, status };
}

describe.each(storages)('a failing write, on %s', (_name, makeStorage) => {
  it('is tried again after about 1 s, then 2 s, and ends saved on the third try', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter: waits of exactly 1000 and 2000 ms
    const failing = failingStorage(2, undefined, makeStorage());
    const { store, status } = setup(failing);

    store.dispatch(titleChanged('Kept through failures'));
    await advance(2000);
    expect(failing.attempts).toHaveLength(1);
    expect(status().status).toBe('saving');

    await advance(999);
    expect(failing.attempts).toHaveLength(1);
    await advance(1);
    expect(failing.attempts).toHaveLength(2);
    await advance(1999);
    expect(failing.attempts).toHaveLength(2);
    expect(status().status).toBe('saving');
    await advance(1);

    expect(failing.attempts).toEqual(['project:p1', 'project:p1', 'project:p1']);
    expect(status()).toMatchObject({ status: 'saved', error: null });
    expect(await readBack(failing.inner, 'project:p1')).toEqual({ ...makeProject('p1'), title: 'Kept through failures' });
    await advance(60_000);
    expect(failing.attempts).toHaveLength(3);
  });

  it('ends in a storage error after retry.attempts tries, and the message says how many', async () => {
    const failing = failingStorage(Infinity, undefined, makeStorage());
    const { store, status } = setup(failing, { retry: { attempts: 4, baseDelayMs: 100 } });

    store.dispatch(titleChanged('Never stored'));
    await advance(2000 + 100 * 1.25 + 200 * 1.25 + 400 * 1.25);

    expect(failing.attempts).toHaveLength(4);
    expect(status().status).toBe('error');
    expect(status().error).toEqual({ code: 'storage', message: expect.stringMatching(/after 4 tries/) });
    expect(status().error?.message).toMatch(/disk unavailable/);
    expect(await failing.inner.getItem('project:p1')).toBeNull();
    await advance(60_000);
    expect(failing.attempts).toHaveLength(4);
  });
});

describe('a document whose write failed', () => {
  async function failedSave() {
    const failing = failingStorage(Infinity);
    const setupResult = setup(failing);
    setupResult.store.dispatch(titleChanged('Unsaved'));
    await jest.advanceTimersByTimeAsync(2000 + 1250 + 2500);
    expect(failing.attempts).toHaveLength(3);
    expect(setupResult.status().error?.code).toBe('storage');
    expect(setupResult.status().error?.message).toMatch(/after 3 tries/);
    return { failing, ...setupResult };
  }

  it('stays unsaved: selectHasUnsavedChanges is true', async () => {
    const { store, autosave } = await failedSave();

    expect(autosave.selectors.selectHasUnsavedChanges(store.getState())).toBe(true);
  });

  it('is saved on the next change', async () => {
    const { store, failing, status } = await failedSave();
    failing.failNext(0);

    store.dispatch(titleChanged('Unsaved, then edited'));
    expect(status().status).toBe('pending');
    await jest.advanceTimersByTimeAsync(2000);

    expect(failing.attempts).toHaveLength(4);
    expect(await readBack(failing.inner, 'project:p1')).toEqual({ ...makeProject('p1'), title: 'Unsaved, then edited' });
    expect(status()).toMatchObject({ status: 'saved', error: null });
  });

  it('is saved by flush()', async () => {
    const { failing, status, autosave } = await failedSave();
    failing.failNext(0);

    await autosave.flush();

    expect(failing.attempts).toHaveLength(4);
    expect(await readBack(failing.inner, 'project:p1')).toEqual({ ...makeProject('p1'), title: 'Unsaved' });
    expect(status()).toMatchObject({ status: 'saved', error: null });
  });

  it('is reported to onError as an AutosaveError with the storage error as its cause', async () => {
    const { onError } = await failedSave();

    expect(onError).toHaveBeenCalledTimes(1);
    const [error] = onError.mock.calls[0];
    expect(error).toBeInstanceOf(AutosaveError);
    expect(error).toMatchObject({ code: 'storage', key: 'project:p1', message: expect.stringMatching(/after 3 tries/) });
    expect((error as AutosaveError).cause).toEqual(new Error('disk unavailable'));
  });
});

describe('a quota error', () => {
  it('says so in the status message, even when the browser\'s message does not', async () => {
    const failing = failingStorage(Infinity, () => new DOMException('The operation failed', 'QuotaExceededError'));
    const { store, status } = setup(failing);

    store.dispatch(titleChanged('Too much'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(status().error?.code).toBe('storage');
    expect(status().error?.message).toMatch(/quota/i);
  });

  it('from the shared helper ends in a storage error that mentions the quota', async () => {
    const failing = failingStorage(Infinity, quotaError);
    const { store, status } = setup(failing);

    store.dispatch(titleChanged('Too much'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(status()).toMatchObject({ status: 'error', error: { code: 'storage', message: expect.stringMatching(/storage quota exceeded/) } });
  });
});

describe('exponentialBackoff', () => {
  it('doubles the delay after each failure, from baseDelayMs', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const policy = exponentialBackoff({ attempts: 6, baseDelayMs: 1000, maxDelayMs: 30_000 });
    const error = new Error('x');

    expect([1, 2, 3, 4, 5].map((attempt) => policy({ error, attempt }))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('gives up once attempts tries have been made', () => {
    const policy = exponentialBackoff({ attempts: 3 });
    const error = new Error('x');

    expect(policy({ error, attempt: 2 })).toEqual(expect.any(Number));
    expect(policy({ error, attempt: 3 })).toBeUndefined();
    expect(exponentialBackoff({ attempts: 1 })({ error, attempt: 1 })).toBeUndefined();
  });

  it('defaults to 3 attempts from 1000 ms', () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const policy = exponentialBackoff();
    const error = new Error('x');

    expect([1, 2, 3].map((attempt) => policy({ error, attempt }))).toEqual([1000, 2000, undefined]);
  });

  it.each([0, 0.25, 0.5, 0.75, 0.9999])('stays within ±25 %% and never above maxDelayMs (Math.random() = %p)', (random) => {
    jest.spyOn(Math, 'random').mockReturnValue(random);
    const policy = exponentialBackoff({ attempts: 20, baseDelayMs: 1000, maxDelayMs: 10_000 });
    const error = new Error('x');

    for (let attempt = 1; attempt < 20; attempt++) {
      const nominal = Math.min(10_000, 1000 * 2 ** (attempt - 1));
      const delay = policy({ error, attempt })!;
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.75);
      expect(delay).toBeLessThanOrEqual(nominal * 1.25);
      expect(delay).toBeLessThanOrEqual(10_000);
    }
  });

  it('draws a different wait for each jitter value', () => {
    const policy = exponentialBackoff({ baseDelayMs: 1000 });
    const error = new Error('x');
    const random = jest.spyOn(Math, 'random');

    random.mockReturnValue(0);
    expect(policy({ error, attempt: 1 })).toBe(750);
    random.mockReturnValue(0.9999);
    expect(policy({ error, attempt: 1 })).toBe(1250);
  });
});

describe('the retry loop', () => {
  it('waits between 75 % and 125 % of baseDelayMs, then of twice that', async () => {
    const failing = failingStorage(2);
    const clock = timed(failing.storage);
    const autosave = createSavePathAutosave({ storage: clock.storage });
    const { store } = createRecordingStore(autosave, { preloadedState: { project: { current: makeProject('p1') } } });

    store.dispatch(titleChanged('Jittered'));
    await jest.advanceTimersByTimeAsync(2000 + 1250 + 2500);

    expect(clock.times).toHaveLength(3);
    const [first, second] = clock.times.slice(1).map((t, i) => t - clock.times[i]);
    expect(first).toBeGreaterThanOrEqual(750);
    expect(first).toBeLessThanOrEqual(1250);
    expect(second).toBeGreaterThanOrEqual(1500);
    expect(second).toBeLessThanOrEqual(2500);
  });

  it('uses a custom retry policy function', async () => {
    const failing = failingStorage(4);
    const policy = jest.fn<ReturnType<RetryPolicy>, Parameters<RetryPolicy>>(({ attempt }) => (attempt < 5 ? 50 : undefined));
    const { store, status } = setup(failing, { retry: policy });

    store.dispatch(titleChanged('Custom'));
    await jest.advanceTimersByTimeAsync(2000 + 4 * 50);

    expect(failing.attempts).toHaveLength(5);
    expect(policy.mock.calls.map(([context]) => context.attempt)).toEqual([1, 2, 3, 4]);
    expect(policy).toHaveBeenCalledWith({ error: new Error('disk unavailable'), attempt: 1 });
    expect(status().status).toBe('saved');
  });

  it('stops at once when a custom policy gives up, and says one try', async () => {
    const failing = failingStorage(Infinity);
    const { store, status } = setup(failing, { retry: () => undefined });

    store.dispatch(titleChanged('Once'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(failing.attempts).toHaveLength(1);
    expect(status().error?.message).toMatch(/after 1 try\b/);
  });

  it('does not retry an error marked retryable: false', async () => {
    const failing = failingStorage(Infinity, () => Object.assign(new Error('no storage here'), { retryable: false }));
    const { store, status } = setup(failing);

    store.dispatch(titleChanged('Hopeless'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(failing.attempts).toHaveLength(1);
    expect(status().error?.code).toBe('storage');
  });
});
