import { createHash } from 'node:crypto';

export const MAX_IDEMPOTENCY_KEY = 256;

/** What makes two requests "the same" for an Idempotency-Key: the method and the exact body. */
export function fingerprint(method: string, body: string): string {
  return createHash('sha256').update(method).update('\n').update(body).digest('base64url');
}

/**
 * Idempotency-Keys of requests being handled now in this process: a second
 * request with one of them is `409` (the first has not answered yet). Across
 * processes the store's step decides instead: the second sees the first's
 * record and replays it.
 */
export class InFlight {
  private readonly keys = new Set<string>();

  claim(space: string, key: string, idempotencyKey: string): (() => void) | undefined {
    const id = JSON.stringify([space, key, idempotencyKey]);
    if (this.keys.has(id)) return undefined;
    this.keys.add(id);
    return () => this.keys.delete(id);
  }
}
