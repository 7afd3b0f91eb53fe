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
