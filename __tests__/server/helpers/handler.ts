import { createSyncHandler, memoryStore, type SyncHandlerOptions, type SyncStore } from '../../../src/server';

export const TOKENS: Record<string, string> = {
  'token-alice-0123456789': 'alice',
  'token-bob-0123456789ab': 'bob',
  'token-colon-0123456789': 'a:b',
  'token-plain-0123456789': 'a',
  'token-slash-0123456789': 'a/b',
};

/** Bearer tokens to user ids, as an app's `authorize` would. */
export const bearer: SyncHandlerOptions['authorize'] = (request) => {
  const token = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
  return token && TOKENS[token] ? { userId: TOKENS[token] } : null;
};

export const tokenOf = (userId: string) => Object.keys(TOKENS).find((token) => TOKENS[token] === userId)!;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

/**
 * A handler over a memory store, called with `Request`s as Hono or Next.js
 * would, and the answer read as a client reads it.
 */
export function testHandler(options: Partial<SyncHandlerOptions> = {}) {
  const store: SyncStore = options.store ?? memoryStore();
  const handler = createSyncHandler({ store, authorize: bearer, ...options });
  async function call(
    method: string,
    key: string | null,
    { body, headers = {}, user = 'alice', origin = 'http://127.0.0.1:8787' }: { body?: BodyInit; headers?: Record<string, string>; user?: string | null; origin?: string } = {},
  ): Promise<Reply> {
    const path = key === null ? '' : `/${encodeURIComponent(key)}`;
    const auth: Record<string, string> = user ? { authorization: `Bearer ${tokenOf(user)}` } : {};
    const init = { method, headers: { ...auth, ...headers }, body, duplex: 'half' } as RequestInit;
    const response = await handler(new Request(`${origin}/api/autosave${path}`, init));
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // an empty answer (204)
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }
  const create = (key: string, data: unknown, user = 'alice', headers: Record<string, string> = {}) =>
    call('PUT', key, { user, body: JSON.stringify({ data }), headers: { 'if-none-match': '*', ...headers } });
  const update = (key: string, version: string, data: unknown, user = 'alice', headers: Record<string, string> = {}) =>
    call('PUT', key, { user, body: JSON.stringify({ data }), headers: { 'if-match': `"${version}"`, ...headers } });
  return { store, handler, call, create, update };
}

/** A request body that sends `first` and then waits for `finish()` (or `fail()`). */
export function heldBody(first: string) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(new TextEncoder().encode(first));
    },
  });
  return {
    stream,
    finish(rest = '') {
      if (rest) controller.enqueue(new TextEncoder().encode(rest));
      controller.close();
    },
  };
}
