import type { ConflictStrategy } from './types/options';
import type { MergeConflicts } from './types/status';

type Merge = typeof import('./sync/merge');
let merge: Promise<Merge> | undefined;

/** The three-way merge, loaded when two copies first meet: an app whose copies never clash never downloads it. */
export function loadMerge(): Promise<Merge> {
  return (merge ??= import('./sync/merge'));
}

/** What a conflict is decided on: each side as a plain document, and the storage key. */
export interface ConflictSides {
  base: unknown;
  local: unknown;
  remote: unknown;
  key: string;
}

export type Resolution = { manual: false; document: unknown; conflicts: MergeConflicts } | { manual: true };

/**
 * How a conflict ends under the `conflict` option: one side whole, the
 * three-way merge (local winning a clash, whose paths come back in
 * `conflicts`), the app's resolver, or — `'manual'` — a decision left to
 * `resolveConflict`. A resolver that throws, throws here.
 */
export async function resolveSides(strategy: ConflictStrategy, sides: ConflictSides): Promise<Resolution> {
  switch (strategy) {
    case 'manual':
      return { manual: true };
    case 'local':
      return { manual: false, document: sides.local, conflicts: [] };
    case 'remote':
      return { manual: false, document: sides.remote, conflicts: [] };
    case 'merge': {
      const { threeWayMerge } = await loadMerge();
      const { merged, conflicts } = threeWayMerge(sides.base, sides.local, sides.remote);
      return { manual: false, document: merged, conflicts };
    }
    default:
      return { manual: false, document: strategy(sides), conflicts: [] };
  }
}
