import type { RemoteError } from '../errors';
import type { MergeConflicts } from './status';

/** A document as the remote holds it: the server assigns `version`. */
export interface RemoteDocument {
  version: string;
  data: unknown;
  /**
   * Paths where the device that wrote this version merged a clash and kept
   * its own value over another device's: that other device learns here that
   * its value lost (`mergeConflicts` on its status).
   */
  overrode?: MergeConflicts;
}

export interface PushMeta {
  /** The version this push was based on; `null` for a document never synced. */
  baseVersion: string | null;
  /** `{clientId}:{seq}`, the same on every retry of one push. */
  idempotencyKey: string;
  /** A last push while the page goes away: send with `fetch(…, { keepalive: true })`. */
  keepalive?: boolean;
  /** Paths where this copy's merge kept the local value over the remote's (told to the other devices). */
  overrode?: MergeConflicts;
  /**
   * The copy this push is based on, as the remote holds `version` (the
   * version is `baseVersion`): a remote may send the difference from it.
   */
  base?: { version: string; data: unknown };
  /**
   * With `keepalive`: the bytes left for all of the page's last pushes
   * together (browsers allow 64 KB in flight). A remote with
   * `sizesKeepalive` takes what it sends from it, and sends nothing that
   * does not fit.
   */
  keepaliveBudget?: { bytes: number };
}

export type PushResult = { ok: true; version: string } | { ok: false; conflict: RemoteDocument };

/** What a removal found: done (or nothing was there), or a newer version than the one it was based on. */
export type RemoveResult = { ok: true } | { ok: false; conflict: { version: string } };

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
  /**
   * The remote keeps keepalive pushes within `PushMeta.keepaliveBudget`
   * itself (it may send less than the document); without it, the engine
   * sends a document at the page's close only if it fits whole.
   */
  readonly sizesKeepalive?: boolean;
  pull(key: string): Promise<RemoteDocument | null>;
  push(key: string, data: unknown, meta: PushMeta): Promise<PushResult>;
  /**
   * Deletes `key` on the remote (`remove()` calls it through the outbox, so
   * a removal made offline is sent later). Without it, removals stay local.
   */
  remove?(key: string, meta: { baseVersion: string | null; idempotencyKey: string }): Promise<RemoveResult>;
  /** The keys the remote holds that begin with `prefix`, with their versions (`listRemote()`). */
  list?(prefix: string): Promise<{ key: string; version: string }[]>;
  /**
   * Who requests are made as now (a user id, or a token's subject). Outbox
   * entries remember it, and are pushed only under it: edits made while one
   * user was signed in never reach another user's space.
   */
  principal?(): string | null | undefined | Promise<string | null | undefined>;
  /**
   * Opens one connection to the remote's stream of changes (`httpRemote({ live })`)
   * and resolves when it ends. The engine keeps one open while the page is the
   * leading tab, visible and online, reconnecting with backoff. Absent: no live changes.
   */
  watch?(watcher: ChangeWatcher): Promise<WatchEnd>;
}

/** A write or a delete on the remote, as the stream of changes tells it. */
export interface RemoteChange {
  key: string;
  version: string;
  deleted?: boolean;
  /** The client id of the device that wrote it (its `X-Autosave-Client`), when it said one. */
  client?: string;
}

/** What a connection to the stream of changes tells as it goes; called only while it is open. */
export interface ChangeWatcher {
  /** Resume after this cursor (`Last-Event-ID`); `undefined` for the present. */
  after: string | undefined;
  /** Aborted to close the connection; `watch` then resolves `{ status: 'ended' }`. */
  signal: AbortSignal;
  /** The stream is open, the remote at `cursor`. */
  hello(cursor: string): void;
  /** One write or delete; `cursor` is the event's id. */
  change(change: RemoteChange, cursor: string | undefined): void;
  /** `after` is older than the remote keeps: every document may have changed. */
  reset(cursor: string | undefined): void;
  /** An event that is not the protocol's (ignored). */
  invalid(reason: string): void;
}

/**
 * How a connection ended: closed (by the remote, after its `maxStreamMs`, or by
 * the signal); `unsupported` when the remote has no stream of changes (404, 501);
 * `failed` with the error, which says whether another try may help (`retryable`,
 * `retryAfterMs`) or not (`code: 'auth'`, other refusals).
 */
export type WatchEnd = { status: 'ended' } | { status: 'unsupported' } | { status: 'failed'; error: RemoteError };
