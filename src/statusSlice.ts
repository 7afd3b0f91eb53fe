import { createSlice, type PayloadAction, type Reducer } from '@reduxjs/toolkit';
import { storageKey } from './keys';
import type { AutosaveSelectors } from './types/instance';
import type { AutosaveActions, AutosaveState, DocumentStatus, LoadStatus, SaveStatus, StatusCounts, StatusPayloads } from './types/status';

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

/**
 * The state with `key`'s status replaced (`undefined`: removed), the counts
 * kept in step: the one copy of the whole record an update needs, where
 * immer's draft adds a walk of every key on top of it.
 */
function withDocument(state: AutosaveState, key: string, after?: DocumentStatus): AutosaveState {
  const counts = { ...(state.counts ?? countAll(state.documents)) };
  count(counts, state.documents[key], -1);
  count(counts, after, 1);
  const documents = { ...state.documents };
  if (after) documents[key] = after;
  else delete documents[key];
  return { ...state, documents, counts };
}

/**
 * A reducer that changes one document's status. `change` sets fields on a
 * copy of the entry; when it set none to a new value (a second `changed` of
 * a pending document), the state stays the same object: no record copied,
 * no selector run again.
 */
function onDocument<P extends { key: string }>(change: (doc: DocumentStatus, payload: P) => void) {
  return (state: AutosaveState, action: PayloadAction<P>): AutosaveState => {
    const { key } = action.payload;
    const before: DocumentStatus | undefined = state.documents[key];
    const doc = { ...(before ?? IDLE) };
    change(doc, action.payload);
    for (const name in doc) {
      if (before?.[name as keyof DocumentStatus] !== doc[name as keyof DocumentStatus]) return withDocument(state, key, doc);
    }
    return state;
  };
}

// A load moves its key twice per `load()`, always to a new value: no check
// first, as the per-document actions of every save make.
function withLoad(state: AutosaveState, key: string, load: LoadStatus): AutosaveState {
  return { ...state, loads: { ...state.loads, [key]: load } };
}

/**
 * The slice's reducers. Each returns the next state (the per-document ones
 * the same state when nothing changes) and never touches the one it was
 * given: they run on the plain state, without immer (see `createStatusSlice`).
 */
const statusReducers = {
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
  removed(state: AutosaveState, action: PayloadAction<StatusPayloads['removed']>): AutosaveState {
    const { key } = action.payload;
    const next = state.documents[key] ? withDocument(state, key) : state;
    if (!next.loads?.[key]) return next;
    const loads = { ...next.loads };
    delete loads[key];
    return { ...next, loads };
  },
  /**
   * A removal reached the remote: the key's status (offline with a removal
   * to send) goes; a load's outcome stays, and so does the status of a
   * document the app has had since (saved, or failed to load).
   */
  removalSent(state: AutosaveState, action: PayloadAction<StatusPayloads['removalSent']>): AutosaveState {
    const { key } = action.payload;
    const doc: DocumentStatus | undefined = state.documents[key];
    if (!doc) return state;
    const onlyTheRemoval = doc.lastSavedAt === null && (doc.status === 'idle' || doc.status === 'offline' || (doc.status === 'error' && fromRemote(doc)));
    if (onlyTheRemoval) return withDocument(state, key);
    // Once per removal that reached the remote: no check for an unchanged entry.
    return withDocument(state, key, { ...doc, pendingSync: false });
  },
  /** `load` began reading a document: a hydration gate shows its fallback. */
  loadStarted: (state: AutosaveState, action: PayloadAction<StatusPayloads['loadStarted']>) => withLoad(state, action.payload.key, 'loading'),
  /** `load` settled: a hydration gate shows its children. */
  loadFinished: (state: AutosaveState, action: PayloadAction<StatusPayloads['loadFinished']>) => withLoad(state, action.payload.key, action.payload.outcome),
  /** Everything this instance stored was removed (`purge()`). */
  purged: (state: AutosaveState): AutosaveState => ({ ...state, documents: {}, loads: {}, counts: emptyCounts() }),
  /** Push what is waiting and pull what others changed, now. */
  syncNow: (state: AutosaveState) => state,
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
};

/**
 * The status slice. `createSlice` makes the action creators (types
 * `<reducerPath>/<name>`); the reducer is ours: it looks the case reducer up
 * by type and calls it on the plain state. The slice's own reducer would run
 * each one inside an immer draft, whose finalize walks every key of a
 * changed record (with thousands of documents, a third again on top of the
 * copy), and an action of the app's would go through RTK's matcher list to
 * find it has no case.
 */
export function createStatusSlice(reducerPath: string, collections: readonly string[] = []) {
  const initialState: AutosaveState = { documents: {} };
  const slice = createSlice({ name: reducerPath, initialState, reducers: statusReducers });
  // Declared in types/status.ts, so the public type is written, not inferred.
  const actions: AutosaveActions = slice.actions;
  const byType = new Map<string, (state: AutosaveState, action: PayloadAction<never>) => AutosaveState>();
  for (const name of Object.keys(statusReducers) as (keyof typeof statusReducers)[]) byType.set(actions[name].type, statusReducers[name]);
  const reducer: Reducer<AutosaveState> = (state = initialState, action) => byType.get(action.type)?.(state, action as PayloadAction<never>) ?? state;
  return { actions, reducer, selectors: createSelectors(reducerPath, collections) };
}

/** A misspelt collection reads as `idle` for ever: says so, once per name. */
function collectionCheck(collections: readonly string[]) {
  const warned = new Set<string>();
  return (selector: string, collection: string) => {
    if (collections.length === 0 || collections.includes(collection) || warned.has(collection)) return;
    warned.add(collection);
    console.error(
      `redux-autosave: ${selector}(state, ${JSON.stringify(collection)}): there is no collection named ${JSON.stringify(collection)}, so its status is always idle; the collections are ${collections.join(', ')}`,
    );
  };
}

function createSelectors(reducerPath: string, collections: readonly string[]): AutosaveSelectors {
  const slice = (state: unknown) => (state as Record<string, AutosaveState | undefined>)[reducerPath];
  // Development builds only: production bundles drop the check and its message.
  const checkCollection = process.env.NODE_ENV !== 'production' ? collectionCheck(collections) : undefined;
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
    if (process.env.NODE_ENV !== 'production') checkCollection!('selectDocumentStatus', collection);
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
      if (process.env.NODE_ENV !== 'production') checkCollection!('selectLoadStatus', collection);
      return slice(state)?.loads?.[storageKey(collection, id)] ?? 'idle';
    },
  };
}
