import type { MiddlewareAPI } from '@reduxjs/toolkit';
import { AutosaveError, toSaveError } from '../errors';
import { DEFAULT_ID, storageKey } from '../keys';
import type { CollectionConfig } from '../options';
import { createSchedule, type SaveSchedule } from '../scheduler';
import type { HistoryReason } from '../types/instance';
import type { AutosaveActions, SaveStatus } from '../types/status';

/**
 * Where a document is, as the status slice shows it:
 * - `idle`: not changed or loaded since the store started;
 * - `clean`: the state holds the stored copy (loaded, saved, or an edit undone);
 * - `pending`: the state holds an edit storage does not, and a save is due;
 * - `saving`: a write of the state's copy is under way;
 * - `error`: the last save (or load) failed; the edit is still only in memory.
 */
export type Phase = 'idle' | 'clean' | 'pending' | 'saving' | 'error';

/** What happens to a document; `transition()` moves its phase and tells the slice. */
export type DocumentEvent =
  | { type: 'edited' }
  | { type: 'saveStarted' }
  | { type: 'written'; savedAt: number; pendingSync: boolean }
  /** Nothing to write after all: the state holds the stored copy again (an undo; another tab stored the same). */
  | { type: 'settled'; savedAt: number; pendingSync?: boolean }
  | { type: 'failed'; error: AutosaveError }
  | { type: 'loaded'; savedAt: number | null; pendingSync?: boolean };

/**
 * Every move of a document's phase; an event not listed for a phase leaves
 * it as it is. A write that ends while a newer edit waits (`written` in
 * `pending`) keeps the document pending. A copy from elsewhere is written
 * from `clean` without `saveStarted` (a quiet write): `written` keeps it clean.
 */
export const TRANSITIONS: { readonly [P in Phase]: Readonly<Partial<Record<DocumentEvent['type'], Phase>>> } = {
  idle: { edited: 'pending', saveStarted: 'saving', loaded: 'clean', failed: 'error' },
  clean: { edited: 'pending', saveStarted: 'saving', written: 'clean', loaded: 'clean', failed: 'error' },
  pending: { edited: 'pending', saveStarted: 'saving', written: 'pending', settled: 'clean', loaded: 'clean', failed: 'error' },
  saving: { edited: 'pending', written: 'clean', settled: 'clean', loaded: 'clean', failed: 'error' },
  error: { edited: 'pending', saveStarted: 'saving', settled: 'clean', loaded: 'clean', failed: 'error' },
};

/**
 * The statuses the slice shows in each phase. The local side decides them;
 * only a document with nothing unwritten (`idle`, `clean`) shows what the
 * remote says: `offline`, `conflict`, or `error` with code `remote`.
 */
export const PHASE_STATUSES: { readonly [P in Phase]: readonly SaveStatus[] } = {
  idle: ['idle', 'saved', 'offline', 'conflict', 'error'],
  clean: ['saved', 'offline', 'conflict', 'error'],
  pending: ['pending'],
  saving: ['saving'],
  error: ['error'],
};

/** What the instance knows of one document. */
export interface DocumentState {
  readonly key: string;
  readonly collection: CollectionConfig;
  phase: Phase;
  /** The newest copy of the document seen in the state. */
  latest: unknown;
  /** The copy last written or restored: the state holds an unsaved edit while `latest !== clean`. */
  clean: unknown;
  /** When the stored copy was written (epoch ms). */
  savedAt: number | null;
  /**
   * What the state is receiving from a restore being dispatched: the stored
   * copy (which becomes `clean`), or a copy still to be written (a merge, a
   * copy from another tab or the journal). Change detection makes neither an edit.
   */
  incoming: 'stored' | 'unsaved' | null;
  /** A load could not read, or keep aside, the stored copy: look before writing over it. */
  storedUnverified: boolean;
  /**
   * Checksum of the stored copy as this tab last knew it (wrote, loaded or
   * took in); `NOTHING_STORED` when a load found none; `undefined` when unknown.
   */
  storedChecksum: string | undefined;
  /**
   * Checksum of a copy another tab announced that this tab has not read yet:
   * while it is unread, a save does not write over a stored copy it cannot
   * make out (it may be that copy, read through a storage fault).
   */
  announced?: string;
  readonly schedule: SaveSchedule;
  /** A save waiting in the queue; callers asking for another share it. */
  queuedSave: Promise<AutosaveError | undefined> | null;
  /** `purge()` removed the document: a save still queued writes nothing. */
  purged: boolean;
  /** The stored copy is of a newer release's format: nothing is written over it. */
  storedByNewerRelease: boolean;
  /** When this document's last timed copy was kept (history); `undefined` until the first save asks. */
  historyKeptAt: number | undefined;
  /** Why the next write replaces the stored copy, when not by this tab's own edit: its copy is kept if it holds content the new one lacks. */
  replacing: HistoryReason | undefined;
  /**
   * The sync engine's base (opaque here) of a remote copy taken into the
   * state and not stored yet: every write until one succeeds stores it with
   * the copy (SyncEngine.beforeStore). Cleared when the state gets the stored copy.
   */
  remoteBase: unknown;
  /** The `remoteBase` the last successful write stored with its copy (undefined when none). */
  writtenBase: unknown;
}

