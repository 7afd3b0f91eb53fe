import { spaceOf } from './auth';
import { refuse, Refusal, type Answer } from './http/answer';
import { ClientGone, UploadBudget } from './http/body';
import { corsHeaders } from './http/cors';
import { ACCEPTED_ENCODINGS, encodeAnswer } from './http/encoding';
import { InFlight } from './idempotency';
import { resolveOptions, type SyncHandlerOptions } from './options';
import type { HandlerState } from './routes/context';
import { deleteDocument, getDocument, putDocument } from './routes/documents';
import { resolveLiveOptions } from './live/options';
import { streamChanges, StreamCounts } from './routes/changes';
import { listDocuments } from './routes/listing';
import { ACCEPT_PATCH, patchDocument } from './routes/patch';
import { StoreUnavailableError } from './stores/unavailable';

const DOCUMENT_METHODS = 'GET, PUT, PATCH, DELETE, OPTIONS';
const MAX_KEY = 1024;

/** The protocol this server speaks, for clients to decide what to send. */
function capabilities(state: HandlerState): Answer {
  return { status: 200, json: JSON.stringify({ protocol: 1, patch: true, gzip: true, live: state.live !== false, retentionMs: state.options.store.retentionMs }) };
}

/** The key of `/{basePath}/{key}`, `''` for the collection itself, `undefined` for a path outside. */
function keyOf(pathname: string, basePath: string): string | undefined | Answer {
  if (pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return undefined;
  const rest = pathname.slice(basePath.length + 1);
  if (rest.includes('/')) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(rest);
  } catch {
    return refuse(400, 'the key is not valid URL encoding (one path segment, UTF-8)');
  }
  if (key.length > MAX_KEY) return refuse(414, `the key is longer than ${MAX_KEY} characters`);
  return key;
}

async function route(request: Request, state: HandlerState, streams: StreamCounts): Promise<Answer> {
  const { pathname } = new URL(request.url);
  const key = keyOf(pathname, state.options.basePath);
  if (key === undefined) return refuse(404, `no route ${request.method} ${pathname}; documents live at ${state.options.basePath}/{key}`);
  if (typeof key === 'object') return key;
  const method = request.method;
  // Health answers load balancers before any check: it reveals nothing.
  if (key === 'health') return method === 'GET' ? { status: 200, json: '{"ok":true}' } : refuse(405, 'health answers GET', {}, { allow: 'GET' });

  const access = await spaceOf(request, state.options);
  if ('status' in access) return access;
  const { space } = access;

  if (key === '_capabilities') return method === 'GET' ? capabilities(state) : refuse(405, '_capabilities answers GET', {}, { allow: 'GET' });
  if (key === '_changes') return streamChanges(request, space, state, streams);
  if (key === '') return method === 'GET' ? listDocuments(request, space, state) : refuse(405, 'the collection answers GET ?prefix=', {}, { allow: 'GET' });
  // Names starting with '_' are the protocol's own.
  if (key.startsWith('_')) return refuse(404, `${JSON.stringify(key)} is reserved for the protocol and not served here`);
  const target = { request, space, key };
  if (method === 'GET') return getDocument(target, state);
  if (method === 'PUT') return putDocument(target, state);
  if (method === 'PATCH') return patchDocument(target, state);
  if (method === 'DELETE') return deleteDocument(target, state);
  return refuse(405, `${method} is not supported here`, {}, { allow: DOCUMENT_METHODS });
}

/**
 * The sync server as one function of the Web's `Request` to a `Response`:
 * it mounts as it is in Hono, Next.js route handlers, Deno and Bun, and in
 * `node:http` or Express through `toNodeListener`.
 *
 * ```ts
 * const handler = createSyncHandler({
 *   store: fileStore('./.sync-data'),
 *   authorize: async (request) => (await userFromToken(request)) ?? null,
 *   cors: { origins: ['https://app.example.com'] },
 * });
 * http.createServer(toNodeListener(handler)).listen(8787);
 * ```
 */
export function createSyncHandler(options: SyncHandlerOptions): (request: Request) => Promise<Response> {
  const resolved = resolveOptions(options);
  const state: HandlerState = {
    options: resolved,
    budget: new UploadBudget(resolved.maxBufferedBytes, resolved.maxConcurrentUploads),
    inFlight: new InFlight(),
    live: resolveLiveOptions(options.live),
  };
  const streams = new StreamCounts();
  return async function handle(request) {
    const preflight = request.method === 'OPTIONS';
    const cors = corsHeaders(request, resolved.cors, preflight);
    if (preflight) return new Response(null, { status: 204, headers: cors });
    let result: Answer;
    try {
      result = await route(request, state, streams);
    } catch (error) {
      if (error instanceof Refusal) result = error.answer;
      // Nobody is there to read an answer, and it is no failure of the server's: nothing to log.
      else if (error instanceof ClientGone) result = refuse(400, 'the request was closed before its body arrived');
      // The database is restarting or out of reach: clients retry a 503 after Retry-After, and the write was whole or not at all.
      else if (error instanceof StoreUnavailableError) {
        result = refuse(503, 'the server cannot reach its database just now; try again shortly', {}, { 'retry-after': String(error.retryAfterSeconds) });
      }
      else {
        try {
          resolved.onError(error, request);
        } catch {
          // onError's own failure must not turn into a leak of the first one
        }
        result = refuse(500, 'the server failed to handle this request');
      }
    }
    // Every answer says what a PATCH and a request body may be (RFC 5789,
    // RFC 7694). The event stream goes as it is: never compressed.
    const encoded = result.body ? { body: result.body, headers: {} } : await encodeAnswer(request, result);
    const vary = { vary: cors.vary ? `${cors.vary}, Accept-Encoding` : 'Accept-Encoding' };
    return new Response(encoded.body, {
      status: result.status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...ACCEPT_PATCH, ...ACCEPTED_ENCODINGS, ...cors, ...vary, ...result.headers, ...encoded.headers },
    });
  };
}
