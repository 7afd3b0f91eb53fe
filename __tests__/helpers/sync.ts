import { configureStore } from '@reduxjs/toolkit';
import {
  createAutosave,
  memoryStorage,
  type AutosaveOptions,
  type AutosaveStorage,
  type ConflictStrategy,
  type DocumentStatus,
  type RemoteAdapter,
} from '../../src';
import { projectDocument, projectSlice, uiSlice, type Project } from './index';

/**
 * A device of a two-device story: its own store and storage, syncing with
 * `remote`. Saves and retries are quick so the story runs in real time
 * against a real server without waiting on the default 2 s debounce.
 */
export function createDevice(
  remote: RemoteAdapter,
  options: { storage?: AutosaveStorage; conflict?: ConflictStrategy } & Partial<AutosaveOptions<{ project: Project }>> = {},
) {
  const storage = options.storage ?? memoryStorage();
  const autosave = createAutosave<{ project: Project }>({
    documents: { project: projectDocument({ debounceMs: 0, maxWaitMs: 0 }) },
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
    ...options,
    storage,
    remote,
  });
  const store = configureStore({
    reducer: { project: projectSlice.reducer, ui: uiSlice.reducer, [autosave.reducerPath]: autosave.reducer },
    middleware: (gDM) => gDM().concat(autosave.middleware),
  });
  const status = (id = 'p1'): DocumentStatus => autosave.selectors.selectDocumentStatus(store.getState(), 'project', id);

  /** Resolves when `predicate` holds for the store: checked now and after every action. */
  function until(predicate: () => boolean, what = 'the condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      const stack = new Error(`gave up waiting for ${what}`);
      const unsubscribe = store.subscribe(() => {
        if (predicate()) {
          unsubscribe();
          resolve();
        }
      });
      // Only a bound on a broken test; a passing one resolves on the action.
      const timer = setTimeout(() => {
        unsubscribe();
        stack.message += `; status now ${JSON.stringify(status())}`;
        reject(stack);
      }, 4000);
      timer.unref?.();
    });
  }

  const project = () => store.getState().project.current;
  const synced = (id = 'p1') => until(() => status(id).remoteVersion !== null && !status(id).pendingSync && status(id).status === 'saved', `${id} synced`);

  return { store, autosave, storage, status, until, project, synced };
}

export type Device = ReturnType<typeof createDevice>;