/** `DocumentState.storedChecksum` of a key a load found empty. */
export const NOTHING_STORED = '';

/** What the document records need of the instance (the runtime is one). */
export interface DocumentHost {
  readonly actions: AutosaveActions;
  readonly documents: Map<string, DocumentState>;
  readonly lastSelected: unknown[];
  readonly config: { readonly collections: readonly CollectionConfig[] };
  /** The store, once the middleware bound the instance to it. */
  api: MiddlewareAPI | undefined;
  dispatch(action: { type: string }): void;
  /**
   * Tells `onError`. Without one, a `mistake` — an error of the app's own
   * callbacks (a select that throws, an id() that returns nothing) — goes to
   * the console, once per cause, as RTK's listener middleware reports its
   * listeners' errors; failures of saves and loads are on the status.
   */
  report(error: unknown, mistake?: boolean): void;
  saveDue(doc: DocumentState): void;
}

export function documentFor(host: DocumentHost, collection: CollectionConfig, key: string): DocumentState {
  let doc = host.documents.get(key);
  if (!doc) {
    const created: DocumentState = {
      key,
      collection,
      phase: 'idle',
      latest: undefined,
      clean: undefined,
      savedAt: null,
      incoming: null,
      storedUnverified: false,
      storedChecksum: undefined,
      schedule: createSchedule(collection.debounceMs, collection.maxWaitMs, () => host.saveDue(created)),
      queuedSave: null,
      purged: false,
      storedByNewerRelease: false,
      historyKeptAt: undefined,
      replacing: undefined,
      remoteBase: undefined,
      writtenBase: undefined,
    };
    host.documents.set(key, (doc = created));
  }
  return doc;
}

/** Moves the document's phase and dispatches the status that goes with it, together. */
export function transition(host: DocumentHost, doc: DocumentState, event: DocumentEvent): void {
  const from = doc.phase;
  const to = TRANSITIONS[from][event.type];
  if (to === undefined) return;
  doc.phase = to;
  const { actions } = host;
  const { key } = doc;
  switch (event.type) {
    case 'edited':
      if (from !== 'pending') host.dispatch(actions.changed({ key }));
      return;
    case 'saveStarted':
      return host.dispatch(actions.saveStarted({ key }));
    case 'written':
      return host.dispatch(actions.saveSucceeded({ key, savedAt: event.savedAt, pending: to === 'pending', pendingSync: event.pendingSync }));
    case 'settled':
      return host.dispatch(actions.saveSucceeded({ key, savedAt: event.savedAt, pending: false, pendingSync: event.pendingSync }));
    case 'failed':
      return host.dispatch(actions.failed({ key, error: toSaveError(event.error) }));
    case 'loaded':
      return host.dispatch(actions.loaded({ key, savedAt: event.savedAt, pendingSync: event.pendingSync }));
  }
}

/** The document failed to save or load: its status says so, and `onError` is told. */
export function failDocument(host: DocumentHost, doc: DocumentState, error: AutosaveError): AutosaveError {
  transition(host, doc, { type: 'failed', error });
  host.report(error);
  return error;
}

/** Whether the state holds an edit of the document that storage does not have yet. */
export function hasUnsavedEdit(doc: DocumentState | undefined): boolean {
  return doc !== undefined && doc.latest !== undefined && doc.latest !== doc.clean;
}

/** The storage key of a document of `collection`, or `undefined` (reported) when its `id` fails. */
export function keyOf(host: Pick<DocumentHost, 'report'>, collection: CollectionConfig, document: unknown): string | undefined {
  if (!collection.id) return storageKey(collection.name, DEFAULT_ID);
  let id: unknown;
  try {
    id = collection.id(document);
  } catch (error) {
    host.report(error, true);
    return undefined;
  }
  if ((typeof id !== 'string' || id === '') && typeof id !== 'number') {
    host.report(
      new TypeError(`redux-autosave: \`documents.${collection.name}.id\` must return a non-empty string or a number, returned ${typeof id}`),
      true,
    );
    return undefined;
  }
  return storageKey(collection.name, id);
}

/**
 * Dispatches the collection's `restore` with `document`. `incoming` tells
 * change detection what it is. With `onlyIfShown`, a copy that came from
 * elsewhere goes into the state only while the app shows that document (or
 * none): it must not switch what the user is looking at; otherwise it is
 * only recorded. Returns what `restore` threw.
 */
export function restoreInto(
  host: DocumentHost,
  doc: DocumentState,
  document: unknown,
  incoming: 'stored' | 'unsaved',
  onlyIfShown = false,
): unknown {
  const { collection } = doc;
  if (incoming === 'stored') doc.remoteBase = undefined;
  if (onlyIfShown) {
    const shown = host.lastSelected[host.config.collections.indexOf(collection)];
    if (shown !== null && shown !== undefined && keyOf(host, collection, shown) !== doc.key) {
      doc.latest = document;
      if (incoming === 'stored') doc.clean = document;
      return undefined;
    }
  }
  doc.incoming = incoming;
  try {
    host.api!.dispatch(collection.restore(document));
    return undefined;
  } catch (error) {
    host.report(error, true);
    return error ?? new Error('restore threw');
  } finally {
    doc.incoming = null;
  }
}
