// Helpers for the save-path tests (change detection, debounce, ordering,
// validation, retry, flush and dispose, status): a store that records every
// action, a second collection, storages that time or hold their writes.
import {
  combineReducers,
  configureStore,
  createSlice,
  type Middleware,
  type PayloadAction,
  type Reducer,
  type UnknownAction,
} from '@reduxjs/toolkit';
import { z } from 'zod';
import {
  createAutosave,
  memoryStorage,
  type AutosaveInstance,
  type AutosaveOptions,
  type AutosaveState,
  type AutosaveStorage,
  type DocumentStatus,
} from '../../src';
import { projectDocument, projectLoaded, projectSlice, uiSlice, type Project, type TestState } from '.';
import { storedData } from './stored';

export const NotesSchema = z.object({ text: z.string() });
export type Notes = z.infer<typeof NotesSchema>;

/** A second collection without ids: stored at `notes:default`. */
export const notesSlice = createSlice({
  name: 'notes',
  initialState: { current: null as Notes | null },
  reducers: {
    notesLoaded(state, action: PayloadAction<Notes>) {
      state.current = action.payload;
    },
    notesChanged(state, action: PayloadAction<string>) {
      state.current = { text: action.payload };
    },
  },
});
export const { notesLoaded, notesChanged } = notesSlice.actions;

export interface SavePathState extends TestState {
  notes: { current: Notes | null };
}

export type Collections = { project: Project; notes: Notes };

export const notesDocument = (overrides: Partial<AutosaveOptions<Collections>['documents']['notes']> = {}) => ({
  select: (state: SavePathState) => state.notes.current,
  schema: NotesSchema,
  restore: notesLoaded,
  ...overrides,
});

export interface RecordingStoreOptions {
  preloadedState?: Partial<SavePathState>;
  /** Options for RTK's default middleware (serializableCheck, immutableCheck). */
  checks?: { serializableCheck?: boolean; immutableCheck?: boolean };
}

/**
 * A store built as a user would build it, with the project, ui and notes
 * slices, plus a middleware that records every action that goes through it
 * (the autosave's own actions included).
 */
export function createRecordingStore<T extends Record<string, unknown>, R extends string>(
  autosave: AutosaveInstance<T, R>,
  { preloadedState, checks }: RecordingStoreOptions = {},
) {
  const actions: UnknownAction[] = [];
  const recorder: Middleware = () => (next) => (action) => {
    actions.push(action as UnknownAction);
    return next(action);
  };
  // The reducer path is generic here, so the root reducer is typed by hand.
  const reducer = combineReducers({
    project: projectSlice.reducer,
    ui: uiSlice.reducer,
    notes: notesSlice.reducer,
    [autosave.reducerPath]: autosave.reducer,
  }) as unknown as Reducer<SavePathState & Record<R, AutosaveState>>;
  const store = configureStore({
    reducer,
    preloadedState: preloadedState as never,
    middleware: (getDefaultMiddleware) => getDefaultMiddleware(checks).concat(recorder, autosave.middleware),
  });
  const status = (collection: keyof T & string = 'project', id?: string | number): DocumentStatus =>
    autosave.selectors.selectDocumentStatus(store.getState(), collection, id);
  /** The actions the autosave dispatched itself (its slice's actions). */
  const autosaveActions = () => actions.filter((a) => a.type.startsWith(`${autosave.reducerPath}/`));
  return { store, actions, autosaveActions, status };
}

/** An autosave over the project collection (with ids) and, unless told otherwise, the notes collection. */
export function createSavePathAutosave<R extends string = 'autosave'>(
  options: Partial<Omit<AutosaveOptions<Collections, R>, 'documents'>> & {
    documents?: Partial<AutosaveOptions<Collections>['documents']>;
  } = {},
) {
  const { documents, ...rest } = options;
  return createAutosave<Collections, R>({
    storage: memoryStorage(),
    ...rest,
    documents: { project: projectDocument(), notes: notesDocument(), ...documents },
  });
}

export interface TimedWrite {
  key: string;
  value: unknown;
  /** Date.now() when setItem was called (the fake clock). */
  at: number;
}

/** A storage that records every setItem call with the (fake) time it was made. */
export function timedStorage(inner: AutosaveStorage = memoryStorage()) {
  const writes: TimedWrite[] = [];
  const storage: AutosaveStorage = {
    stringsOnly: inner.stringsOnly,
    getItem: (key) => inner.getItem(key),
    setItem: (key, value) => {
      writes.push({ key, value, at: Date.now() });
      return inner.setItem(key, value);
    },
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
  return { storage, writes, inner, writesTo: (key: string) => writes.filter((w) => w.key === key) };
}

interface HeldWrite {
  key: string;
  value: unknown;
  /** Lets the write reach the inner storage and resolve. */
  release(): Promise<void>;
  fail(error: unknown): void;
}

/**
 * A storage whose writes stay open until the test releases them, so a test
 * can act while a write is in flight. It logs when each write starts and
 * ends, and how many were in flight at most.
 */
export function deferredStorage(inner: AutosaveStorage = memoryStorage()) {
  const held: HeldWrite[] = [];
  const released = new WeakSet<HeldWrite>();
  const log: string[] = [];
  let started = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const storage: AutosaveStorage = {
    getItem: (key) => inner.getItem(key),
    setItem(key, value) {
      const n = ++started;
      log.push(`start ${n}`);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve, reject) => {
        held.push({
          key,
          value,
          async release() {
            await inner.setItem(key, value);
            inFlight--;
            log.push(`end ${n}`);
            resolve(value);
          },
          fail(error) {
            inFlight--;
            log.push(`fail ${n}`);
            reject(error);
          },
        });
      });
    },
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
  return {
    storage,
    inner,
    log,
    /** Writes started so far, released or not, in order. */
    held,
    get maxInFlight() {
      return maxInFlight;
    },
    /** Releases the oldest write not yet released. */
    async releaseNext(): Promise<HeldWrite> {
      const next = held.find((w) => !released.has(w));
      if (!next) throw new Error('deferredStorage: no write is waiting');
      released.add(next);
      await next.release();
      return next;
    },
  };
}
export { storedData } from './stored';

/** Reads a document back through the storage, as a user of the storage would see it. */
export async function readBack(storage: AutosaveStorage, key: string): Promise<unknown> {
  return storedData(await storage.getItem(key));
}

/**
 * Puts documents in a storage the way the library itself would: through a
 * throwaway store and autosave, flushed and disposed.
 */
export async function seed(storage: AutosaveStorage, projects: Project[]): Promise<void> {
  const autosave = createSavePathAutosave({ storage });
  const { store } = createRecordingStore(autosave);
  for (const project of projects) store.dispatch(projectLoaded(project));
  await autosave.dispose();
}

/** Records the status a document has now and each different one it goes to from now on. */
export function statusHistory(
  store: { subscribe(listener: () => void): () => void },
  status: () => DocumentStatus,
): string[] {
  const seen: string[] = [status().status];
  store.subscribe(() => {
    const now = status().status;
    if (seen[seen.length - 1] !== now) seen.push(now);
  });
  return seen;
}
