import { RemoteError, messageOf } from '../../errors';
import type { ChangeWatcher, RemoteChange, WatchEnd } from '../../types/remote';
import { isObject } from '../../util/check';
import { readText, retryAfter, said } from './answer';
import type { RequestOptions } from './request';
import { createSseParser, type SseMessage } from './sse';

/** A line (or one event's data) longer than this drops the stream: nothing the protocol sends comes near it. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** The server comments every 25 s: a connection silent for this long is dead, whatever TCP thinks. */
export const SILENT_MS = 65_000;

/**
 * One connection to `GET {url}/_changes` (`text/event-stream`), read with
 * `fetch` so that the `headers` option (a token) applies as on every other
 * request; EventSource could not send them. A 401 calls `onUnauthorized` and
 * tries once more with the headers read afresh, as other requests do.
 */
export async function watchChanges(options: RequestOptions, watcher: ChangeWatcher): Promise<WatchEnd> {
  let end = await connectOnce(options, watcher);
  if (end.status === 'failed' && end.error.status === 401 && options.onUnauthorized && !watcher.signal.aborted) {
    try {
      await options.onUnauthorized();
    } catch (error) {
      return failed(end.error.message, { status: 401, code: 'auth', cause: error });
    }
    end = await connectOnce(options, watcher);
  }
  return end;
}

const failed = (message: string, details: ConstructorParameters<typeof RemoteError>[1]): WatchEnd => ({
  status: 'failed',
  error: new RemoteError(message, details),
});

async function connectOnce(options: RequestOptions, watcher: ChangeWatcher): Promise<WatchEnd> {
  let target: URL;
  try {
    target = new URL(options.url, (globalThis as { location?: { href: string } }).location?.href);
  } catch (cause) {
    return failed(`redux-autosave: httpRemote \`url\` ${JSON.stringify(options.url)} must be an absolute URL to watch for changes`, { cause });
  }
  target.pathname = `${target.pathname.replace(/\/+$/, '')}/_changes`;
  target.search = '';
  const where = `redux-autosave: GET ${target.href} (live changes)`;

  const sent = new Headers();
  try {
    const given = typeof options.headers === 'function' ? await options.headers() : options.headers;
    new Headers(given).forEach((value, name) => sent.set(name, value));
  } catch (cause) {
    return failed(`${where} was not sent: the \`headers\` could not be read: ${messageOf(cause)}`, { cause });
  }
  sent.set('accept', 'text/event-stream');
  if (watcher.after !== undefined) sent.set('last-event-id', watcher.after);

  // One controller for the caller's signal and for silence: either closes the body.
  const controller = new AbortController();
  let silent = false;
  const close = () => controller.abort();
  watcher.signal.addEventListener('abort', close);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const heard = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      silent = true;
      controller.abort();
    }, Math.min(Math.max(options.timeoutMs, SILENT_MS), 2 ** 31 - 1));
  };
  heard();
  try {
    const init: RequestInit = { method: 'GET', headers: sent, signal: controller.signal, cache: 'no-store' };
    if (options.credentials) init.credentials = options.credentials;
    const response = await (options.fetch ?? globalThis.fetch)(target.href, init);
    const refused = await refusal(response, where);
    if (refused) return refused;
    heard();
    return await read(response.body!, watcher, heard, where);
  } catch (cause) {
    if (watcher.signal.aborted) return { status: 'ended' };
    const why = silent ? `heard nothing for ${SILENT_MS} ms` : `could not reach the server: ${messageOf(cause)}`;
    return failed(`${where} ${why}`, { offline: true, retryable: true, cause });
  } finally {
    clearTimeout(timer);
    watcher.signal.removeEventListener('abort', close);
  }
}

/** The end an answer that is not an open event stream means; `undefined` for one that is. */
async function refusal(response: Response, where: string): Promise<WatchEnd | undefined> {
  const { status } = response;
  const ok = status >= 200 && status <= 299;
  const isStream = /^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '');
  if (ok && isStream && response.body) return undefined;
  // No route (404, 501), or a page served in its place: the server has no live changes.
  if (ok || status === 404 || status === 501) {
    await response.body?.cancel().catch(() => {});
    return { status: 'unsupported' };
  }
  const text = (await readText(response, 64 * 1024).catch(() => undefined)) ?? '';
  const message = `${where} answered ${status}${said(text)}`;
  if (status === 429 || status >= 500) return failed(message, { status, retryable: true, offline: true, retryAfterMs: retryAfter(response.headers.get('retry-after')) });
  if (status === 401 || status === 403) return failed(message, { status, code: 'auth' });
  return failed(message, { status });
}

async function read(body: ReadableStream<Uint8Array>, watcher: ChangeWatcher, heard: () => void, where: string): Promise<WatchEnd> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser((message) => take(message, watcher), MAX_LINE_CHARS);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || watcher.signal.aborted) return { status: 'ended' };
      heard();
      if (!parser.feed(decoder.decode(value, { stream: true }))) {
        return failed(`${where} sent a line over ${MAX_LINE_CHARS} characters; the stream was dropped`, { retryable: true });
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** One event, checked against the protocol: hello, change and reset act; unknown types are for later releases. */
function take(message: SseMessage, watcher: ChangeWatcher): void {
  if (watcher.signal.aborted || !['hello', 'change', 'reset'].includes(message.event)) return;
  let body: unknown;
  try {
    body = message.data === '' ? {} : JSON.parse(message.data);
  } catch {
    return watcher.invalid(`a ${message.event} event whose data is not JSON: ${message.data.slice(0, 80)}`);
  }
  if (!isObject(body)) return watcher.invalid(`a ${message.event} event whose data is not an object`);
  // A cursor is opaque: a string, or the whole number a counter gives; sent back as text (Last-Event-ID).
  const cursor = typeof body.cursor === 'string' || Number.isSafeInteger(body.cursor) ? String(body.cursor) : undefined;
  if (message.event === 'reset') return watcher.reset(cursor);
  if (message.event === 'hello') return cursor === undefined ? watcher.invalid('a hello event without a `cursor`') : watcher.hello(cursor);
  const { key, version, deleted, client } = body;
  if (typeof key !== 'string' || typeof version !== 'string') return watcher.invalid('a change event without a string `key` and `version`');
  const change: RemoteChange = { key, version };
  if (deleted === true) change.deleted = true;
  if (typeof client === 'string') change.client = client;
  watcher.change(change, message.id);
}
