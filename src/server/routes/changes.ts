import { refuse, type Answer } from '../http/answer';
import { openChangeStream } from '../live/changeStream';
import type { HandlerState } from './context';

/** Open streams per space on this process, for `maxStreamsPerUser`. */
export class StreamCounts {
  private readonly counts = new Map<string, number>();

  /** Takes a place for one more stream, or `undefined` when the space has its fill. */
  take(space: string, max: number): (() => void) | undefined {
    const open = this.counts.get(space) ?? 0;
    if (open >= max) return undefined;
    this.counts.set(space, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(space) ?? 1) - 1;
      if (left === 0) this.counts.delete(space);
      else this.counts.set(space, left);
    };
  }
}

/** Last-Event-ID is a cursor this server sent: a whole number, nothing else. */
function resumeCursor(request: Request): number | undefined | Answer {
  const text = request.headers.get('last-event-id');
  if (text === null || text === '') return undefined;
  const cursor = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(cursor)) return refuse(400, `Last-Event-ID must be a cursor this server sent (a whole number), received ${JSON.stringify(text.slice(0, 40))}`);
  return cursor;
}

/**
 * `GET {basePath}/_changes`: the caller's space as Server-Sent Events —
 * `hello` with the current cursor, then a `change` (`{ key, version,
 * deleted?, client? }`, `id:` its cursor) per write or delete, `reset` when
 * Last-Event-ID is older than the store keeps. Never compressed, never cached.
 */
export function streamChanges(request: Request, space: string, state: HandlerState, streams: StreamCounts): Answer {
  const live = state.live;
  if (!live) return refuse(404, 'live changes are turned off on this server (live: false)');
  if (request.method !== 'GET') return refuse(405, '_changes answers GET', {}, { allow: 'GET' });
  const after = resumeCursor(request);
  if (typeof after === 'object') return after;
  const release = streams.take(space, live.maxStreamsPerUser);
  if (!release) {
    return refuse(429, `this user already has ${live.maxStreamsPerUser} change streams open (live.maxStreamsPerUser); close one or retry later`, {}, { 'retry-after': '30' });
  }
  const onError = (error: unknown) => {
    try {
      state.options.onError(error, request);
    } catch {
      // as for any request: onError's own failure is not the stream's
    }
  };
  const body = openChangeStream({ store: state.options.store, space, after, options: live, signal: request.signal, onEnd: release, onError });
  return {
    status: 200,
    json: '',
    body,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store, no-transform', 'x-accel-buffering': 'no' },
  };
}
