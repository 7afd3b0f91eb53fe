import type { TabMessage } from '../crossTab';
import type { AutosaveError } from '../errors';
import type { CollectionConfig } from '../options';
import type { AutosaveActions } from '../statusSlice';
import type { AutosaveStorage, ConflictStrategy, RemoteAdapter } from '../types';

/** What the sync engine sees of the core's record of one document. */
export interface SyncTracker {
  readonly key: string;
  readonly collection: CollectionConfig;
  readonly latest: unknown;
  readonly clean: unknown;
}

/** The core's services the sync engine is built on; the engine holds no other reference to it. */
export interface SyncContext {
  storage: AutosaveStorage;
  remote: RemoteAdapter;
  conflict: ConflictStrategy;
  retryDelays: { baseDelayMs: number; maxDelayMs: number };
  actions: AutosaveActions;
  dispatch(action: { type: string }): void;
  report(error: unknown): void;
  /** The tracker for a stored key, created when its collection exists. */
  tracker(key: string): SyncTracker | undefined;
  /** Runs `task` in the document's queue, after its pending loads and saves. */
  enqueue<R>(tracker: SyncTracker, task: () => Promise<R>): Promise<R>;
  validate(tracker: SyncTracker, value: unknown): { ok: true; data: unknown } | { ok: false; error: AutosaveError };
  /** Puts `document` into the state when its collection shows that key (or none); returns what now stands for it. */
  restore(tracker: SyncTracker, document: unknown): unknown;
  /** True while this tab is the one that pushes (always, where Web Locks are missing). */
  leading(): boolean;
  announce(message: TabMessage): void;
  /** Writes `document` as the local copy; the error when it could not be written. */
  writeDocument(tracker: SyncTracker, document: unknown): Promise<AutosaveError | undefined>;
}
