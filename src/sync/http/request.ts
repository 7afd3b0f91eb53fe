import { RemoteError, messageOf } from '../../errors';
import { readText, retryAfter, said } from './answer';

export type HeaderMap = Record<string, string>;

/** What a requester needs of httpRemote's options. */
export interface RequestOptions {
  url: string;
  headers: HeaderMap | (() => HeaderMap | Promise<HeaderMap>);
  fetch: typeof fetch | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
  credentials: RequestCredentials | undefined;
  onUnauthorized: (() => unknown) | undefined;
}

/** One request: to `{url}/{key}` (or `{url}/` with `query`), its statuses that are answers rather than errors. */
export interface Call {
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE';
  key: string;
  /** For a request to the collection (`{url}/?query`) rather than a document; `key` then only names it in messages. */
  query?: URLSearchParams;
  headers?: HeaderMap;
  /** Text, or bytes already encoded (gzip). */
  body?: string | Uint8Array;
  keepalive?: boolean;
  /** Statuses outside 2xx that the protocol answers with (412, 404…). */
  answers?: number[];
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The body as JSON, or `undefined` when it is not JSON. */
  json: unknown;
  text: string;
  /** `METHOD "key" at url`, for messages. */
  where: string;
}

/**
 * Makes the requests of httpRemote: the URL, the headers (read fresh per
 * request), a timeout that covers the body too, a cap on the body's size,
 * and one more try after `onUnauthorized` when the server answers 401.
 * Network failures, timeouts, 429 and 5xx throw retryable `RemoteError`s; a
 * 401 or 403 an `auth` one; other unexpected statuses a `remote` one.
 */
export function createRequester(options: RequestOptions) {
  const { url, headers, timeoutMs, maxResponseBytes } = options;

  async function once(call: Call): Promise<Answer> {
    const { method, key } = call;
    let target: URL;
    try {
      target = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
    } catch (cause) {
      throw new RemoteError(
        `redux-autosave: httpRemote \`url\` ${JSON.stringify(url)} must be an absolute URL where there is no page location to resolve it against (${method} ${JSON.stringify(key)})`,
        { key, cause },
      );
    }
    const base = target.pathname.replace(/\/+$/, '');
    if (call.query) {
      target.pathname = `${base}/`;
      target.search = call.query.toString();
    } else {
      // One path segment whatever the key holds: '/', '?', '#' and control
      // characters are escaped. Only '.' and '..' cannot be a segment at all
      // (URL parsers resolve them away, escaped or not); storage keys hold a ':'.
      if (key === '.' || key === '..') throw new RemoteError(`redux-autosave: the key "${key}" cannot be sent in a URL`, { key });
      target.pathname = `${base}/${encodeURIComponent(key)}`;
    }
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
    for (const [name, value] of Object.entries(call.headers ?? {})) sent.set(name, value);

    // The timer covers the body as well as the status line: a server that
    // stalls halfway through an answer is as unreachable as a silent one.
    const controller = new AbortController();
    let timedOut = false;
    // Timers fire at once past 2^31 - 1 ms: cap it, so `Infinity` means never.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, Math.min(timeoutMs, 2 ** 31 - 1));
    let status: number;
    let responseHeaders: Headers;
    let text: string | undefined;
    try {
      const init: RequestInit = { method, headers: sent, body: call.body as BodyInit | undefined, keepalive: call.keepalive, signal: controller.signal };
      if (options.credentials) init.credentials = options.credentials;
      const response = await (options.fetch ?? globalThis.fetch)(target.href, init);
      status = response.status;
      responseHeaders = response.headers;
      text = await readText(response, maxResponseBytes);
    } catch (cause) {
      throw timedOut
        ? failure(`had no complete answer within ${timeoutMs} ms (\`timeoutMs\`)`, { offline: true, retryable: true, cause })
        : failure(`could not reach the server: ${messageOf(cause)}`, { offline: true, retryable: true, cause });
    } finally {
      clearTimeout(timer);
    }

    if (status === 429 || status >= 500) {
      throw failure(`answered ${status}${said(text)}`, { status, retryable: true, retryAfterMs: retryAfter(responseHeaders.get('retry-after')) });
    }
    if (status === 401 || status === 403) {
      // Not signed in, or not allowed: trying again as is cannot help.
      throw failure(`answered ${status}${said(text)}`, { status, code: 'auth' });
    }
    if ((status < 200 || status > 299) && !call.answers?.includes(status)) throw failure(`answered ${status}${said(text)}`, { status });
    if (text === undefined) {
      throw failure(`answered ${status} with a body larger than \`maxResponseBytes\` (${maxResponseBytes} bytes), so it was not read`, { status });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, headers: responseHeaders, json, text, where };
  }

  return async function request(call: Call): Promise<Answer> {
    try {
      return await once(call);
    } catch (error) {
      // A token may have expired: the app refreshes it, and the request is
      // tried once more with the headers read afresh.
      if (!(error instanceof RemoteError) || error.status !== 401 || !options.onUnauthorized) throw error;
      await options.onUnauthorized();
      return once(call);
    }
  };
}

/** The error for an answer that is not the protocol's JSON. */
export function notTheProtocol(call: Call, answer: Answer, expected: string): RemoteError {
  return new RemoteError(
    `redux-autosave: ${answer.where} answered ${answer.status} with a body that is not the autosave protocol's JSON ${expected} (is \`url\` the sync endpoint?)${said(answer.text) || ': an empty body'}`,
    { key: call.key, status: answer.status },
  );
}
