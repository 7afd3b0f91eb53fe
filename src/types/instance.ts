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
  /** The kept copies of a document, newest first. */
  history<K extends keyof T & string>(collection: K, ...id: IdArgument<K, WithId>): Promise<HistoryVersion[]>;
  /** A kept copy (checksum checked, migrated, validated), to preview or compare. */
  readVersion<K extends keyof T & string>(collection: K, id: string | number | undefined, versionId: string): Promise<T[K]>;
  /**
   * Puts a kept copy into the state as a new edit, saved and pushed like any
   * other; the copy it replaces is kept first, so a restore can be undone.
   */
  restoreVersion<K extends keyof T & string>(collection: K, id: string | number | undefined, versionId: string): Promise<void>;
  /** What the instance has stored, by kind, and the browser's estimate for the origin. */
  usage(): Promise<StorageUsage>;
  /** Asks the browser to keep the origin's data under storage pressure; `false` where it cannot. */
  requestPersistence(): Promise<boolean>;
  /** Removes kept copies (and old quarantined ones); resolves the bytes freed. Current copies and unsent edits are never removed. */
  prune(options?: PruneOptions): Promise<number>;
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

/** Why a copy was kept: on a timer, or before something other than this tab's own edit replaced it. */
export type HistoryReason = 'periodic' | 'before-remote' | 'before-tab' | 'before-merge' | 'before-restore';

/** A kept copy of a document, newest first in `history()`. */
export interface HistoryVersion {
  /** Opaque: pass it to `readVersion` or `restoreVersion`. */
  versionId: string;
  /** When the copy was saved (epoch ms). */
  savedAt: number;
  /** Its size as stored, in UTF-8 bytes. */
  bytes: number;
  reason: HistoryReason;
}

/** What the instance has stored, in UTF-8 bytes, from the sizes it keeps as it writes (nothing is read to answer). */
export interface StorageUsage {
  total: number;
  documents: Record<string, number>;
  history: number;
  quarantine: number;
  /** The sync outbox and bases. */
  outbox: number;
  /** The browser's own figure for the whole origin (`navigator.storage.estimate()`), where it has one. */
  estimate?: { usage: number; quota: number };
  /** Whether the browser keeps the origin's data under storage pressure (`requestPersistence()`). */
  persisted?: boolean;
}

export interface PruneOptions {
  /** Kept copies to leave per document (the newest). @default the collection's `history.keep` */
  keepVersions?: number;
  /** Removes kept copies saved longer ago than this. */
  olderThanMs?: number;
  /** Removes quarantined copies kept aside longer ago than this. */
  quarantineOlderThanMs?: number;
}
