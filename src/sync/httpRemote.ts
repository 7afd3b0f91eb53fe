import { DEFAULTS } from '../defaults';
import { RemoteError, messageOf } from '../errors';
import type { PushResult, RemoteAdapter, RemoteDocument } from '../types/remote';
import { badOption, isObject } from '../util/check';

type HeaderMap = Record<string, string>;

export interface HttpRemoteOptions {
  /**
   * The endpoint's base URL; a document lives at `{url}/{key}`. A relative
   * URL such as `'/api/autosave'` is resolved against the page's location;
   * where there is none (Node, SSR), requests fail until it is absolute.
   */
  url: string;
  /**
   * Headers sent with every request, or a function called before each one,
   * so a token is read fresh and never kept.
   * @default {}
   */
  headers?: HeaderMap | (() => HeaderMap | Promise<HeaderMap>);
  /**
   * The `fetch` to send requests with.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * A request with no complete answer by then is abandoned, as if offline.
   * @default 15000
   */
  timeoutMs?: number;
  /**
   * A larger response body is refused without being read whole.
   * @default 10 * 1024 * 1024
   */
  maxResponseBytes?: number;
}

interface Answer {
  status: number;
  headers: Headers;
  /** `undefined` when the body was over `maxResponseBytes`. */
  text: string | undefined;
}

const fail = (option: string, expected: string, received: unknown): never => badOption(option, expected, received, 'httpRemote ');

// `Retry-After` is either whole seconds or an HTTP date.
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isNaN(ms) ? undefined : Math.max(0, ms);
}

// The server's own words, as `: words` to end a message: `{ error }` or
// `{ message }` when it sent JSON, otherwise the text, kept to a status line.
function said(text: string | undefined): string {
  let message = text ?? '';
  try {
    const body: unknown = JSON.parse(message);
    const words = isObject(body) && (body.error ?? body.message);
    if (typeof words === 'string') message = words;
  } catch {
    // not JSON: the text itself
  }
  message = message.replace(/\s+/g, ' ').trim();
  return message && `: ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`;
}

