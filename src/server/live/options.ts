/**
 * The live changes stream, `GET {basePath}/_changes`.
 *
 * ```ts
 * createSyncHandler({ store, authorize, live: { maxStreamMs: 15 * 60_000, maxStreamsPerUser: 4 } });
 * ```
 */
export interface LiveOptions {
  /** A comment line this often keeps proxies from closing a quiet stream. @default 25_000 */
  heartbeatMs?: number;
  /**
   * A stream ends after this long and the client reconnects with fresh
   * headers, so a token is never used past its expiry on an open stream.
   * @default 300_000 (5 minutes)
   */
  maxStreamMs?: number;
  /** Streams one user may hold open on this process; one more is `429` with `Retry-After`. @default 8 */
  maxStreamsPerUser?: number;
  /** Bytes queued for a client that does not read; past it the stream ends and the client resumes with Last-Event-ID. @default 1_048_576 */
  maxQueuedBytes?: number;
}

export type ResolvedLiveOptions = Required<LiveOptions>;

/** `false` turns the stream off (`_capabilities` then says `live: false`). */
export function resolveLiveOptions(live: LiveOptions | false | undefined): ResolvedLiveOptions | false {
  if (live === false) return false;
  if (live !== undefined && (typeof live !== 'object' || live === null)) {
    throw new TypeError(`redux-autosave: createSyncHandler \`live\` must be an object or false, received ${typeof live}`);
  }
  const resolved: ResolvedLiveOptions = {
    heartbeatMs: live?.heartbeatMs ?? 25_000,
    maxStreamMs: live?.maxStreamMs ?? 300_000,
    maxStreamsPerUser: live?.maxStreamsPerUser ?? 8,
    maxQueuedBytes: live?.maxQueuedBytes ?? 1_048_576,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new TypeError(`redux-autosave: createSyncHandler \`live.${name}\` must be a whole number above 0, received ${String(value)}`);
    }
  }
  return resolved;
}
