import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { z } from 'zod';
import {
  createAutosave,
  localforageStorage,
  memoryStorage,
  type AutosaveOptions,
  type AutosaveStorage,
  type DocumentOptions,
} from '../../src';

export const ShotSchema = z.object({
  id: z.string(),
  prompt: z.string(),
  dialogue: z.array(z.string()),
});

export const ProjectSchema = z.object({
  id: z.string().min(1),
  title: z.string().max(200),
  shots: z.array(ShotSchema),
});

export type Shot = z.infer<typeof ShotSchema>;
export type Project = z.infer<typeof ProjectSchema>;

export interface ProjectState {
  current: Project | null;
}

export const projectSlice = createSlice({
  name: 'project',
  initialState: { current: null } as ProjectState,
  reducers: {
    projectLoaded(state, action: PayloadAction<Project>) {
      state.current = action.payload;
    },
    projectClosed(state) {
      state.current = null;
    },
    titleChanged(state, action: PayloadAction<string>) {
      if (state.current) state.current.title = action.payload;
    },
    shotAdded(state, action: PayloadAction<Shot>) {
      state.current?.shots.push(action.payload);
    },
    promptChanged(state, action: PayloadAction<{ shotId: string; prompt: string }>) {
      const shot = state.current?.shots.find((s) => s.id === action.payload.shotId);
      if (shot) shot.prompt = action.payload.prompt;
    },
  },
});

/** A slice nobody saves, for actions that must cost nothing. */
export const uiSlice = createSlice({
  name: 'ui',
  initialState: { hovered: 0 },
  reducers: {
    hovered(state, action: PayloadAction<number>) {
      state.hovered = action.payload;
    },
  },
});

export const { projectLoaded, projectClosed, titleChanged, shotAdded, promptChanged } = projectSlice.actions;

export interface TestState {
  project: ProjectState;
  ui: { hovered: number };
}

export function makeProject(id = 'p1', title = 'Trailer', shots = 2): Project {
  return {
    id,
    title,
    shots: Array.from({ length: shots }, (_, i) => ({
      id: `s${i + 1}`,
      prompt: `Wide shot ${i + 1} of a harbour at dawn`,
      dialogue: ['Where were you?', 'Out.'],
    })),
  };
}

export const projectDocument = (
  overrides: Partial<DocumentOptions<TestState, Project>> = {},
): DocumentOptions<TestState, Project> => ({
  select: (state) => state.project.current,
  id: (project) => project.id,
  schema: ProjectSchema,
  restore: projectLoaded,
  ...overrides,
});

/**
 * A store with the project slice, a ui slice and the autosave, as a user
 * would build it. `documents` defaults to one `project` collection with ids.
 */
export function createTestStore(
  options: Partial<AutosaveOptions<{ project: Project }>> & { documentOptions?: Partial<DocumentOptions<TestState, Project>> } = {},
) {
  const { documentOptions, ...rest } = options;
  const autosave = createAutosave<{ project: Project }>({
    storage: memoryStorage(),
    documents: { project: projectDocument(documentOptions) },
    ...rest,
  });
  const store = configureStore({
    reducer: {
      project: projectSlice.reducer,
      ui: uiSlice.reducer,
      [autosave.reducerPath]: autosave.reducer,
    },
    middleware: (getDefaultMiddleware) => getDefaultMiddleware().concat(autosave.middleware),
  });
  const status = (id: string = 'p1') => autosave.selectors.selectDocumentStatus(store.getState(), 'project', id);
  return { store, autosave, status };
}

export interface SpyStorage extends AutosaveStorage {
  /** Every setItem call, in order. */
  writes: { key: string; value: unknown }[];
  /** The setItem calls for one key. */
  writesTo(key: string): unknown[];
}

/** Wraps a storage and records what is written through it. */
export function spyStorage(inner: AutosaveStorage = memoryStorage()): SpyStorage {
  const writes: { key: string; value: unknown }[] = [];
  return {
    stringsOnly: inner.stringsOnly,
    getItem: (key) => inner.getItem(key),
    setItem: (key, value) => {
      writes.push({ key, value });
      return inner.setItem(key, value);
    },
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
    writes,
    writesTo: (key) => writes.filter((w) => w.key === key).map((w) => w.value),
  };
}

/**
 * A storage whose next `failures` writes reject with `error` (a fresh
 * Error('disk unavailable') unless given), then work; every attempt is counted.
 */
export function failingStorage(
  failures: number,
  error: () => unknown = () => new Error('disk unavailable'),
  inner: AutosaveStorage = memoryStorage(),
) {
  let left = failures;
  const attempts: string[] = [];
  const storage: AutosaveStorage = {
    getItem: (key) => inner.getItem(key),
    async setItem(key, value) {
      attempts.push(key);
      if (left > 0) {
        left--;
        throw error();
      }
      return inner.setItem(key, value);
    },
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
  return {
    storage,
    attempts,
    inner,
    failNext(n: number) {
      left = n;
    },
  };
}

export function quotaError(): Error {
  const error = new Error('The quota has been exceeded.');
  error.name = 'QuotaExceededError';
  return error;
}

let databases = 0;

/**
 * The two storages every storage-facing test runs on: memoryStorage, and
 * real localforage over fake-indexeddb (a fresh database each call).
 */
export const storages: [string, () => AutosaveStorage][] = [
  ['memoryStorage', () => memoryStorage()],
  ['localforage over IndexedDB', () => localforageStorage({ name: `test-db-${++databases}` })],
];

/** Fake timers that leave fake-indexeddb's setImmediate scheduling real. */
export function useFakeTimers(): void {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
}

/**
 * Lets storage work that runs on real macrotasks (fake-indexeddb uses
 * setImmediate) finish, while fake timers hold the clock still.
 */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await jest.advanceTimersByTimeAsync(0);
  }
}