// Counts bytes as they arrive and cancels the stream past `limit`, so a huge
// body is never held whole; Content-Length, when sent, refuses it before that.
async function readText(response: Response, limit: number): Promise<string | undefined> {
  if (Number(response.headers.get('content-length')) > limit) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * The built-in remote: the HTTP protocol of the design's §4, spoken with
 * `fetch`. Versions come from the server; a stale `baseVersion` comes back as
 * a conflict carrying the server's copy.
 *
 * ```ts
 * createAutosave({ remote: httpRemote({ url: '/api/autosave', headers: () => ({ Authorization: `Bearer ${token()}` }) }), … })
 * ```
 */
export function httpRemote(options: HttpRemoteOptions): RemoteAdapter {
  if (!isObject(options)) fail('options', 'an object with a `url`', options);
  const { url, headers = {}, timeoutMs = DEFAULTS.remote.timeoutMs, maxResponseBytes = DEFAULTS.remote.maxResponseBytes } = options;
  if (typeof url !== 'string' || url === '') fail('url', 'a non-empty string', url);
  if (typeof headers !== 'function' && !isObject(headers)) fail('headers', 'an object or a function', headers);
  if (typeof (options.fetch ?? globalThis.fetch) !== 'function') fail('fetch', 'a function (none is global here)', options.fetch);
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) fail('timeoutMs', 'a number of milliseconds above 0', timeoutMs);
  if (typeof maxResponseBytes !== 'number' || !(maxResponseBytes > 0)) fail('maxResponseBytes', 'a number of bytes above 0', maxResponseBytes);

  async function request(method: 'GET' | 'PUT', key: string, extra: HeaderMap, body?: string, keepalive = false) {
    let target: URL;
    try {
      target = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
    } catch (cause) {
      throw new RemoteError(
        `redux-autosave: httpRemote \`url\` ${JSON.stringify(url)} must be an absolute URL where there is no page location to resolve it against (${method} ${JSON.stringify(key)})`,
        { key, cause },
      );
    }
    // One path segment whatever the key holds: '/', '?', '#' and control
    // characters are escaped. Only '.' and '..' cannot be a segment at all (URL
    // parsers resolve them away, escaped or not); storage keys hold a ':'.
    if (key === '.' || key === '..') throw new RemoteError(`redux-autosave: the key "${key}" cannot be sent in a URL`, { key });
    target.pathname = `${target.pathname.replace(/\/+$/, '')}/${encodeURIComponent(key)}`;
    const where = `${method} ${JSON.stringify(key)} at ${target.href}`;
    const failure = (message: string, details: ConstructorParameters<typeof RemoteError>[1]) =>
      new RemoteError(`redux-autosave: ${where} ${message}`, { key, ...details });

    const sent = new Headers({ accept: 'application/json' });
    try {
      const given = typeof headers === 'function' ? await headers() : headers;
      new Headers(given).forEach((value, name) => sent.set(name, value));
    } catch (cause) {
      throw failure(`was not sent: the \`headers\` ${typeof headers === 'function' ? 'function threw' : 'are invalid'}: ${messageOf(cause)}`, { cause });
    }
    for (const name of Object.keys(extra)) sent.set(name, extra[name]);

    // The timer covers the body as well as the status line: a server that
    // stalls halfway through an answer is as unreachable as a silent one.
    const controller = new AbortController();
    let timedOut = false;
    // Timers fire at once past 2^31 - 1 ms: cap it, so `Infinity` means never.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, Math.min(timeoutMs, 2 ** 31 - 1));
    let answer: Answer;
    try {
      const response = await (options.fetch ?? globalThis.fetch)(target.href, { method, headers: sent, body, keepalive, signal: controller.signal });
      answer = { status: response.status, headers: response.headers, text: await readText(response, maxResponseBytes) };
    } catch (cause) {
      throw timedOut
        ? failure(`had no complete answer within ${timeoutMs} ms (\`timeoutMs\`)`, { offline: true, retryable: true, cause })
        : failure(`could not reach the server: ${messageOf(cause)}`, { offline: true, retryable: true, cause });
    } finally {
      clearTimeout(timer);
    }

    const { status } = answer;
    if (status === 429 || status >= 500) {
      throw failure(`answered ${status}${said(answer.text)}`, {
        status,
        retryable: true,
        retryAfterMs: retryAfter(answer.headers.get('retry-after')),
      });
    }
    const expected = status === 412 && method === 'PUT';
    if (status === 404 && method === 'GET') return null;
    if ((status < 200 || status > 299) && !expected) {
      throw failure(`answered ${status}${said(answer.text)}`, { status });
    }
    if (answer.text === undefined) {
      throw failure(`answered ${status} with a body larger than \`maxResponseBytes\` (${maxResponseBytes} bytes), so it was not read`, { status });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      // reported below with the other bodies that are not the protocol's
    }
    const withData = method === 'GET' || status === 412;
    if (!isObject(parsed) || typeof parsed.version !== 'string' || (withData && !('data' in parsed))) {
      throw failure(
        `answered ${status} with a body that is not the autosave protocol's JSON ${withData ? '{ version, data }' : '{ version }'} (is \`url\` the sync endpoint?)${said(answer.text) || ': an empty body'}`,
        { status },
      );
    }
    return { status, document: parsed as unknown as RemoteDocument };
  }

  return {
    timeoutMs,
    async pull(key) {
      const answer = await request('GET', key, {});
      return answer && { version: answer.document.version, data: answer.document.data };
    },
    async push(key, data, { baseVersion, idempotencyKey, keepalive }): Promise<PushResult> {
      const answer = (await request(
        'PUT',
        key,
        {
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
          ...(baseVersion === null ? { 'if-none-match': '*' } : { 'if-match': `"${baseVersion}"` }),
        },
        JSON.stringify({ data }),
        keepalive,
      ))!;
      const { version } = answer.document;
      return answer.status === 412 ? { ok: false, conflict: { version, data: answer.document.data } } : { ok: true, version };
    },
  };
}
