import type { Action } from '@reduxjs/toolkit';
import type { ZodType } from 'zod';
import type { RemoteAdapter } from './remote';

/**
 * Where documents are written. Every method returns a promise, so a
 * localforage instance is a storage as it is.
 *
 * ```ts
 * const storage: AutosaveStorage = localforage.createInstance({ name: 'my-app' });
 * ```
 */
export interface AutosaveStorage {
  getItem(key: string): Promise<unknown>;
  setItem(key: string, value: unknown): Promise<unknown>;
  removeItem(key: string): Promise<unknown>;
  keys(): Promise<string[]>;
  /**
   * True for a storage that keeps only strings: it is handed the whole
   * envelope as JSON instead of an object.
   * @default false
   */
  readonly stringsOnly?: boolean;
  /**
   * Names the storage for tabs that share it: stores over storages of one
   * name keep each other up to date (see `crossTab`).
   * @default 'storage'
   */
  readonly name?: string;
  /**
   * Runs `task` holding a lock on `key` that other processes sharing this
   * storage respect too (`fileStorage` takes a lock file): the check for a
   * newer stored copy and the write that follows it are then one step across
   * processes, as Web Locks make them across tabs.
   */
  lock?<R>(key: string, task: () => Promise<R>): Promise<R>;
}

/** How long a storage may take to answer before the library stops waiting. */
export interface StorageTimeouts {
  /**
   * A read (`getItem`, `keys`) with no answer by then fails with code
   * `storage`: `load` resolves `{ status: 'error' }` and the app goes on.
   * @default 5000
   */
  readMs?: number;
  /**
   * A write with no answer by then fails the save with code `storage`. It may
   * still finish later: nothing else is written to that key until it has.
   * @default 30000
   */
  writeMs?: number;
}

/** What a retry policy is told after a failed try. */
export interface RetryContext {
  error: unknown;
  /** The try that just failed, counting from 1. */
  attempt: number;
}

/**
 * Decides whether to try again: the delay in milliseconds before the next
 * try, or `undefined` to give up.
 */
export type RetryPolicy = (context: RetryContext) => number | undefined;

export interface RetryOptions {
  /**
   * Every try, the first included: `3` means at most three writes.
   * @default 3
   */
  attempts?: number;
  /**
   * The wait after the first failure; it doubles after each further one.
   * @default 1000
   */
  baseDelayMs?: number;
  /**
   * No wait is longer than this.
   * @default 30000
   */
  maxDelayMs?: number;
}

/** A migration from the version before its key to the version of its key. */
export type Migration = (previous: any) => unknown;

/**
 * How one collection of documents is found in the state, checked and restored.
 *
 * ```ts
 * project: {
 *   select: (state: RootState) => state.project.current,
 *   id: (project) => project.id,
 *   schema: ProjectSchema,
 *   restore: projectSlice.actions.projectLoaded,
 * }
 * ```
 */
export interface DocumentOptions<S, D> {
  /** The document in the state; `null` or `undefined` means nothing to save. */
  select: (state: S) => D | null | undefined;
  /**
   * The document's id, for a collection of many documents.
   * @default () => 'default'
   */
  id?: (document: NoInfer<D>) => string | number;
  /** Validates every save and every load. */
  schema: ZodType<NoInfer<D>>;
  /** Action creator dispatched with a loaded, valid document. */
  restore: (document: NoInfer<D>) => Action;
  /**
   * The schema version written with each document.
   * @default 1
   */
  version?: number;
  /**
   * Upgrades of stored documents, keyed by the version each one migrates to.
   * @default {}
   */
  migrations?: Record<number, Migration>;
  /**
   * Quiet time after the last change before the document is saved.
   * @default 2000
   */
  debounceMs?: number;
  /**
   * Longest time a changed document waits, so continuous editing still saves.
   * @default 10000
   */
  maxWaitMs?: number;
  /**
   * Earlier copies kept, to see and restore (`history()`, `restoreVersion()`).
   * `keep: 0` keeps none.
   * @default { keep: 10, everyMs: 300_000, maxBytes: 5_000_000 }
   */
  history?: HistoryOptions;
}

/** How many earlier copies of a collection's documents are kept, and how often. */
export interface HistoryOptions {
  /**
   * Copies kept per document by time (`everyMs`); `0` turns history off.
   * @default 10
   */
  keep?: number;
  /**
   * A save at least this long after the last kept copy keeps the copy it replaces.
   * @default 300_000
   */
  everyMs?: number;
  /**
   * Bytes all of the collection's kept copies may take together; the oldest go first.
   * @default 5_000_000
   */
  maxBytes?: number;
}

/** What a conflict resolver is given: each side as a plain document, and the storage key. */
export interface ConflictContext<D = unknown> {
  /** The last copy both sides agreed on; `null` when they never did. */
  base: D | null;
  local: D;
  remote: D;
  key: string;
}

/** Returns the document that ends a conflict; it is validated before it is used. */
export type ConflictResolver<D = any> = (context: ConflictContext<D>) => D;

export type ConflictStrategy = 'merge' | 'local' | 'remote' | 'manual' | ConflictResolver;

export interface AutosaveOptions<T extends Record<string, unknown>, ReducerPath extends string = 'autosave'> {
  /**
   * The documents to save, by collection name. Each collection's document
   * type is inferred from what its `select` returns.
   */
  documents: { [K in keyof T]: DocumentOptions<any, T[K]> };
  /**
   * Where documents are written.
   * @default localforageStorage() — IndexedDB, database 'redux-autosave'
   */
  storage?: AutosaveStorage;
  /**
   * How failed writes are tried again: options for the built-in exponential
   * backoff with jitter, or a policy of your own.
   * @default { attempts: 3, baseDelayMs: 1000, maxDelayMs: 30000 }
   */
  retry?: RetryOptions | RetryPolicy;
  /**
   * A serialized document larger than this is not written (status `error`).
   * @default 5_000_000
   */
  maxDocumentBytes?: number;
  /**
   * Where the status slice is mounted in the state.
   * @default 'autosave'
   */
  reducerPath?: ReducerPath;
  /** Told of every error: failed saves and loads, and callbacks that threw. */
  onError?: (error: unknown) => void;
  /**
   * Syncs saved documents with a remote: `httpRemote({ url })` or any
   * `RemoteAdapter`. Without it nothing leaves the device.
   */
  remote?: RemoteAdapter;
  /**
   * Keeps tabs of one origin that share the storage consistent: each save
   * is announced on a BroadcastChannel, and a write never goes over a newer
   * stored copy the tab has not seen (Web Locks, where the browser has them).
   * @default true where BroadcastChannel exists
   */
  crossTab?: boolean;
  /**
   * How a conflict with the remote ends: a three-way merge where local wins
   * a clash (`'merge'`), one side whole, `'manual'` (status `conflict` until
   * `resolveConflict`), or a resolver function.
   * @default 'merge'
   */
  conflict?: ConflictStrategy;
  /**
   * How long storage reads and writes may take; `Infinity` waits for ever.
   * @default { readMs: 5000, writeMs: 30000 }
   */
  storageTimeouts?: StorageTimeouts;
  /**
   * The envelope format saves write. `2` keeps the document as its JSON text,
   * so a save serializes and hashes once and a load hashes and parses once;
   * `1` is what earlier releases write: keep it for one release while tabs of
   * an earlier release may still be open (they cannot read format 2). Both
   * are read either way.
   * @default 2
   */
  storageFormat?: 1 | 2;
}
