import type { HeaderMap } from './request';

/**
 * `X-Autosave-Client` for a write: the engine's idempotency keys are
 * `{clientId}:{seq}` (design §4), so the writer is named without another
 * field in `PushMeta`. The server echoes it in its change events, and the
 * writing device skips its own writes there.
 */
export function clientOf(idempotencyKey: string): HeaderMap {
  const at = idempotencyKey.lastIndexOf(':');
  return at > 0 ? { 'x-autosave-client': idempotencyKey.slice(0, at) } : {};
}

/**
 * Whether this is a browser whose `fetch` streams response bodies: the
 * default of `live`. Not in Node (nor in jsdom on Node), where an open stream
 * would keep the process alive.
 */
export function streamingFetchExists(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; window?: unknown; ReadableStream?: unknown; TextDecoder?: unknown; Response?: { prototype: object } };
  if (typeof g.process?.versions?.node === 'string') return false;
  return g.window !== undefined && typeof g.ReadableStream === 'function' && typeof g.TextDecoder === 'function' && g.Response !== undefined && 'body' in g.Response.prototype;
}
