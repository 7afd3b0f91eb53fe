import type { ChangesPage, IdempotencyRetention, JsonPath, ListOptions, ListPage, SpaceUsage } from '../types';
import { IdempotencyRecords } from './idempotencyRecords';

/** What an embedded store keeps in memory of each document (the memory store keeps the text too). */
export interface DocumentMeta {
  version: string;
  cursor: number;
  bytes: number;
  deleted: boolean;
  updatedAt: number;
  overrode: JsonPath[] | null;
  /** The writer's client id, echoed in the change feed. */
  client?: string;
}

/**
 * One space of an embedded store (memory or files). `documents` is kept in
 * cursor order — a write moves its key to the end — so the changes after a
 * cursor are read from the end, and each key appears once, at its latest
 * change: the log compacts itself.
 */
export interface SpaceIndex<Meta extends DocumentMeta = DocumentMeta> {
  documents: Map<string, Meta>;
  cursor: number;
  /** Tombstones up to this cursor were purged: an older cursor must pull everything. */
  purgedThrough: number;
  usage: SpaceUsage;
  idempotency: IdempotencyRecords;
  lastPurgeAt: number;
}

export function createSpaceIndex<Meta extends DocumentMeta>(retention?: IdempotencyRetention): SpaceIndex<Meta> {
  return {
    documents: new Map(),
    cursor: 0,
    purgedThrough: 0,
    usage: { bytes: 0, documents: 0 },
    idempotency: new IdempotencyRecords(retention),
    lastPurgeAt: 0,
  };
}

/** Puts a key's new copy in place, at the end of the cursor order, and keeps usage in step. */
export function recordDocument<Meta extends DocumentMeta>(index: SpaceIndex<Meta>, key: string, meta: Meta): void {
  const before = index.documents.get(key);
  if (before && !before.deleted) {
    index.usage.bytes -= before.bytes;
    index.usage.documents -= 1;
  }
  if (!meta.deleted) {
    index.usage.bytes += meta.bytes;
    index.usage.documents += 1;
  }
  index.documents.delete(key);
  index.documents.set(key, meta);
  index.cursor = Math.max(index.cursor, meta.cursor);
}

export function changesSince(index: SpaceIndex, after: number, limit: number): ChangesPage {
  // A cursor past ours comes from another life of the store (a memory store restarted): start over.
  if (after < index.purgedThrough || after > index.cursor) return { status: 'reset', cursor: index.cursor };
  const newer: [string, DocumentMeta][] = [];
  const entries = [...index.documents.entries()];
  for (let at = entries.length - 1; at >= 0 && entries[at][1].cursor > after; at--) newer.push(entries[at]);
  newer.reverse();
  const page = newer.slice(0, limit);
  const changes = page.map(([key, meta]) => ({
    cursor: meta.cursor,
    key,
    version: meta.version,
    ...(meta.deleted ? { deleted: true as const } : {}),
    ...(meta.client ? { client: meta.client } : {}),
  }));
  const cursor = page.length < newer.length ? page[page.length - 1][1].cursor : index.cursor;
  return { status: 'changes', changes, cursor };
}

export function listLive(index: SpaceIndex, { prefix, after, limit }: ListOptions): ListPage {
  const keys = [...index.documents.keys()]
    .filter((key) => key.startsWith(prefix) && (after === undefined || key > after) && !index.documents.get(key)!.deleted)
    .sort();
  const page = keys.slice(0, limit);
  const items = page.map((key) => {
    const meta = index.documents.get(key)!;
    return { key, version: meta.version, bytes: meta.bytes, updatedAt: meta.updatedAt };
  });
  return keys.length > limit ? { items, next: page[page.length - 1] } : { items };
}

/**
 * The tombstones older than the retention, at most once per `retentionMs / 10`
 * (a scan is linear in the space's documents). The caller removes them and
 * then calls `forgetTombstones`.
 */
export function expiredTombstones(index: SpaceIndex, now: number, retentionMs: number): string[] {
  if (now - index.lastPurgeAt < Math.min(retentionMs / 10, 60_000)) return [];
  index.lastPurgeAt = now;
  const expired: string[] = [];
  for (const [key, meta] of index.documents) if (meta.deleted && now - meta.updatedAt > retentionMs) expired.push(key);
  return expired;
}

export function forgetTombstones(index: SpaceIndex, keys: string[]): void {
  for (const key of keys) {
    const meta = index.documents.get(key);
    if (!meta?.deleted) continue;
    index.purgedThrough = Math.max(index.purgedThrough, meta.cursor);
    index.documents.delete(key);
  }
}
