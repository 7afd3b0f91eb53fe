import type { ChangeEntry, SyncStore } from '../types';
import type { ResolvedLiveOptions } from './options';

const encoder = new TextEncoder();
const PAGE = 500;
/** How long a stream waits for the store's subscription before it says hello anyway (heartbeats then cover the gap). */
const READY_WAIT_MS = 2_000;

/** One Server-Sent Event; `data` is one line of JSON, so it needs no splitting. */
export function sseEvent(event: string, data: unknown, id?: number): string {
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

const changeData = ({ key, version, deleted, client }: ChangeEntry) => ({ key, version, ...(deleted ? { deleted } : {}), ...(client ? { client } : {}) });

/** What a stream holds while it is open: where it is in the space's changes, and whether a read is due. */
interface StreamState {
  cursor: number;
  reading: boolean;
  readAgain: boolean;
  closed: boolean;
}

/**
 * The event stream of one space. It subscribes to the store's wake-ups
 * before it reads the cursor for `hello`, so no change falls between the
 * two. Each wake-up (and each heartbeat, in case a wake-up was lost) reads
 * the changes after the stream's cursor; wake-ups during a read make one
 * more read, never a pile of them.
 *
 * Resuming (`after`, from Last-Event-ID) sends the changes after it, or
 * `reset` when the store no longer has them.
 */
export interface ChangeStreamContext {
  store: SyncStore;
  space: string;
  /** The cursor to resume after (Last-Event-ID), if any. */
  after: number | undefined;
  options: ResolvedLiveOptions;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
  /** Called once when the stream ends, however it ends. */
  onEnd(): void;
  onError(error: unknown): void;
}

export function openChangeStream({ store, space, after, options, signal, onEnd, onError }: ChangeStreamContext): ReadableStream<Uint8Array> {
  const state: StreamState = { cursor: 0, reading: false, readAgain: false, closed: false };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let unwatch = () => {};
  const timers: ReturnType<typeof setTimeout>[] = [];

  const end = () => {
    if (state.closed) return;
    state.closed = true;
    unwatch();
    signal?.removeEventListener('abort', end);
    for (const timer of timers) clearTimeout(timer);
    onEnd();
    try {
      controller.close();
    } catch {
      // already cancelled by the client
    }
  };
  const send = (text: string) => {
    if (state.closed) return;
    controller.enqueue(encoder.encode(text));
    // A client that stopped reading: rather than hold its events without end, close; it resumes from its last id.
    if ((controller.desiredSize ?? 0) < -options.maxQueuedBytes) end();
  };

  async function read(): Promise<void> {
    if (state.reading) return void (state.readAgain = true);
    state.reading = true;
    try {
      do {
        state.readAgain = false;
        const page = await store.changes(space, state.cursor, PAGE);
        if (state.closed) return;
        if (page.status === 'reset') send(sseEvent('reset', { cursor: page.cursor }, page.cursor));
        else for (const change of page.changes) send(sseEvent('change', changeData(change), change.cursor));
        const more = page.status === 'changes' && page.changes.length === PAGE;
        state.cursor = page.cursor;
        if (more) state.readAgain = true;
      } while (state.readAgain && !state.closed);
    } catch (error) {
      // The store is away (503 territory): end the stream; the client reconnects with its last id.
      onError(error);
      end();
    } finally {
      state.reading = false;
    }
  }

  return new ReadableStream<Uint8Array>(
    {
      async start(streamController) {
        controller = streamController;
        if (signal?.aborted) return end();
        signal?.addEventListener('abort', end, { once: true });
        // Until hello is sent there is no cursor to read after: wake-ups meanwhile only ask for one read after it.
        state.reading = true;
        const watching = store.watch?.(space, () => void read());
        unwatch = watching ?? (() => {});
        timers.push(setTimeout(end, options.maxStreamMs));
        const beat = () => {
          send(': keep-alive\n\n');
          void read();
          timers[1] = setTimeout(beat, options.heartbeatMs);
        };
        timers[1] = setTimeout(beat, options.heartbeatMs);
        try {
          // A database store's subscription may take a moment to reach it; what is written before then is read, not awaited.
          if (watching?.ready) await Promise.race([watching.ready, new Promise((resolve) => timers.push(setTimeout(resolve, READY_WAIT_MS)))]);
          if (state.closed) return;
          const head = await store.changes(space, Number.MAX_SAFE_INTEGER, 1);
          // Asking past the head answers `reset` with the head itself: the cursor to start from.
          const cursor = head.cursor;
          // `retry` tells an EventSource how long to wait before reconnecting after maxStreamMs.
          send(`retry: 1000\n${sseEvent('hello', { cursor }, after === undefined ? cursor : undefined)}`);
          state.cursor = after ?? cursor;
          state.reading = false;
          if (after !== undefined || state.readAgain) await read();
        } catch (error) {
          onError(error);
          end();
        }
      },
      cancel() {
        end();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
}
