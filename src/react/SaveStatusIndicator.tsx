import type { AutosaveState, DocumentStatus, SaveStatus } from '../types';
import { useAutosave } from './context';
import { useSaveStatus } from './useSaveStatus';
import { createElement as h, Fragment, useDispatch, useEffect, useReducer, useSelector } from './deps';

export interface SaveStatusIndicatorProps {
  /** The document's collection; without it the indicator shows the whole store. */
  collection?: string;
  /** The document's id, for a collection of many documents. */
  id?: string | number;
  className?: string;
}

const LABELS: Record<SaveStatus, string> = {
  idle: '',
  pending: 'Saving…',
  saving: 'Saving…',
  saved: 'Saved',
  error: 'Save failed',
  offline: 'Offline — changes kept',
  conflict: 'Conflict',
};

/** How long "Saved" waits before its relative time is worded again. */
const TICK_MS = 10_000;

const noop = () => {};

let relative: Intl.RelativeTimeFormat | undefined;

/** "just now", "3 minutes ago", "2 hours ago", "yesterday": in English, like the labels. */
function ago(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 45) return 'just now';
  const [count, unit] = seconds < 2700 ? [seconds / 60, 'minute'] : seconds < 64800 ? [seconds / 3600, 'hour'] : [seconds / 86400, 'day'];
  return (relative ??= new Intl.RelativeTimeFormat('en', { numeric: 'auto' })).format(-Math.round(count), unit as Intl.RelativeTimeFormatUnit);
}

/**
 * Says, in words, where a document's changes are: "Saving…", "Saved 2
 * minutes ago", "Save failed" with a Retry button (`flush()`, and
 * `syncNow()` for a push the remote refused), "Offline —
 * changes kept", or "Conflict" with buttons to keep the local copy, the
 * remote one, or their three-way merge. The words sit in a `role="status"`
 * live region, so screen readers announce them and no colour is needed to
 * read them; `data-status` carries the status for styling. Without
 * `collection` it shows the whole store. It re-renders when the status
 * changes and, while "Saved" is shown, every few seconds for the time.
 *
 * ```tsx
 * <header>
 *   <h1>{project.title}</h1>
 *   <SaveStatusIndicator collection="project" id={project.id} />
 * </header>
 * ```
 */
export function SaveStatusIndicator({ collection, id, className }: SaveStatusIndicatorProps) {
  const autosave = useAutosave();
  const { status, lastSavedAt, error } = useSaveStatus(collection, id) as Partial<DocumentStatus> & { status: SaveStatus };
  // For the whole store, the buttons resolve the first document in conflict.
  const conflicted = useSelector((state: Record<string, AutosaveState | undefined>) => {
    if (collection !== undefined || status !== 'conflict') return undefined;
    const documents = state[autosave.reducerPath]?.documents ?? {};
    return Object.keys(documents).find((key) => documents[key].status === 'conflict');
  });
  const dispatch = useDispatch();
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const showsTime = status === 'saved' && lastSavedAt != null;
  useEffect(() => {
    if (!showsTime) return;
    const timer = setInterval(tick, TICK_MS);
    return () => clearInterval(timer);
  }, [showsTime]);

  const retry = () => {
    // flush() writes a failed save again; a push the remote refused waits
    // in the outbox, which syncNow() sends again (with no remote it does nothing).
    autosave.flush().catch(noop);
    dispatch(autosave.actions.syncNow());
  };
  const resolve = (choice: 'local' | 'remote' | 'merge') => () => {
    // Collection names hold no ':', so the first one ends the collection.
    const [name, key] = collection === undefined ? conflicted!.split(/:([^]*)/) : [collection, id];
    // A failed resolution shows in the status; the promise has nothing to add.
    autosave.resolveConflict(name, key, choice).catch(noop);
  };

  // createElement rather than JSX: the JSX runtime would be one more import
  // for the one component of the entry that draws elements.
  const button = (label: string, onClick: () => void) => h('button', { type: 'button', onClick }, label);
  return h(
    'div',
    { className, 'data-status': status },
    h('span', { role: 'status', title: error?.message }, LABELS[status], showsTime && ' ' + ago(Date.now() - lastSavedAt)),
    status === 'error' && button('Retry', retry),
    status === 'conflict' &&
      (collection !== undefined || conflicted) &&
      h(Fragment, null, button('Keep local', resolve('local')), button('Keep remote', resolve('remote')), button('Keep merged', resolve('merge'))),
  );
}
