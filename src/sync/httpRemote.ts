import { DEFAULTS } from '../defaults';
import type { PushResult, RemoteAdapter, RemoteDocument } from '../types/remote';
import { clientOf, streamingFetchExists } from './http/client';
import { watchChanges } from './http/stream';
import { badOption, isObject } from '../util/check';
import { createRequester, notTheProtocol, type Answer, type Call, type HeaderMap } from './http/request';
import { createDelta, send } from './http/send';

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
  /**
   * Who requests are made as: a user id, or anything that tells users apart.
   * Edits are pushed only under the principal they were made under, so after
   * one user signs out and another signs in, the first one's waiting edits
   * never reach the second one's space (they wait for the first to return).
   * @default none: every edit is pushed under whoever is signed in
   */
  principal?: () => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Called when the server answers 401: refresh the token here; the request
   * is then tried once more. A second refusal is an `error` with code `auth`.
   */
  onUnauthorized?: () => unknown;
  /** `fetch`'s `credentials`, for a server that signs users in with cookies (`'include'` across origins). */
  credentials?: RequestCredentials;
  /**
   * Send a JSON Patch (RFC 6902) from the version a push is based on, when
   * the server's `_capabilities` say `patch` and the patch is smaller than
   * the document; `false` always sends whole documents.
   * @default true
   */
  patch?: boolean;
  /**
   * Documents smaller than this are sent whole: a patch saves little there,
   * and the first one costs a `_capabilities` request.
   * @default 1024
   */
  patchFromBytes?: number;
  /**
   * Gzip request bodies over 8 KB for a server whose `_capabilities` say `gzip`.
   * @default true
   */
  gzip?: boolean;
  /**
   * Watch the server's stream of changes (`GET {url}/_changes`, design §10):
   * another device's edit is pulled as soon as it is written. One stream per
   * page (the leading tab's), closed while the page is hidden or offline.
   * Off in Node, where an open stream would keep the process alive; turn it
   * on there with `live: true`.
   * @default true in browsers whose `fetch` streams response bodies; false in Node
   */
  live?: boolean;
}

const fail = (option: string, expected: string, received: unknown): never => badOption(option, expected, received, 'httpRemote ');

/** `{ version, data, overrode? }`, or the error for an answer that is not. */
function remoteDocument(call: Call, answer: Answer): RemoteDocument {
  const body = answer.json;
  if (!isObject(body) || typeof body.version !== 'string' || !('data' in body)) throw notTheProtocol(call, answer, '{ version, data }');
  const overrode = Array.isArray(body.overrode) && body.overrode.length > 0 ? (body.overrode as RemoteDocument['overrode']) : undefined;
  return overrode ? { version: body.version, data: body.data, overrode } : { version: body.version, data: body.data };
}

function versionOf(call: Call, answer: Answer): string {
  const body = answer.json;
  if (!isObject(body) || typeof body.version !== 'string') throw notTheProtocol(call, answer, '{ version }');
  return body.version;
}

/**
 * The built-in remote: the HTTP protocol of the design's §4 and §9, spoken
 * with `fetch`. Versions come from the server (the body's, not the ETag a
 * proxy may weaken); a stale `baseVersion` comes back as a conflict carrying
 * the server's copy.
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
  for (const name of ['principal', 'onUnauthorized'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') fail(name, 'a function', options[name]);
  }
  const live = options.live ?? streamingFetchExists();
  if (typeof live !== 'boolean') fail('live', 'a boolean', live);
  const requestOptions = { ...options, url, headers, timeoutMs, maxResponseBytes, fetch: options.fetch, credentials: options.credentials, onUnauthorized: options.onUnauthorized };
  const request = createRequester(requestOptions);
  const precondition = (baseVersion: string | null): HeaderMap => (baseVersion === null ? { 'if-none-match': '*' } : { 'if-match': `"${baseVersion}"` });
  const { patch = true, gzip = true, patchFromBytes = 1024 } = options;
  if (typeof patch !== 'boolean') fail('patch', 'a boolean', patch);
  if (typeof gzip !== 'boolean') fail('gzip', 'a boolean', gzip);
  if (typeof patchFromBytes !== 'number' || !(patchFromBytes >= 0)) fail('patchFromBytes', 'a number of bytes, 0 or more', patchFromBytes);
  const delta = createDelta({ patch, gzip, patchFromBytes });
  const outcome = (call: Call, answer: Answer): PushResult =>
    answer.status === 412 ? { ok: false, conflict: remoteDocument(call, answer) } : { ok: true, version: versionOf(call, answer) };

  return {
    timeoutMs,
    principal: options.principal,
    async pull(key) {
      const call: Call = { method: 'GET', key, answers: [404] };
      const answer = await request(call);
      return answer.status === 404 ? null : remoteDocument(call, answer);
    },
    // Sizes its keepalive pushes itself: a patch may fit where the document would not.
    sizesKeepalive: true,
    push: (key, data, meta) => send(delta, request, precondition, outcome, key, data, meta),
    async remove(key, { baseVersion, idempotencyKey }) {
      // A tombstone: the document stays gone for every device, not only here.
      const call: Call = { method: 'DELETE', key, headers: { 'idempotency-key': idempotencyKey, ...clientOf(idempotencyKey), 'if-match': baseVersion === null ? '*' : `"${baseVersion}"` }, answers: [404, 412] };
      const answer = await request(call);
      return answer.status === 412 ? { ok: false, conflict: { version: versionOf(call, answer) } } : { ok: true };
    },
    async list(prefix) {
      const items: { key: string; version: string }[] = [];
      let after: string | undefined;
      do {
        const query = new URLSearchParams({ prefix, ...(after === undefined ? {} : { after }) });
        const call: Call = { method: 'GET', key: `${prefix}*`, query };
        const answer = await request(call);
        const body = answer.json;
        if (!isObject(body) || !Array.isArray(body.items)) throw notTheProtocol(call, answer, '{ items: [{ key, version }], next? }');
        for (const item of body.items as { key?: unknown; version?: unknown }[]) {
          if (typeof item?.key === 'string' && typeof item.version === 'string') items.push({ key: item.key, version: item.version });
        }
        after = typeof body.next === 'string' ? body.next : undefined;
      } while (after !== undefined);
      return items;
    },
    // Imported statically: an import() here would make bundlers split the
    // core's shared modules into more chunks even for apps without a remote.
    watch: live ? (watcher) => watchChanges(requestOptions, watcher) : undefined,
  };
}
