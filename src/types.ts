import type { Action, Middleware, Reducer } from '@reduxjs/toolkit';
import type { ZodType } from 'zod';
import type { AutosaveActions } from './statusSlice';

export type { AutosaveActions };

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
}

export type SaveStatus = 'idle' | 'pending' | 'saving' | 'saved' | 'error' | 'offline' | 'conflict';

export type SaveErrorCode = 'validation' | 'storage' | 'remote' | 'corrupt' | 'migration';

/** One problem zod found, as plain data. */
export interface ValidationIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

export interface SaveError {
  code: SaveErrorCode;
  message: string;
  issues?: ValidationIssue[];
}

/** What the status slice knows of one document. */
export interface DocumentStatus {
  status: SaveStatus;
  /** When the document was last written to storage (epoch ms). */
  lastSavedAt: number | null;
  /** When the document was last in step with the remote (epoch ms). */
  lastSyncedAt: number | null;
  /** The last error; cleared by the next successful save. */
  error: SaveError | null;
  /** Saved locally, not yet pushed to the remote. */
  pendingSync: boolean;
  /** The remote's version of the last synced copy. */
  remoteVersion: string | null;
  /** With `conflict: 'manual'`, the sides waiting for `resolveConflict`. */
  conflict: Conflict | null;
  /** Fields both sides changed in the last merge, where the local value was kept. */
  mergeConflicts: (string | number)[][] | null;
}

/** A conflict waiting for a decision: each side as a plain document. */
export interface Conflict<D = unknown> {
  base: D | null;
  local: D;
  remote: D;
}

/** Where `load` is for one document: what a hydration gate waits on. */
export type LoadStatus = 'idle' | 'loading' | 'loaded' | 'missing' | 'error';

export interface AutosaveState {
  documents: Record<string, DocumentStatus>;
  /** Documents `load` has been asked for; the selectors read others as `'idle'`. */
  loads?: Record<string, LoadStatus>;
}

/**
 * What `load` found. `invalid` and `corrupt` copies were kept aside under
 * `quarantineKey` before anything could write over them.
 */
export type LoadResult<D> =
  | { status: 'loaded'; document: D; restored: boolean }
  | { status: 'missing' }
  | { status: 'invalid'; error: SaveError; quarantineKey: string | null }
  | { status: 'corrupt'; error: SaveError; quarantineKey: string | null }
  | { status: 'error'; error: SaveError };

export interface DisposeOptions {
  /**
   * Save every changed document before letting go.
   * @default true
   */
  flush?: boolean;
}

/**
 * Reads the status slice. `Collection` is the instance's collection names,
 * so a misspelt one is a type error.
 */
export interface AutosaveSelectors<Collection extends string = string> {
  /** The status of one document; `{ status: 'idle', … }` for one not seen yet. */
  selectDocumentStatus(state: unknown, collection: Collection, id?: string | number): DocumentStatus;
  /** The worst status of all documents: error > conflict > offline > saving > pending > saved > idle. */
  selectOverallStatus(state: unknown): SaveStatus;
  /** True while any document has changes that are not in storage yet. */
  selectHasUnsavedChanges(state: unknown): boolean;
  /** The conflict waiting for `resolveConflict`, or `null`. */
  selectConflict(state: unknown, collection: Collection, id?: string | number): Conflict | null;
  /**
   * Where `load` is for one document: `'idle'` (not asked), `'loading'`, then
   * `'loaded'`, `'missing'` or `'error'` (invalid, corrupt or unreadable).
   */
  selectLoadStatus(state: unknown, collection: Collection, id?: string | number): LoadStatus;
}

/** The id argument of a collection: required where the collection has an `id` function. */
export type IdArgument<K, WithId> = K extends WithId ? [id: string | number] : [id?: string | number];

/**
 * What `createAutosave` returns. `WithId` names the collections that have an
 * `id` function: their methods need the id.
 */
export interface AutosaveInstance<T extends Record<string, unknown>, ReducerPath extends string = 'autosave', WithId extends keyof T = never> {
  /** Where `reducer` must be mounted: `{ [autosave.reducerPath]: autosave.reducer }`. */
  reducerPath: ReducerPath;
  reducer: Reducer<AutosaveState>;
  middleware: Middleware;
  actions: AutosaveActions;
  selectors: AutosaveSelectors<keyof T & string>;
  /**
   * Reads, checks, migrates, validates and restores one document. A second
   * call while one is running shares it.
   */
  load<K extends keyof T & string>(collection: K, ...id: IdArgument<K, WithId>): Promise<LoadResult<T[K]>>;
  /** Saves one document now, if it changed. */
  save<K extends keyof T & string>(collection: K, ...id: IdArgument<K, WithId>): Promise<void>;
  /** Saves every changed document now; rejects with the errors of those that failed. */
  flush(): Promise<void>;
  /** Deletes a stored document. */
  remove<K extends keyof T & string>(collection: K, ...id: IdArgument<K, WithId>): Promise<void>;
  /** The ids stored in a collection. */
  list(collection: keyof T & string): Promise<string[]>;
  /** Whether a document is stored. */
  exists<K extends keyof T & string>(collection: K, ...id: IdArgument<K, WithId>): Promise<boolean>;
  /**
   * Removes everything this instance stored — every document of its
   * collections, the sync outbox and bases, quarantined copies and the
   * page-close journal — for logout, and for tests. Saves waiting to run are
   * cancelled, never written after it; the remote keeps its copies.
   */
  purge(): Promise<void>;
  /**
   * Ends a conflict (`conflict: 'manual'`) with the local copy, the remote
   * one, their three-way merge (`'merge'`), or a document of your own; the
   * result is validated, saved and pushed.
   */
  resolveConflict<K extends keyof T & string>(
    collection: K,
    id: string | number | undefined,
    choice: 'local' | 'remote' | 'merge' | T[K],
  ): Promise<void>;
  /** Stops timers and listeners, flushing first unless told `{ flush: false }`. */
  dispose(options?: DisposeOptions): Promise<void>;
}


/** A document as the remote holds it: the server assigns `version`. */
export interface RemoteDocument {
  version: string;
  data: unknown;
}

export interface PushMeta {
  /** The version this push was based on; `null` for a document never synced. */
  baseVersion: string | null;
  /** `{clientId}:{seq}`, the same on every retry of one push. */
  idempotencyKey: string;
  /** A last push while the page goes away: send with `fetch(…, { keepalive: true })`. */
  keepalive?: boolean;
}

export type PushResult = { ok: true; version: string } | { ok: false; conflict: RemoteDocument };

/**
 * A remote the sync engine reconciles documents with. `key` is the storage
 * key `{collection}:{id}`. Errors thrown are `RemoteError`s: `retryable` ones
 * (network, timeout, 429, 5xx) are tried again with backoff.
 *
 * ```ts
 * const remote: RemoteAdapter = httpRemote({ url: '/api/autosave' });
 * ```
 */
export interface RemoteAdapter {
  /** How long `load` waits for a pull before it settles for the local copy. @default 15000 */
  readonly timeoutMs?: number;
  pull(key: string): Promise<RemoteDocument | null>;
  push(key: string, data: unknown, meta: PushMeta): Promise<PushResult>;
}
