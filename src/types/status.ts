import type { ActionCreatorWithoutPayload, ActionCreatorWithPayload } from '@reduxjs/toolkit';

export type SaveStatus = 'idle' | 'pending' | 'saving' | 'saved' | 'error' | 'offline' | 'conflict';

export type SaveErrorCode = 'validation' | 'storage' | 'remote' | 'auth' | 'corrupt' | 'migration';

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
  /**
   * How many documents have each status, and how many hold changes only in
   * memory: kept by the reducers, so the overall selectors read one number
   * instead of scanning every document.
   */
  counts?: StatusCounts;
}

/** The number of documents of each status; `unsaved` counts those whose changes storage does not hold. */
export type StatusCounts = Record<SaveStatus, number> & { unsaved: number };

/** A merge's clashes: paths where both sides changed a field and the local value was kept. */
export type MergeConflicts = (string | number)[][];

/** The payloads of the status actions, by action. */
export interface StatusPayloads {
  /** A document changed and waits to be saved. */
  changed: { key: string };
  saveStarted: { key: string };
  /** Written; `pending` when a newer change arrived during the write. */
  saveSucceeded: { key: string; savedAt: number; pending: boolean; pendingSync?: boolean };
  /** A save or a load failed; the error stays until the next successful save. */
  failed: { key: string; error: SaveError };
  /** A stored copy was restored into the state. */
  loaded: { key: string; savedAt: number | null; pendingSync?: boolean };
  removed: { key: string };
  /** A removal (`remove()`) reached the remote, or was dropped there: nothing of the key waits to be pushed. */
  removalSent: { key: string };
  /** The stored copy is the remote's copy at `version`, as last seen: nothing to push (the status and any error stay as they are). */
  inStep: { key: string; version: string };
  /** `load` began reading a document: a hydration gate shows its fallback. */
  loadStarted: { key: string };
  /** `load` settled: a hydration gate shows its children. */
  loadFinished: { key: string; outcome: Exclude<LoadStatus, 'idle' | 'loading'> };
  /** In step with the remote at `version`; `conflicts` lists fields a merge settled for local. */
  synced: { key: string; version: string; syncedAt: number; pendingSync: boolean; conflicts?: MergeConflicts };
  /** The remote could not be reached (`offline`) or refused the push. */
  syncFailed: { key: string; error: SaveError; offline: boolean; pendingSync?: boolean };
  conflictDetected: { key: string; conflict: Conflict };
}

/**
 * The status slice's action creators, `autosave.actions`. Dispatch
 * `syncNow()` to push what waits and pull what others changed; the rest are
 * the library's own, and a test may dispatch them to set a status.
 */
export type AutosaveActions = {
  [A in keyof StatusPayloads]: ActionCreatorWithPayload<StatusPayloads[A], string>;
} & {
  /** Push what is waiting and pull what others changed, now. */
  syncNow: ActionCreatorWithoutPayload<string>;
  /** Everything this instance stored was removed (`purge()`). */
  purged: ActionCreatorWithoutPayload<string>;
};
