// A small sync server on 127.0.0.1 that speaks the design's §4 documents and
// §10 live changes (`GET {url}/_changes`, an event stream), with handles to
// misbehave: refuse the stream, never say hello, send raw bytes, drop every
// stream. It counts what clients ask for, so tests assert on requests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ChangeEvent {
  cursor: number;
  key: string;
  version: string;
  deleted?: true;
  client?: string;
}

export interface LiveServerOptions {
  /** Answer `_changes` with this instead of a stream (the status, its headers, a body). */
  refuse?: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string } | undefined;
  /** Open streams but never say hello. */
  silent?: boolean;
  /** Change events kept for resuming; an older Last-Event-ID gets `reset`. */
  retention?: number;
}

export async function startLiveServer(options: LiveServerOptions = {}) {
  const documents = new Map<string, { version: string; data: unknown }>();
  const events: ChangeEvent[] = [];
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  /** Every `_changes` request: its Last-Event-ID and Authorization. */
  const watches: { lastEventId: string | undefined; authorization: string | undefined }[] = [];
  /** GETs of documents, per key. */
  const pulls = new Map<string, number>();
  /** Every write: key and its X-Autosave-Client. */
  const writes: { key: string; client: string | undefined }[] = [];
  let cursor = 0;
  let versions = 0;
  const waiters = new Set<{ check: () => boolean; resolve: () => void }>();
  const poke = () => {
    for (const waiter of waiters) if (waiter.check()) (waiters.delete(waiter), waiter.resolve());
  };

  function record(key: string, version: string, client: string | undefined, deleted = false): void {
    const event: ChangeEvent = { cursor: ++cursor, key, version, ...(deleted ? { deleted: true as const } : {}), ...(client ? { client } : {}) };
    events.push(event);
    if (events.length > (options.retention ?? 1000)) events.shift();
    const { cursor: id, ...data } = event;
    for (const stream of streams) stream.write(`event: change\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  function write(key: string, data: unknown, client?: string): string {
    const version = `v${++versions}`;
    documents.set(key, { version, data });
    record(key, version, client);
    return version;
  }

  function watch(req: IncomingMessage, res: ServerResponse): void {
    const lastEventId = req.headers['last-event-id'] as string | undefined;
    watches.push({ lastEventId, authorization: req.headers.authorization });
    const refusal = options.refuse?.(req);
    if (refusal) {
      res.writeHead(refusal.status, { 'content-type': 'application/json', ...refusal.headers }).end(refusal.body ?? '{"error":"no"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    streams.add(res);
    res.on('close', () => (streams.delete(res), poke()));
    if (options.silent) return void res.write(': waiting\n\n');
    // The cursor as a number, as redux-autosave/server sends it (liveRemote sends strings).
    res.write(`event: hello\ndata: ${JSON.stringify({ cursor })}\n\n`);
    if (lastEventId === undefined) return;
    const after = Number(lastEventId);
    if (events.length > 0 && after < events[0].cursor - 1) return void res.write(`event: reset\ndata: ${JSON.stringify({ cursor })}\n\n`);
    for (const { cursor: id, ...data } of events.filter((e) => e.cursor > after)) res.write(`event: change\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  function document(req: IncomingMessage, res: ServerResponse, key: string, body: string): void {
    const json = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const current = documents.get(key);
    if (req.method === 'GET') {
      pulls.set(key, (pulls.get(key) ?? 0) + 1);
      return current ? json(200, current) : json(404, { error: 'not found' });
    }
    const client = req.headers['x-autosave-client'] as string | undefined;
    const ifMatch = req.headers['if-match']?.replace(/^"(.*)"$/, '$1');
    if (current ? ifMatch !== '*' && ifMatch !== current.version : ifMatch !== undefined && ifMatch !== '*') return json(412, current ?? { error: 'gone' });
    writes.push({ key, client });
    if (req.method === 'DELETE') {
      documents.delete(key);
      record(key, `v${++versions}`, client, true);
      return json(200, {});
    }
    return json(200, { version: write(key, (JSON.parse(body) as { data: unknown }).data, client) });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url!, 'http://x').pathname.replace(/^\/api\//, '');
      if (path === '_changes') watch(req, res);
      else document(req, res, decodeURIComponent(path), Buffer.concat(chunks).toString());
      poke();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api`,
    documents,
    watches,
    pulls,
    writes,
    /** A write by another device (`client`), told to every stream. */
    write,
    /** Bytes for every open stream, as they are. */
    send(text: string) {
      for (const stream of streams) stream.write(text);
    },
    /** The cursor of the last change. */
    get cursor() {
      return cursor;
    },
    /** How many streams are open now. */
    get open() {
      return streams.size;
    },
    /** Resolves once `check` holds: checked now, after each request, and as streams close. */
    until(check: () => boolean): Promise<void> {
      return new Promise((resolve) => (check() ? resolve() : void waiters.add({ check, resolve })));
    },
    /** Ends every open stream cleanly, as a server's `maxStreamMs` does. */
    endStreams() {
      for (const stream of streams) stream.end();
    },
    /** Cuts every open stream, as a crashed process or a proxy would. */
    dropStreams() {
      for (const stream of streams) stream.destroy();
    },
    async close() {
      for (const stream of streams) stream.end();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type LiveServer = Awaited<ReturnType<typeof startLiveServer>>;
