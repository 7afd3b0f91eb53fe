import type { Middleware, Reducer } from '@reduxjs/toolkit';
import type { AutosaveActions, AutosaveState, Conflict, DocumentStatus, LoadStatus, SaveError, SaveStatus } from './status';

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
  /** The ids stored in a collection, on this device. */
  list(collection: keyof T & string): Promise<string[]>;
  /**
   * The ids the remote holds in a collection (a new device finds its
   * documents here, then `load`s them).
   */
  listRemote(collection: keyof T & string): Promise<string[]>;
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
