import { createSelector, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { AutosaveSelectors } from './types/instance';
import type { AutosaveActions, AutosaveState, DocumentStatus, SaveStatus, StatusPayloads } from './types/status';
import { storageKey } from './keys';

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
const SEVERITY: Record<SaveStatus, number> = {
  error: 6,
  conflict: 5,
  offline: 4,
  saving: 3,
  pending: 2,
  saved: 1,
  idle: 0,
};

function entry(state: AutosaveState, key: string): DocumentStatus {
  return (state.documents[key] ??= { ...IDLE });
}

/**
 * The state holds an edit the storage does not (waiting, being written, or
 * refused by it), or a local failure stands. The remote's news must not
 * change such a status: it would hide the edit, from
 * `selectHasUnsavedChanges` too, and a later `synced` would read as "saved".
 */
function unwritten(doc: DocumentStatus): boolean {
  return doc.status === 'pending' || doc.status === 'saving' || (doc.status === 'error' && doc.error?.code !== 'remote');
}

export function createStatusSlice(reducerPath: string, collections: readonly string[] = []) {
  const initialState: AutosaveState = { documents: {} };
  const slice = createSlice({
    name: reducerPath,
    initialState,
    reducers: {
      /** A document changed and waits to be saved. */
      changed(state, action: PayloadAction<StatusPayloads['changed']>) {
        entry(state, action.payload.key).status = 'pending';
      },
      saveStarted(state, action: PayloadAction<StatusPayloads['saveStarted']>) {
        entry(state, action.payload.key).status = 'saving';
      },
      /** Written; `pending` when a newer change arrived during the write. */
      saveSucceeded(state, action: PayloadAction<StatusPayloads['saveSucceeded']>) {
        const doc = entry(state, action.payload.key);
        doc.status = action.payload.pending ? 'pending' : doc.conflict ? 'conflict' : 'saved';
        doc.lastSavedAt = action.payload.savedAt;
        doc.error = null;
        if (action.payload.pendingSync) doc.pendingSync = true;
      },
      /** A save or a load failed; the error stays until the next successful save. */
      failed(state, action: PayloadAction<StatusPayloads['failed']>) {
        const doc = entry(state, action.payload.key);
        doc.status = 'error';
        doc.error = action.payload.error;
      },
      /** A stored copy was restored into the state. */
      loaded(state, action: PayloadAction<StatusPayloads['loaded']>) {
        const doc = entry(state, action.payload.key);
        doc.status = 'saved';
        doc.lastSavedAt = action.payload.savedAt;
        doc.error = null;
      },
      removed(state, action: PayloadAction<StatusPayloads['removed']>) {
        delete state.documents[action.payload.key];
        if (state.loads) delete state.loads[action.payload.key];
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
      },
      /** Push what is waiting and pull what others changed, now. */
      syncNow() {},
      /** In step with the remote at `version`; `conflicts` lists fields a merge settled for local. */
      synced(state, action: PayloadAction<StatusPayloads['synced']>) {
        const { key, version, syncedAt, pendingSync, conflicts } = action.payload;
        const doc = entry(state, key);
        if (doc.status === 'offline' || doc.status === 'conflict' || (doc.status === 'error' && doc.error?.code === 'remote')) {
          doc.status = 'saved';
          doc.error = null;
        }
        doc.remoteVersion = version;
        doc.lastSyncedAt = syncedAt;
        doc.pendingSync = pendingSync;
        doc.conflict = null;
        if (conflicts) doc.mergeConflicts = conflicts.length > 0 ? conflicts : null;
      },
      /** The remote could not be reached (`offline`) or refused the push. */
      syncFailed(state, action: PayloadAction<StatusPayloads['syncFailed']>) {
        const doc = entry(state, action.payload.key);
        doc.pendingSync = action.payload.pendingSync ?? true;
        // An unwritten edit keeps its status and a local error its place; a
        // pending edit carries the remote's error until its save clears it
        // (the push after that save reports again if the remote still fails).
        if (unwritten(doc)) {
          if (doc.status !== 'error' && !action.payload.offline) doc.error = action.payload.error;
        } else if (action.payload.offline) {
          doc.status = 'offline';
        } else {
          doc.status = 'error';
          doc.error = action.payload.error;
        }
      },
      conflictDetected(state, action: PayloadAction<StatusPayloads['conflictDetected']>) {
        const doc = entry(state, action.payload.key);
        // An unwritten edit keeps its status; its save ends in `conflict`.
        if (!unwritten(doc)) doc.status = 'conflict';
        doc.conflict = action.payload.conflict;
        doc.pendingSync = true;
      },
    },
  });
  // Declared in types/status.ts, so the public type is written, not inferred.
  const actions: AutosaveActions = slice.actions;
  return { slice, actions, selectors: createSelectors(reducerPath, collections) };
}

function createSelectors(reducerPath: string, collections: readonly string[]): AutosaveSelectors {
  const slice = (state: unknown) => (state as Record<string, AutosaveState | undefined>)[reducerPath];
  const selectDocuments = (state: unknown): Record<string, DocumentStatus> => slice(state)?.documents ?? EMPTY;
  const warned = new Set<string>();
  // A misspelt collection reads as `idle` for ever: say so once (development builds).
  const checkCollection = (selector: string, collection: string) => {
    if (process.env.NODE_ENV === 'production' || collections.length === 0 || collections.includes(collection) || warned.has(collection)) return;
    warned.add(collection);
    console.error(
      `redux-autosave: ${selector}(state, ${JSON.stringify(collection)}): there is no collection named ${JSON.stringify(collection)}, so its status is always idle; the collections are ${collections.join(', ')}`,
    );
  };

  const selectOverallStatus = createSelector([selectDocuments], (documents): SaveStatus => {
    let worst: SaveStatus = 'idle';
    for (const key in documents) {
      const status = documents[key].status;
      if (SEVERITY[status] > SEVERITY[worst]) worst = status;
    }
    return worst;
  });

  const selectHasUnsavedChanges = createSelector([selectDocuments], (documents): boolean => {
    for (const key in documents) {
      const { status, error } = documents[key];
      if (status === 'pending' || status === 'saving') return true;
      // A document that failed validation or storage is still only in memory.
      if (status === 'error' && (error?.code === 'validation' || error?.code === 'storage')) return true;
    }
    return false;
  });

  const selectDocumentStatus: AutosaveSelectors['selectDocumentStatus'] = (state, collection, id) => {
    checkCollection('selectDocumentStatus', collection);
    return selectDocuments(state)[storageKey(collection, id)] ?? IDLE;
  };

  return {
    selectDocumentStatus,
    selectConflict: (state, collection, id) => selectDocumentStatus(state, collection, id).conflict,
    selectOverallStatus,
    selectHasUnsavedChanges,
    selectLoadStatus(state, collection, id) {
      checkCollection('selectLoadStatus', collection);
      return slice(state)?.loads?.[storageKey(collection, id)] ?? 'idle';
    },
  };
}

const EMPTY: Record<string, DocumentStatus> = Object.freeze({}) as Record<string, DocumentStatus>;
