export interface CorsOptions {
  /**
   * Origins whose pages may call the server from a browser, exactly as the
   * browser sends them (`'https://app.example.com'`). Requests from the
   * server's own origin need none.
   * @default []
   */
  origins: string[];
  /**
   * How long a browser may keep a preflight's answer.
   * @default 600
   */
  maxAgeSeconds?: number;
}

const ALLOW_METHODS = 'GET, PUT, PATCH, DELETE, OPTIONS';
const ALLOW_HEADERS = 'Authorization, Content-Type, Content-Encoding, If-Match, If-None-Match, Idempotency-Key, Last-Event-ID, X-Autosave-Client';
// Without these a page's script cannot read them: versions, backoff, and what the server accepts.
const EXPOSE_HEADERS = 'ETag, Retry-After, Accept-Patch, Accept-Encoding';

/**
 * The CORS headers for a request's `Origin`: none for an origin not listed
 * (the browser then keeps the answer from the page), `Vary: Origin` always,
 * so a cache never serves one origin's answer to another.
 */
export function corsHeaders(request: Request, cors: CorsOptions | undefined, preflight: boolean): Record<string, string> {
  const headers: Record<string, string> = { vary: 'Origin' };
  const origin = request.headers.get('origin');
  if (!origin || !cors?.origins.includes(origin)) return headers;
  headers['access-control-allow-origin'] = origin;
  headers['access-control-allow-credentials'] = 'true';
  if (preflight) {
    headers['access-control-allow-methods'] = ALLOW_METHODS;
    headers['access-control-allow-headers'] = ALLOW_HEADERS;
    headers['access-control-max-age'] = String(cors.maxAgeSeconds ?? 600);
  } else {
    headers['access-control-expose-headers'] = EXPOSE_HEADERS;
  }
  return headers;
}
