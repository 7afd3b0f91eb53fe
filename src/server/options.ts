import type { CorsOptions } from './http/cors';
import type { LiveOptions } from './live/options';
import type { SyncStore } from './types';

/** Who is asking: the space their documents live in. */
export interface Principal {
  userId: string;
}

/**
 * Decides who a request comes from: `{ userId }`, or `null` to answer `401`.
 * It may read a header, a cookie, or call an identity provider.
 *
 * ```ts
 * authorize: async (request) => {
 *   const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
 *   const user = token ? await sessions.verify(token) : null;
 *   return user ? { userId: user.id } : null;
 * }
 * ```
 */
export type Authorize = (request: Request) => Principal | null | Promise<Principal | null>;

/** A schema the server validates documents of one collection with: a zod schema fits. */
export interface ServerSchema {
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: unknown[] } };
  safeParseAsync?(value: unknown): Promise<{ success: true } | { success: false; error: { issues: unknown[] } }>;
}

export interface SpaceQuota {
  /** @default 268_435_456 (256 MB) */
  maxBytes?: number;
  /** @default 10_000 */
  maxDocuments?: number;
}

export interface SyncHandlerOptions {
  /** Where documents are kept: `fileStore(dir)`, `memoryStore()`, or a database store. */
  store: SyncStore;
  /**
   * Required. Who a request comes from (its space), or `null` for `401`.
   * `'anonymous'` opts out on purpose: one shared space, and requests are
   * answered only when their `Host` is a loopback name or in `allowedHosts`
   * (DNS rebinding would otherwise reach a server on 127.0.0.1).
   */
  authorize: Authorize | 'anonymous';
  /**
   * The path documents live under: `GET {basePath}/{key}`.
   * @default '/api/autosave'
   */
  basePath?: string;
  /** Browser origins other than the server's own. @default none */
  cors?: CorsOptions;
  /** With `authorize: 'anonymous'`, host names answered besides loopback ones. @default [] */
  allowedHosts?: string[];
  /** @default 10_485_760 (10 MB) */
  maxBodyBytes?: number;
  /**
   * Bytes of request bodies read at once across all requests; past it `503`
   * with `Retry-After`.
   * @default 4 × maxBodyBytes
   */
  maxBufferedBytes?: number;
  /** Uploads read at once; past it `503` with `Retry-After`. @default 256 */
  maxConcurrentUploads?: number;
  /** A body must arrive whole within this; else `408`. @default 60_000 */
  bodyTimeoutMs?: number;
  /** JSON nested deeper is refused with `400`. @default 100 */
  maxJsonDepth?: number;
  /** Limits of each space, or a function of the user id for per-user plans. @default { maxBytes: 256 MB, maxDocuments: 10_000 } */
  quota?: SpaceQuota | ((userId: string) => SpaceQuota | Promise<SpaceQuota>);
  /**
   * Validates documents on the server, by collection (the key's part before
   * its first ':'): a document that fails is `422` with the issues. With
   * `schemas` given, keys of other collections are refused too.
   * @default none
   */
  schemas?: Record<string, ServerSchema>;
  /**
   * The live changes stream, `GET {basePath}/_changes`: its heartbeat, how
   * long a stream lasts, how many one user may hold; `false` turns it off.
   * @default { heartbeatMs: 25_000, maxStreamMs: 300_000, maxStreamsPerUser: 8 }
   */
  live?: LiveOptions | false;
  /** Told about the server's own failures (never the client's). @default a line on console.error */
  onError?: (error: unknown, request: Request) => void;
}

export type ResolvedOptions = Required<Omit<SyncHandlerOptions, 'cors' | 'schemas' | 'quota' | 'live'>> &
  Pick<SyncHandlerOptions, 'cors' | 'schemas'> & { quota: NonNullable<SyncHandlerOptions['quota']> };

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function fail(option: string, expected: string, received: unknown): never {
  throw new TypeError(`redux-autosave: createSyncHandler \`${option}\` must be ${expected}, received ${describeValue(received)}`);
}

export const DEFAULT_BASE_PATH = '/api/autosave';

/** The base path without a trailing '/', the default when none is given. */
export function basePathOf(options: Pick<SyncHandlerOptions, 'basePath'>): string {
  return (options.basePath ?? DEFAULT_BASE_PATH).replace(/\/+$/, '');
}

const isCount = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value > 0;

/** Checks the options and sets every default, in one place. */
export function resolveOptions(options: SyncHandlerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  const { store, authorize, cors, schemas } = options;
  if (typeof store?.get !== 'function' || typeof store.write !== 'function') fail('store', 'a SyncStore (fileStore(dir), memoryStore(), …)', store);
  if (authorize !== 'anonymous' && typeof authorize !== 'function') {
    fail('authorize', "a function (request) => { userId } | null, or 'anonymous' to let everyone in one shared space", authorize);
  }
  if (options.basePath !== undefined && (typeof options.basePath !== 'string' || !options.basePath.startsWith('/'))) {
    fail('basePath', "a path starting with '/'", options.basePath);
  }
  const basePath = basePathOf(options);
  if (cors !== undefined && (!Array.isArray(cors?.origins) || cors.origins.some((o) => typeof o !== 'string' || o.endsWith('/')))) {
    fail('cors.origins', "an array of origins such as 'https://app.example.com' (no path, no trailing '/')", cors?.origins);
  }
  if (schemas !== undefined) {
    for (const [name, schema] of Object.entries(schemas ?? {})) {
      if (typeof schema?.safeParse !== 'function') fail(`schemas.${name}`, 'a zod schema (something with safeParse)', schema);
    }
  }
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const resolved: ResolvedOptions = {
    store,
    authorize,
    basePath,
    cors,
    schemas,
    allowedHosts: options.allowedHosts ?? [],
    maxBodyBytes,
    maxBufferedBytes: options.maxBufferedBytes ?? 4 * maxBodyBytes,
    maxConcurrentUploads: options.maxConcurrentUploads ?? 256,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 60_000,
    maxJsonDepth: options.maxJsonDepth ?? 100,
    quota: options.quota ?? { maxBytes: 256 * 1024 * 1024, maxDocuments: 10_000 },
    onError: options.onError ?? ((error, request) => console.error(`redux-autosave server: ${request.method} ${new URL(request.url).pathname} failed:`, error)),
  };
  for (const option of ['maxBodyBytes', 'maxBufferedBytes', 'maxConcurrentUploads', 'bodyTimeoutMs', 'maxJsonDepth'] as const) {
    if (!isCount(resolved[option])) fail(option, 'a whole number above 0', resolved[option]);
  }
  if (resolved.maxBufferedBytes < maxBodyBytes) fail('maxBufferedBytes', `at least maxBodyBytes (${maxBodyBytes})`, resolved.maxBufferedBytes);
  if (!Array.isArray(resolved.allowedHosts)) fail('allowedHosts', 'an array of host names', resolved.allowedHosts);
  if (typeof resolved.onError !== 'function') fail('onError', 'a function', resolved.onError);
  return resolved;
}
