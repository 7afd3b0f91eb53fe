import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { storageKey } from './keys';
import type { AutosaveSelectors } from './types/instance';
import type { AutosaveActions, AutosaveState, DocumentStatus, SaveStatus, StatusCounts, StatusPayloads } from './types/status';

const IDLE: DocumentStatus = Object.freeze({
  status: 'idle',
  lastSavedAt: null,
  lastSyncedAt: null,
  error: null,
  pendingSync: false,
  remoteVersion: null,
  conflict: null,
  mergeConflicts: null,
}) as DocumentStatus;

// Worst first: the order selectOverallStatus reports in.
const WORST_FIRST: SaveStatus[] = ['error', 'conflict', 'offline', 'saving', 'pending', 'saved'];

/**
 * The state holds an edit the storage does not (waiting, being written, or
 * refused by it), or a local failure stands. The remote's news must not
 * change such a status: it would hide the edit, from
 * `selectHasUnsavedChanges` too, and a later `synced` would read as "saved".
 */
function unwritten(doc: DocumentStatus): boolean {
  return doc.status === 'pending' || doc.status === 'saving' || (doc.status === 'error' && !fromRemote(doc));
}

/** An error the remote gave (it refused the push, or who it was made as), not the local side. */
function fromRemote(doc: DocumentStatus): boolean {
  return doc.error?.code === 'remote' || doc.error?.code === 'auth';
}

/** Changes held only in memory: waiting, being written, or refused by validation or the storage. */
function unsaved(doc: DocumentStatus): boolean {
  return doc.status === 'pending' || doc.status === 'saving' || (doc.status === 'error' && (doc.error?.code === 'validation' || doc.error?.code === 'storage'));
}

/** Counts the documents of each status, so the overall selectors never scan them all. */
function countAll(documents: Record<string, DocumentStatus>): StatusCounts {
  const counts = emptyCounts();
  for (const key in documents) count(counts, documents[key], 1);
  return counts;
}

function emptyCounts(): StatusCounts {
  return { idle: 0, pending: 0, saving: 0, saved: 0, error: 0, offline: 0, conflict: 0, unsaved: 0 };
}

function count(counts: StatusCounts, doc: DocumentStatus | undefined, by: 1 | -1): void {
  if (!doc) return;
  counts[doc.status] += by;
  if (unsaved(doc)) counts.unsaved += by;
}

/** A reducer that changes one document's status, keeping the counts in step. */
function onDocument<P extends { key: string }>(change: (doc: DocumentStatus, payload: P) => void) {
  return (state: AutosaveState, action: PayloadAction<P>) => {
    const counts = (state.counts ??= countAll(state.documents));
    count(counts, state.documents[action.payload.key], -1);
    const doc = (state.documents[action.payload.key] ??= { ...IDLE });
    change(doc, action.payload);
    count(counts, doc, 1);
  };
}

