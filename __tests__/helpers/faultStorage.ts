// A storage that misbehaves on a schedule the test sets: operations that
// fail, stall, throw QuotaExceededError, read back garbage, or writes that
// resolve and are lost. It also watches the quarantine keys, so a test can
// say that no copy kept aside was ever written over.
import { memoryStorage, type AutosaveStorage } from '../../src';

export type StorageFault =
  /** The operation rejects with an I/O error. */
  | 'fail'
  /** The operation rejects with a QuotaExceededError, as a full disk does in a browser. */
  | 'quota'
  /** The operation waits `stallMs` (on the fake clock) and then runs. */
  | 'stall'
  /** A read returns `garbage` instead of what is stored. */
  | 'garbage'
  /** A write resolves as if it had worked and stores nothing. */
  | 'lose';

export type StorageMethod = 'getItem' | 'setItem' | 'removeItem' | 'keys';

export interface StorageOp {
  method: StorageMethod;
  key?: string;
  /** How many operations came before this one, counting every method. */
  n: number;
}

/** Decides the fault of one operation, or none. */
export type FaultSchedule = (op: StorageOp) => StorageFault | undefined;

export class QuotaExceededError extends Error {
  // Chrome's DOMException has name QuotaExceededError and code 22.
  readonly code = 22;
  constructor() {
    super('The quota has been exceeded.');
    this.name = 'QuotaExceededError';
  }
}

const QUARANTINE = '__autosave/quarantine/';
let instances = 0;

export function faultyStorage(
  inner: AutosaveStorage = memoryStorage(),
  { stallMs = 10_000, garbage = '<html><body>502 Bad Gateway</body></html>' }: { stallMs?: number; garbage?: unknown } = {},
) {
  // Stores over one storage name are tabs of one page (they share locks and a
  // BroadcastChannel); each session gets a name of its own, as a reloaded page
  // no longer shares anything with the closed one.
  const name = `faulty-${++instances}`;
  let sessions = 0;
  let schedule: FaultSchedule = () => undefined;
  let garbageRead = garbage;
  let n = 0;
  const injected: Record<StorageFault, number> = { fail: 0, quota: 0, stall: 0, garbage: 0, lose: 0 };
  /** Quarantine keys written over with a different value: must stay empty. */
  const quarantineOverwrites: string[] = [];
  const writes: { key: string; value: unknown; by: string; at: number }[] = [];

  let views = 0;
  function view(session: { killed: boolean }, viewName: string): AutosaveStorage {
    const by = `${viewName}#${++views}`;
    async function run<T>(method: StorageMethod, key: string | undefined, op: () => Promise<T>, read?: boolean): Promise<T> {
      // A closed tab's storage calls never finish.
      if (session.killed) return new Promise<T>(() => {});
      const fault = schedule({ method, key, n: n++ });
      if (fault === 'garbage' && !read) return op();
      if (fault === 'lose' && method !== 'setItem') return op();
      if (fault) injected[fault]++;
      switch (fault) {
        case 'fail':
          throw new Error(`${method}(${key ?? ''}) failed: I/O error`);
        case 'quota':
          throw new QuotaExceededError();
        case 'stall':
          await new Promise((resolve) => setTimeout(resolve, stallMs));
          if (session.killed) return new Promise<T>(() => {});
          return op();
        case 'garbage':
          return garbageRead as T;
        case 'lose':
          return undefined as T;
        default:
          return op();
      }
    }
    return {
      name: viewName,
      stringsOnly: inner.stringsOnly,
      getItem: (key) => run('getItem', key, () => inner.getItem(key), true),
      setItem: (key, value) =>
        run('setItem', key, async () => {
          if (key.startsWith(QUARANTINE)) {
            const before = await inner.getItem(key);
            if (before != null && JSON.stringify(before) !== JSON.stringify(value)) quarantineOverwrites.push(key);
          }
          writes.push({ key, value, by, at: Date.now() });
          return inner.setItem(key, value);
        }),
      removeItem: (key) =>
        run('removeItem', key, async () => {
          if (key.startsWith(QUARANTINE)) quarantineOverwrites.push(`${key} (removed)`);
          return inner.removeItem(key);
        }),
      keys: () => run('keys', undefined, () => inner.keys()),
    };
  }

  const main = { killed: false };
  return {
    /** The storage to give createAutosave. */
    storage: view(main, name),
    /** The storage without faults, to check what is really stored. */
    inner,
    injected,
    quarantineOverwrites,
    /** Every write that reached `inner`, in order. */
    writes,
    /** Sets the schedule that decides each operation's fault. */
    schedule(next: FaultSchedule) {
      schedule = next;
    },
    /**
     * Every operation of these methods (on keys `where` accepts, when given)
     * gets `fault` until `heal()`; a garbage read returns `garbage` when given.
     */
    always(
      fault: StorageFault,
      methods: StorageMethod[] = ['setItem'],
      options: { garbage?: unknown; where?: (key: string | undefined) => boolean } = {},
    ) {
      if ('garbage' in options) garbageRead = options.garbage;
      const where = options.where ?? (() => true);
      schedule = (op) => (methods.includes(op.method) && where(op.key) ? fault : undefined);
    },
    /** The next `count` operations of these methods get `fault`, then all is well. */
    next(count: number, fault: StorageFault, methods: StorageMethod[] = ['setItem']) {
      let left = count;
      schedule = (op) => (methods.includes(op.method) && left > 0 ? (left--, fault) : undefined);
    },
    heal() {
      schedule = () => undefined;
    },
    /**
     * A view of the same storage for one page load; `kill()` makes its calls
     * hang, as a closed tab's do. Given the `name` of another session's
     * storage, it is a second tab of that page's origin: the two share their
     * BroadcastChannel and lock names.
     */
    session(sameOriginAs?: string) {
      const state = { killed: false };
      return { storage: view(state, sameOriginAs ?? `${name}/session-${++sessions}`), kill: () => void (state.killed = true) };
    },
    total: () => Object.values(injected).reduce((a, b) => a + b, 0),
  };
}

export type FaultyStorage = ReturnType<typeof faultyStorage>;
