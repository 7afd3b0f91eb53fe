import { AutosaveError, messageOf } from '../errors';

type Rare = typeof import('./rare');
let rare: Promise<Rare> | undefined;

/**
 * The chunk of rarely run code (`rare.ts`), loaded on first use. A chunk
 * that fails to load — offline, or an old tab after a deploy removed it —
 * rejects with an error that says so; the operation that needed it writes
 * nothing, and the next one tries the load again.
 */
export function loadRare(): Promise<Rare> {
  return (rare ??= import('./rare').catch((error: unknown) => {
    rare = undefined;
    throw new AutosaveError('storage', `redux-autosave: could not load part of redux-autosave (${messageOf(error)}); nothing was written, and it is tried again next time`, {
      cause: error,
    });
  }));
}

/**
 * Offline first: a page fetches the chunk of rare code soon after start, so
 * a page that goes offline later (or outlives a deploy that removed the
 * chunk) can still remove a document, keep history, make room on a full
 * disk and take in another tab's copy. Pages only: a process loads modules
 * from its own disk.
 */
export function prefetchRare(isDisposed: () => boolean): void {
  // A failure is tried again when the code is needed.
  if (typeof document !== 'undefined') setTimeout(() => isDisposed() || loadRare().catch(() => {}), PREFETCH_AFTER_MS);
}

/** How long after start a page fetches the rare code: after the app's own start-up requests. */
export const PREFETCH_AFTER_MS = 2000;
