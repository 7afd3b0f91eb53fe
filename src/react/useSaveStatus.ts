import type { DocumentStatus, SaveStatus } from '../types';
import { useAutosave } from './context';
import { useMemo, useSelector } from './deps';

/** The status of the whole store: the worst of all documents. */
export interface OverallStatus {
  status: SaveStatus;
}

/**
 * The save status of one document, or with no arguments of the whole store
 * (`{ status }`, the worst of all documents). The component re-renders only
 * when that status changes: statuses are immutable slice objects, compared
 * by reference.
 *
 * ```tsx
 * const { status, lastSavedAt, error } = useSaveStatus('project', projectId);
 * const { status: overall } = useSaveStatus();
 * ```
 */
export function useSaveStatus(): OverallStatus;
export function useSaveStatus(collection: string, id?: string | number): DocumentStatus;
export function useSaveStatus(collection?: string, id?: string | number): DocumentStatus | OverallStatus;
export function useSaveStatus(collection?: string, id?: string | number): DocumentStatus | OverallStatus {
  const { selectors } = useAutosave();
  const selected = useSelector((state: unknown) =>
    collection === undefined ? selectors.selectOverallStatus(state) : selectors.selectDocumentStatus(state, collection, id),
  );
  // The overall status is a string: wrap it once per change, so that the
  // object handed out is as stable as a document's status.
  return useMemo(() => (typeof selected === 'string' ? { status: selected } : selected), [selected]);
}
