/** A document as the remote holds it: the server assigns `version`. */
export interface RemoteDocument {
  version: string;
  data: unknown;
}

export interface PushMeta {
  /** The version this push was based on; `null` for a document never synced. */
  baseVersion: string | null;
  /** `{clientId}:{seq}`, the same on every retry of one push. */
  idempotencyKey: string;
  /** A last push while the page goes away: send with `fetch(…, { keepalive: true })`. */
  keepalive?: boolean;
}

export type PushResult = { ok: true; version: string } | { ok: false; conflict: RemoteDocument };

/**
 * A remote the sync engine reconciles documents with. `key` is the storage
 * key `{collection}:{id}`. Errors thrown are `RemoteError`s: `retryable` ones
 * (network, timeout, 429, 5xx) are tried again with backoff.
 *
 * ```ts
 * const remote: RemoteAdapter = httpRemote({ url: '/api/autosave' });
 * ```
 */
export interface RemoteAdapter {
  /** How long `load` waits for a pull before it settles for the local copy. @default 15000 */
  readonly timeoutMs?: number;
  pull(key: string): Promise<RemoteDocument | null>;
  push(key: string, data: unknown, meta: PushMeta): Promise<PushResult>;
}
