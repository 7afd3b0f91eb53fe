import { configureStore, createSlice, type Middleware, type PayloadAction, type UnknownAction } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave, memoryStorage, type AutosaveOptions, type AutosaveStorage, type DocumentOptions } from '../../src';
import { projectDocument, projectLoaded, projectSlice, settle, uiSlice, type Project, type TestState } from './index';

/** Where the library keeps the copies it set aside for one document. */
export const quarantinePrefixOf = (key: string) => `__autosave/quarantine/${key}/`;

/**
 * Like `createTestStore`, plus a middleware that records every dispatched
 * action (the autosave's own included) and an optional project already in
 * the state when the store is created.
 */
export function createRecordingStore(
  options: Partial<AutosaveOptions<{ project: Project }>> & {
    documentOptions?: Partial<DocumentOptions<TestState, Project>>;
    preloadedProject?: Project | null;
  } = {},
) {
  const { documentOptions, preloadedProject = null, ...rest } = options;
  const autosave = createAutosave<{ project: Project }>({
    storage: memoryStorage(),
    documents: { project: projectDocument(documentOptions) },
    ...rest,
  });
  const dispatched: UnknownAction[] = [];
  const recorder: Middleware = () => (next) => (action) => {
    dispatched.push(action as UnknownAction);
    return next(action);
  };
  const store = configureStore({
    reducer: {
      project: projectSlice.reducer,
      ui: uiSlice.reducer,
      [autosave.reducerPath]: autosave.reducer,
    },
    preloadedState: { project: { current: preloadedProject } },
    middleware: (getDefaultMiddleware) => getDefaultMiddleware().prepend(recorder).concat(autosave.middleware),
  });
  const status = (id: string = 'p1') => autosave.selectors.selectDocumentStatus(store.getState(), 'project', id);
  /** The `restore` actions (projectLoaded) dispatched so far, by the library or the test. */
  const restores = () => dispatched.filter((action) => projectLoaded.match(action));
  return { store, autosave, status, dispatched, restores };
}

const seedSlice = createSlice({
  name: 'seed',
  initialState: { doc: null as unknown },
  reducers: {
    set(state, action: PayloadAction<unknown>) {
      state.doc = action.payload;
    },
  },
});

/**
 * Stores `data` at `{collection}:{id}` the way the library itself writes it
 * (through a real autosave instance, with `version`), with no schema check,
 * so tests can seed old, newer or invalid documents. Returns the raw stored value.
 */
export async function seedStored(
  storage: AutosaveStorage,
  data: unknown,
  { collection = 'project', id = 'p1', version = 1 }: { collection?: string; id?: string; version?: number } = {},
): Promise<unknown> {
  const autosave = createAutosave({
    storage,
    documents: {
      [collection]: {
        select: (state: { seed: { doc: unknown } }) => state.seed.doc,
        id: () => id,
        schema: z.any(),
        restore: seedSlice.actions.set,
        version,
        debounceMs: 0,
        maxWaitMs: 0,
      },
    },
  });
  const store = configureStore({
    reducer: { seed: seedSlice.reducer, [autosave.reducerPath]: autosave.reducer },
    middleware: (getDefaultMiddleware) => getDefaultMiddleware().concat(autosave.middleware),
  });
  store.dispatch(seedSlice.actions.set(data));
  await autosave.flush();
  await autosave.dispose({ flush: false });
  const stored = await storage.getItem(`${collection}:${id}`);
  if (stored == null) throw new Error(`seedStored: nothing was written at ${collection}:${id}`);
  return stored;
}

/** The quarantine keys of one document and what each holds. */
export async function quarantined(storage: AutosaveStorage, key: string): Promise<Map<string, unknown>> {
  const prefix = quarantinePrefixOf(key);
  const keys = (await storage.keys()).filter((k) => k.startsWith(prefix)).sort();
  const entries = new Map<string, unknown>();
  for (const k of keys) entries.set(k, await storage.getItem(k));
  return entries;
}

/** A storage whose getItem calls wait until `release()`; everything else passes through. */
export function gatedStorage(inner: AutosaveStorage) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  const storage: AutosaveStorage = {
    stringsOnly: inner.stringsOnly,
    async getItem(key) {
      waiting++;
      await gate;
      return inner.getItem(key);
    },
    setItem: (key, value) => inner.setItem(key, value),
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
  return {
    storage,
    release: () => open(),
    get waiting() {
      return waiting;
    },
  };
}

/** A storage whose getItem rejects while `failing` is true. */
export function unreadableStorage(inner: AutosaveStorage) {
  const control = { failing: true, reads: 0 };
  const storage: AutosaveStorage = {
    stringsOnly: inner.stringsOnly,
    async getItem(key) {
      control.reads++;
      if (control.failing) throw new Error('read error: the disk is unreadable');
      return inner.getItem(key);
    },
    setItem: (key, value) => inner.setItem(key, value),
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
  return { storage, control };
}

/**
 * Moves the fake clock on by `ms` in steps, letting real IndexedDB work
 * (setImmediate) finish between them, so retries that wait on a timer and
 * then touch storage all get to run.
 */
export async function advanceWithStorage(ms: number, step = 250): Promise<void> {
  for (let passed = 0; passed < ms; passed += step) {
    await settle(3);
    await jest.advanceTimersByTimeAsync(step);
  }
  await settle(3);
}

/**
 * Lets fake-indexeddb finish the transactions it still has open (their
 * `complete` events run on setImmediate) before jest tears the file down.
 */
export async function drainIndexedDB(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
