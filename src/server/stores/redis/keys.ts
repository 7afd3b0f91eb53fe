import { Buffer } from 'node:buffer';

/** The Redis keys of one space: all under one hash tag, so one slot holds the space and a script may touch all of them. */
export interface SpaceKeys {
  /** Hash: `c` cursor, `b` bytes, `n` documents, `p` cursor purged through. */
  meta: string;
  /** Prefix of the documents' hashes: `v` version, `t` text (absent in a tombstone), `x` deleted, `b` bytes, `c` cursor, `u` written at, `o` overrode. */
  documentPrefix: string;
  /** Sorted set: every key (tombstones too) by the cursor of its latest change: the compacted change log. */
  cursors: string;
  /** Sorted set: live keys, all at score 0, for listing by prefix in byte order. */
  live: string;
  /** Sorted set: tombstones by the time they were written, for purging after the retention. */
  tombstones: string;
  /** Hash: idempotency records by `[key, Idempotency-Key]`. */
  idempotency: string;
  /** Sorted set: the same records by the cursor of their write, oldest first. */
  idempotencyOrder: string;
  /** Stream: one entry per change, trimmed with MAXLEN ~; watchers on every process read it. */
  stream: string;
}

/**
 * The space goes in as base64url: it holds no `}`, so the hash tag ends
 * where it should, and no `:` a user id brings can make one space's keys
 * look like another's. A document key follows the closing `}` and its own
 * separator, so it cannot reach into the space part either.
 */
export function spaceKeys(prefix: string, space: string): SpaceKeys {
  const base = `${prefix}{${Buffer.from(space, 'utf8').toString('base64url')}}`;
  return {
    meta: `${base}:m`,
    documentPrefix: `${base}:d:`,
    cursors: `${base}:c`,
    live: `${base}:l`,
    tombstones: `${base}:t`,
    idempotency: `${base}:i`,
    idempotencyOrder: `${base}:io`,
    stream: `${base}:s`,
  };
}

/** The field of an idempotency record: a JSON pair, so no key or Idempotency-Key can forge another pair's. */
export const idempotencyField = (key: string, idempotencyKey: string) => JSON.stringify([key, idempotencyKey]);
