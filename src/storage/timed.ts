import { AutosaveError } from '../errors';
import type { AutosaveStorage } from '../types';

const noop = () => {};

/**
 * A storage whose calls give up after a time. Some never answer: headless
 * Chromium's `indexedDB.open`, and Safari has shipped the same bug; without
 * a limit `load()` would wait for ever and the app with it.
 *
 * A write that gave up may still commit later. Until it has settled, later
 * writes and removals of that key wait behind it, so none is overtaken by it.
 */
export function withTimeouts(storage: AutosaveStorage, { readMs, writeMs }: { readMs: number; writeMs: number }): AutosaveStorage {
  if (readMs === Infinity && writeMs === Infinity) return storage;
  const late = new Map<string, Promise<void>>();

  function write<R>(key: string, doing: string, run: () => Promise<R>): Promise<R> {
    const before = late.get(key);
    const op = before ? before.then(run) : run();
    return timed(op, writeMs, 'writeMs', `${doing} ${key}`, () => {
      const settled = op.then(noop, noop);
      late.set(key, settled);
      settled.then(() => {
        if (late.get(key) === settled) late.delete(key);
      });
    });
  }

  const timedStorage: AutosaveStorage = {
    getItem: (key) => timed(storage.getItem(key), readMs, 'readMs', `reading ${key}`),
    keys: () => timed(storage.keys(), readMs, 'readMs', 'listing the keys'),
    setItem: (key, value) => write(key, 'writing', () => storage.setItem(key, value)),
    removeItem: (key) => write(key, 'removing', () => storage.removeItem(key)),
  };
  return Object.assign(timedStorage, {
    name: storage.name,
    stringsOnly: storage.stringsOnly,
    lock: storage.lock?.bind(storage),
  });
}

function timed<R>(op: Promise<R>, ms: number, option: string, what: string, onLate = noop): Promise<R> {
  if (ms === Infinity) return op;
  return new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => {
      onLate();
      reject(
        new AutosaveError('storage', `redux-autosave: the storage did not answer within ${ms} ms (\`storageTimeouts.${option}\`) ${what}`, {
          retryable: false,
        }),
      );
    }, Math.min(ms, 2 ** 31 - 1));
    op.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
