// Where kept copies (history) live and how their list is read: from key
// names alone, each carrying when the copy was saved and kept, why, and its
// size. Shared by history.ts, usage.ts and removal.ts.
import { INTERNAL_PREFIX } from '../keys';
import type { HistoryReason, HistoryVersion } from '../types/instance';
import type { Runtime } from './runtime';

export const HISTORY = `${INTERNAL_PREFIX}history/`;

/** A kept copy as listed, with when it was kept (the timer counts from that). */
export interface Kept extends HistoryVersion {
  keptAt: number;
  storageKey: string;
}

export const historyPrefix = (key: string) => `${HISTORY}${key}/`;

function parse(storageKey: string): Kept | undefined {
  const versionId = storageKey.slice(storageKey.lastIndexOf('/') + 1);
  const [savedAt, keptAt, reason, bytes] = versionId.split('~');
  if (!reason || Number.isNaN(Number(savedAt)) || Number.isNaN(Number(keptAt))) return undefined;
  return { versionId, savedAt: Number(savedAt), keptAt: Number(keptAt), reason: reason as HistoryReason, bytes: Number(bytes), storageKey };
}

/** The kept copies of `key` (or, with `collection`, of every document of it), newest first. */
export async function keptCopies(rt: Runtime, prefix: string): Promise<Kept[]> {
  const keys = (await rt.config.storage.keys()).filter((key) => key.startsWith(prefix));
  return keys
    .map(parse)
    .filter((kept): kept is Kept => kept !== undefined)
    .sort((a, b) => b.keptAt - a.keptAt || b.savedAt - a.savedAt);
}

