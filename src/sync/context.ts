import type { TabMessage } from '../crossTab';
import type { AutosaveError } from '../errors';
import type { CollectionConfig } from '../options';
import type { AutosaveActions } from '../statusSlice';
import type { AutosaveStorage, ConflictStrategy, RemoteAdapter } from '../types';

export type Checked = { ok: true; data: unknown } | { ok: false; error: AutosaveError };

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
  /**
   * A copy in its stored (wire) form, as storage and the remote hold it:
   * validated, decoded by the schema's codecs, and checked to be the
   * document of `tracker.key` (its `id`); `data` is in the state's form.
   */
  validate(tracker: SyncTracker, wire: unknown): Checked;
  /** A document of the state in its stored form, validated (as a save would). */
  toWire(tracker: SyncTracker, document: unknown): Checked;
  /**
   * A document of the state in its stored form for merging: as it is when
   * the schema has no codec (even while invalid: an unsaved edit is never
   * dropped for it), encoded otherwise.
   */
  wireOf(tracker: SyncTracker, document: unknown): Checked;
  /** Puts `document` into the state when its collection shows that key (or none); returns what now stands for it. */
  restore(tracker: SyncTracker, document: unknown): unknown;
  /** True while this tab is the one that pushes (always, where Web Locks are missing). */
  leading(): boolean;
  announce(message: TabMessage): void;
  /** Writes `document` as the local copy; the error when it could not be written. */
  writeDocument(tracker: SyncTracker, document: unknown): Promise<AutosaveError | undefined>;
}
