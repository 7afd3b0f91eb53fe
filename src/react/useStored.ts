import type { HistoryVersion, StorageUsage } from '../types';
import { useAutosave } from './context';
import { useSaveStatus } from './useSaveStatus';
import { AutosaveError, useEffect, useState } from './deps';

/**
 * What `load` resolves to, read again whenever one of `when` changes; undefined
 * until the first answer. A read the storage failed keeps the last answer;
 * a mistake (a collection the instance does not have) is thrown in the
 * render, for an error boundary. (Reads of one storage answer in the order
 * they were asked.)
 */
function useRead<R>(load: () => Promise<R>, when: unknown[]): R | undefined {
  const [value, setValue] = useState<R>();
  // `when` says when to read again; `load` is a new closure every render.
  useEffect(
    () =>
      void load().then(setValue, (error: unknown) => {
        if (!(error instanceof AutosaveError)) setValue(() => { throw error; });
      }),
    when,
  );
  return value;
}

/**
 * The kept copies of a document, newest first (`autosave.history()`), read
 * again after each of its saves; undefined until the first read.
 *
 * ```tsx
 * const versions = useHistory('project', projectId) ?? [];
 * ```
 */
export function useHistory(collection: string, id?: string | number): HistoryVersion[] | undefined {
  const autosave = useAutosave();
  const { lastSavedAt } = useSaveStatus(collection, id);
  return useRead(() => (id === undefined ? autosave.history(collection) : autosave.history(collection, id)), [collection, id, lastSavedAt]);
}

/**
 * What is stored, in bytes (`autosave.usage()`), read again whenever the
 * store's overall status changes (a save ends, say); undefined until the first read.
 */
export function useStorageUsage(): StorageUsage | undefined {
  const autosave = useAutosave();
  const { status } = useSaveStatus();
  return useRead(() => autosave.usage(), [status]);
}
