import type { ReactElement, ReactNode } from 'react';
import type { LoadStatus } from '../types';
import { useAutosave } from './context';
import { createElement, Fragment, useEffect, useSelector, useStore } from './deps';

export interface AutosaveGateProps {
  /** The collection of the document to wait for. */
  collection: string;
  /** The document's id, for a collection with an `id` function. */
  id?: string | number;
  /** Shown until the load has settled (and on the server, where nothing loads). @default null */
  fallback?: ReactNode;
  /** Shown once the load has settled: as they are, or called with how it ended. */
  children?: ReactNode | ((status: Exclude<LoadStatus, 'idle' | 'loading'>) => ReactNode);
}

/**
 * Where `load` is for one document: `'idle'`, `'loading'`, then `'loaded'`,
 * `'missing'` or `'error'`.
 *
 * ```tsx
 * const loadStatus = useLoadStatus('project', projectId);
 * ```
 */
export function useLoadStatus(collection: string, id?: string | number): LoadStatus {
  const { selectors } = useAutosave();
  return useSelector((state: unknown) => selectors.selectLoadStatus(state, collection, id));
}

/**
 * Renders `fallback` until one document has been loaded, then its children:
 * redux-persist's `PersistGate`, per document. It starts the load itself if
 * none has run (a load already running or done is not repeated, so React's
 * StrictMode double mount loads once), and in server rendering it renders
 * the fallback and loads nothing. A document that is `missing` or failed to
 * load (`error`) renders the children too: pass a function as children to
 * tell them apart.
 *
 * ```tsx
 * <AutosaveGate collection="project" id={projectId} fallback={<Spinner />}>
 *   {(status) => (status === 'error' ? <LoadFailed /> : <Editor />)}
 * </AutosaveGate>
 * ```
 */
export function AutosaveGate({ collection, id, fallback = null, children }: AutosaveGateProps): ReactElement {
  const autosave = useAutosave();
  const store = useStore();
  const status = useLoadStatus(collection, id);
  useEffect(() => {
    // Read from the store, not the render: the first of StrictMode's two
    // effects has started the load by the time the second runs.
    if (autosave.selectors.selectLoadStatus(store.getState(), collection, id) !== 'idle') return;
    // load() resolves whatever happens to the document; it rejects only for a
    // mistake in the setup (no middleware, unknown collection), which the console shows.
    autosave.load(collection, id).catch(console.error);
  }, [autosave, store, collection, id]);
  return createElement(Fragment, null, status === 'idle' || status === 'loading' ? fallback : typeof children === 'function' ? children(status) : children);
}