export function createStatusSlice(reducerPath: string, collections: readonly string[] = []) {
  const initialState: AutosaveState = { documents: {} };
  const slice = createSlice({
    name: reducerPath,
    initialState,
    reducers: {
      /** A document changed and waits to be saved. */
      changed: onDocument<StatusPayloads['changed']>((doc) => {
        doc.status = 'pending';
      }),
      saveStarted: onDocument<StatusPayloads['saveStarted']>((doc) => {
        doc.status = 'saving';
      }),
      /** Written; `pending` when a newer change arrived during the write. */
      saveSucceeded: onDocument<StatusPayloads['saveSucceeded']>((doc, { pending, savedAt, pendingSync }) => {
        doc.status = pending ? 'pending' : doc.conflict ? 'conflict' : 'saved';
        doc.lastSavedAt = savedAt;
        doc.error = null;
        if (pendingSync) doc.pendingSync = true;
      }),
      /** A save or a load failed; the error stays until the next successful save. */
      failed: onDocument<StatusPayloads['failed']>((doc, { error }) => {
        doc.status = 'error';
        doc.error = error;
      }),
      /** A stored copy was restored into the state. */
      loaded: onDocument<StatusPayloads['loaded']>((doc, { savedAt, pendingSync }) => {
        doc.status = 'saved';
        doc.lastSavedAt = savedAt;
        doc.error = null;
        if (pendingSync) doc.pendingSync = true;
      }),
      removed(state, action: PayloadAction<StatusPayloads['removed']>) {
        const { key } = action.payload;
        count((state.counts ??= countAll(state.documents)), state.documents[key], -1);
        delete state.documents[key];
        if (state.loads) delete state.loads[key];
      },
      /**
       * A removal reached the remote: the key's status (offline with a removal
       * to send) goes; a load's outcome stays, and so does the status of a
       * document the app has had since (saved, or failed to load).
       */
      removalSent(state, action: PayloadAction<StatusPayloads['removalSent']>) {
        const { key } = action.payload;
        const doc = state.documents[key];
        if (!doc) return;
        const onlyTheRemoval = doc.lastSavedAt === null && (doc.status === 'idle' || doc.status === 'offline' || (doc.status === 'error' && fromRemote(doc)));
        if (!onlyTheRemoval) {
          doc.pendingSync = false;
          return;
        }
        count((state.counts ??= countAll(state.documents)), doc, -1);
        delete state.documents[key];
      },
      /** `load` began reading a document: a hydration gate shows its fallback. */
      loadStarted(state, action: PayloadAction<StatusPayloads['loadStarted']>) {
        (state.loads ??= {})[action.payload.key] = 'loading';
      },
      /** `load` settled: a hydration gate shows its children. */
      loadFinished(state, action: PayloadAction<StatusPayloads['loadFinished']>) {
        (state.loads ??= {})[action.payload.key] = action.payload.outcome;
      },
      /** Everything this instance stored was removed (`purge()`). */
      purged(state) {
        state.documents = {};
        state.loads = {};
        state.counts = emptyCounts();
      },
      /** Push what is waiting and pull what others changed, now. */
      syncNow() {},
      /** In step with the remote at `version`; `conflicts` lists fields a merge settled for local. */
      synced: onDocument<StatusPayloads['synced']>((doc, { version, syncedAt, pendingSync, conflicts }) => {
        if (doc.status === 'offline' || doc.status === 'conflict' || (doc.status === 'error' && fromRemote(doc))) {
          doc.status = 'saved';
          doc.error = null;
        }
        doc.remoteVersion = version;
        doc.lastSyncedAt = syncedAt;
        doc.pendingSync = pendingSync;
        doc.conflict = null;
        if (conflicts) doc.mergeConflicts = conflicts.length > 0 ? conflicts : null;
      }),
      inStep: onDocument<StatusPayloads['inStep']>((doc, { version }) => {
        doc.pendingSync = false;
        doc.remoteVersion = version;
      }),
      /** The remote could not be reached (`offline`) or refused the push. */
      syncFailed: onDocument<StatusPayloads['syncFailed']>((doc, { pendingSync, offline, error }) => {
        doc.pendingSync = pendingSync ?? true;
        // An unwritten edit keeps its status and a local error its place; a
        // pending edit carries the remote's error until its save clears it
        // (the push after that save reports again if the remote still fails).
        if (unwritten(doc)) {
          if (doc.status !== 'error' && !offline) doc.error = error;
        } else if (offline) {
          doc.status = 'offline';
        } else {
          doc.status = 'error';
          doc.error = error;
        }
      }),
      conflictDetected: onDocument<StatusPayloads['conflictDetected']>((doc, { conflict }) => {
        // An unwritten edit keeps its status; its save ends in `conflict`.
        if (!unwritten(doc)) doc.status = 'conflict';
        doc.conflict = conflict;
        doc.pendingSync = true;
      }),
    },
  });
  // Declared in types/status.ts, so the public type is written, not inferred.
  const actions: AutosaveActions = slice.actions;
  return { slice, actions, selectors: createSelectors(reducerPath, collections) };
}

function createSelectors(reducerPath: string, collections: readonly string[]): AutosaveSelectors {
  const slice = (state: unknown) => (state as Record<string, AutosaveState | undefined>)[reducerPath];
  const warned = new Set<string>();
  // A misspelt collection reads as `idle` for ever: say so once (development builds).
  const checkCollection = (selector: string, collection: string) => {
    if (collections.length === 0 || collections.includes(collection) || warned.has(collection)) return;
    warned.add(collection);
    console.error(
      `redux-autosave: ${selector}(state, ${JSON.stringify(collection)}): there is no collection named ${JSON.stringify(collection)}, so its status is always idle; the collections are ${collections.join(', ')}`,
    );
  };
  // The counts the reducers keep; a state made elsewhere (preloaded) is counted once.
  const cache = new WeakMap<object, StatusCounts>();
  const countsOf = (state: unknown): StatusCounts | undefined => {
    const own = slice(state);
    if (!own) return undefined;
    if (own.counts) return own.counts;
    let counts = cache.get(own.documents);
    if (!counts) cache.set(own.documents, (counts = countAll(own.documents)));
    return counts;
  };

  const selectDocumentStatus: AutosaveSelectors['selectDocumentStatus'] = (state, collection, id) => {
    if (process.env.NODE_ENV !== 'production') checkCollection('selectDocumentStatus', collection);
    return slice(state)?.documents[storageKey(collection, id)] ?? IDLE;
  };

  return {
    selectDocumentStatus,
    selectConflict: (state, collection, id) => selectDocumentStatus(state, collection, id).conflict,
    selectOverallStatus(state) {
      const counts = countsOf(state);
      return (counts && WORST_FIRST.find((status) => counts[status] > 0)) || 'idle';
    },
    selectHasUnsavedChanges: (state) => (countsOf(state)?.unsaved ?? 0) > 0,
    selectLoadStatus(state, collection, id) {
      if (process.env.NODE_ENV !== 'production') checkCollection('selectLoadStatus', collection);
      return slice(state)?.loads?.[storageKey(collection, id)] ?? 'idle';
    },
  };
}
