/**
 * The store's database cannot be reached right now (restarting, a dropped
 * connection, a full pool). The handler answers `503` with `Retry-After`,
 * which clients already retry. A write that met it was applied whole or not
 * at all; a retry with the same Idempotency-Key learns which.
 */
export class StoreUnavailableError extends Error {
  readonly retryAfterSeconds: number;

  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StoreUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds ?? 2;
  }
}
