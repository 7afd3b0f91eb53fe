import type { IncomingMessage, ServerResponse } from 'node:http';

type Handler = (request: Request) => Promise<Response>;

/** Express sets `originalUrl` to the full path when it mounts an app under one; node:http has only `url`. */
type NodeRequest = IncomingMessage & { originalUrl?: string };

/**
 * The request body as a web stream that reads from the socket only as the
 * handler asks for more: a refused upload is not read on, and a slow one
 * holds at most one chunk here.
 */
function bodyStream(req: IncomingMessage): { stream: ReadableStream<Uint8Array>; drop(): void } {
  let dropped = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.pause();
        req.on('data', (chunk: Buffer) => {
          // After a refusal the rest of the body is read only to be dropped.
          if (dropped) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.on('end', () => {
          if (!dropped) controller.close();
        });
        req.on('close', () => {
          if (!req.complete && !dropped) controller.error(new Error('the client closed the request before its body was read'));
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        dropped = true;
        req.pause();
      },
    },
    { highWaterMark: 1 },
  );
  return {
    stream,
    drop() {
      dropped = true;
    },
  };
}

function requestOf(req: NodeRequest, signal: AbortSignal): { request: Request; dropBody(): void } {
  const secure = 'encrypted' in req.socket && Boolean(req.socket.encrypted);
  const url = new URL(req.originalUrl ?? req.url ?? '/', `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (let at = 0; at < req.rawHeaders.length; at += 2) headers.append(req.rawHeaders[at], req.rawHeaders[at + 1]);
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? bodyStream(req) : undefined;
  const request = new Request(url, { method, headers, signal, body: body?.stream, duplex: hasBody ? 'half' : undefined } as RequestInit);
  return { request, dropBody: () => body?.drop() };
}

/** How long a refused upload may go on arriving, unread, after its answer. */
const LINGER_MS = 5_000;

/**
 * The body was refused before it was read whole (413, 503, 408). Closing at
 * once would reset the socket under a client still sending, which then sees
 * a network error instead of the answer; so what still comes is read and
 * dropped (holding no memory) for a few seconds, and a client still sending
 * after that is cut off. One that finishes keeps its connection.
 */
function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
    timer.unref();
    req.once('end', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
    req.resume();
  });
}

async function send(response: Response, req: IncomingMessage, res: ServerResponse, dropBody: () => void): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie?.() ?? [];
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!req.complete) {
    dropBody();
    if (response.headers.get('connection') !== 'close') lingerThenClose(req, res);
  }
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.on('close', () => reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
    if (res.destroyed) return;
  }
  res.end();
}

/**
 * Mounts a `createSyncHandler` handler on `node:http` or Express: the Node
 * request becomes a `Request` (its full path from Express's `originalUrl`
 * when mounted under one), the `Response` is streamed back, and an aborted
 * connection aborts the request's `signal`.
 *
 * ```ts
 * http.createServer(toNodeListener(handler)).listen(8787);
 * app.use('/api/autosave', toNodeListener(handler)); // Express
 * ```
 */
export function toNodeListener(handler: Handler): (req: IncomingMessage, res: ServerResponse) => void {
  if (typeof handler !== 'function') throw new TypeError('redux-autosave: toNodeListener takes the function createSyncHandler returned');
  return (req, res) => {
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    // A socket error is the client's (it went away): Node closes the socket, and there is nothing to log.
    req.on('error', () => {});
    res.on('error', () => {});
    let request: Request;
    let dropBody: () => void;
    try {
      ({ request, dropBody } = requestOf(req as NodeRequest, aborted.signal));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end('{"error":"the request line or Host header is not a valid URL"}');
      return;
    }
    handler(request)
      .then((response) => send(response, req, res, dropBody))
      .catch((error) => {
        console.error('redux-autosave server: the handler failed outside its own error handling:', error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":"the server failed to handle this request"}');
        else res.destroy();
      });
  };
}
