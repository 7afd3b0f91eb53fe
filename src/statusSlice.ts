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

type Fields = Partial<DocumentStatus>;

/** `doc` with `fields` set, or `doc` itself when it has them already: an action that changes nothing copies nothing. */
function withFields(doc: DocumentStatus, fields: Fields): DocumentStatus {
  for (const name in fields) {
    if (doc[name as keyof Fields] !== fields[name as keyof Fields]) return { ...doc, ...fields };
  }
  return doc;
}

/**
 * The state with `key`'s status replaced (`undefined`: removed), the counts
 * kept in step: the one copy of the whole record an update needs, where
 * immer's draft adds a walk of every key on top of it.
 */
function withDocument(state: AutosaveState, key: string, before: DocumentStatus | undefined, after: DocumentStatus | undefined): AutosaveState {
  const counts = { ...(state.counts ?? countAll(state.documents)) };
  count(counts, before, -1);
  count(counts, after, 1);
  const documents = { ...state.documents };
  if (after) documents[key] = after;
  else delete documents[key];
  return { ...state, documents, counts };
}

/**
 * A reducer that changes one document's status: `change` says which fields
 * it sets. The state stays the same object when they are set already (a
 * second `changed` of a pending document), so no selector runs again.
 */
function onDocument<P extends { key: string }>(change: (doc: DocumentStatus, payload: P) => Fields) {
  return (state: AutosaveState, action: PayloadAction<P>): AutosaveState => {
    const { key } = action.payload;
    const before: DocumentStatus | undefined = state.documents[key];
    const doc = before ?? IDLE;
    const after = withFields(doc, change(doc, action.payload));
    if (after === before) return state;
    return withDocument(state, key, before, after === IDLE ? { ...IDLE } : after);
  };
}

function withLoad(state: AutosaveState, key: string, load: LoadStatus): AutosaveState {
  return state.loads?.[key] === load ? state : { ...state, loads: { ...state.loads, [key]: load } };
}

/**
 * The slice's reducers, written immutably: each returns the next state, or
 * the same one when nothing changes. They are plain functions of a state,
 * so they run without immer (see `createStatusSlice`).
 */
const statusReducers = {
  /** A document changed and waits to be saved. */
  changed: onDocument<StatusPayloads['changed']>(() => ({ status: 'pending' })),
  saveStarted: onDocument<StatusPayloads['saveStarted']>(() => ({ status: 'saving' })),
  /** Written; `pending` when a newer change arrived during the write. */
  saveSucceeded: onDocument<StatusPayloads['saveSucceeded']>((doc, { pending, savedAt, pendingSync }) => ({
    status: pending ? 'pending' : doc.conflict ? 'conflict' : 'saved',
    lastSavedAt: savedAt,
    error: null,
    pendingSync: doc.pendingSync || !!pendingSync,
  })),
  /** A save or a load failed; the error stays until the next successful save. */
  failed: onDocument<StatusPayloads['failed']>((_doc, { error }) => ({ status: 'error', error })),
  /** A stored copy was restored into the state. */
  loaded: onDocument<StatusPayloads['loaded']>((doc, { savedAt, pendingSync }) => ({
    status: 'saved',
    lastSavedAt: savedAt,
    error: null,
    pendingSync: doc.pendingSync || !!pendingSync,
  })),
  removed(state: AutosaveState, action: PayloadAction<StatusPayloads['removed']>): AutosaveState {
    const { key } = action.payload;
    const before: DocumentStatus | undefined = state.documents[key];
    const next = before ? withDocument(state, key, before, undefined) : state;
    if (next.loads?.[key] === undefined) return next;
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
    if (onlyTheRemoval) return withDocument(state, key, doc, undefined);
    const after = withFields(doc, { pendingSync: false });
    return after === doc ? state : withDocument(state, key, doc, after);
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
    const settles = doc.status === 'offline' || doc.status === 'conflict' || (doc.status === 'error' && fromRemote(doc));
    return {
      status: settles ? 'saved' : doc.status,
      error: settles ? null : doc.error,
      remoteVersion: version,
      lastSyncedAt: syncedAt,
      pendingSync,
      conflict: null,
      mergeConflicts: conflicts ? (conflicts.length > 0 ? conflicts : null) : doc.mergeConflicts,
    };
  }),
  inStep: onDocument<StatusPayloads['inStep']>((_doc, { version }) => ({ pendingSync: false, remoteVersion: version })),
  /** The remote could not be reached (`offline`) or refused the push. */
  syncFailed: onDocument<StatusPayloads['syncFailed']>((doc, { pendingSync, offline, error }) => {
    const fields: Fields = { pendingSync: pendingSync ?? true };
    // An unwritten edit keeps its status and a local error its place; a
    // pending edit carries the remote's error until its save clears it
    // (the push after that save reports again if the remote still fails).
    if (unwritten(doc)) {
      if (doc.status !== 'error' && !offline) fields.error = error;
    } else if (offline) {
      fields.status = 'offline';
    } else {
      fields.status = 'error';
      fields.error = error;
    }
    return fields;
  }),
  conflictDetected: onDocument<StatusPayloads['conflictDetected']>((doc, { conflict }) => ({
    // An unwritten edit keeps its status; its save ends in `conflict`.
    status: unwritten(doc) ? doc.status : 'conflict',
    conflict,
    pendingSync: true,
  })),
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
  const reducer: Reducer<AutosaveState> = (state = initialState, action) => {
    const caseReducer = byType.get(action.type);
    return caseReducer ? caseReducer(state, action as PayloadAction<never>) : state;
  };
  return { actions, reducer, selectors: createSelectors(reducerPath, collections) };
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
