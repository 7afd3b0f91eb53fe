import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { RemoteError } from '../src/errors';
import { httpRemote } from '../src/sync/httpRemote';
import { startSyncServer as startServer, type SyncServer } from './helpers/syncServer';

// The sync server of `redux-autosave/server` on 127.0.0.1, everyone in one
// shared space; closed after each test.
const running = new Set<() => Promise<void>>();

afterEach(async () => {
  await Promise.all([...running].map((close) => close()));
});

async function startSyncServer(options: { memory?: boolean; dir?: string }): Promise<SyncServer> {
  const server = await startServer(options);
  const close = async () => {
    running.delete(close);
    await server.close();
  };
  running.add(close);
  return { ...server, close };
}

async function caught(promise: Promise<unknown>): Promise<RemoteError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RemoteError);
  return error as RemoteError;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe.each([
  ['in memory', false],
  ['on disk', true],
])('httpRemote with the reference server %s', (_name, onDisk) => {
  let root: string;
  let dir: string;
  let server: SyncServer;
  let remote: ReturnType<typeof httpRemote>;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'redux-autosave-sync-'));
    dir = join(root, 'data');
    server = await startSyncServer(onDisk ? { dir } : { memory: true });
    remote = httpRemote({ url: server.url });
  });

  afterEach(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('pulls null for a document the server does not have', async () => {
    expect(await remote.pull('project:p1')).toBeNull();
  });

  it('creates a document and pulls it back with the version the server gave', async () => {
    const pushed = await remote.push('project:p1', { title: 'Pilot' }, { baseVersion: null, idempotencyKey: 'c1:1' });

    expect(pushed).toEqual({ ok: true, version: expect.any(String) });
    const version = (pushed as { version: string }).version;
    expect(await remote.pull('project:p1')).toEqual({ version, data: { title: 'Pilot' } });
  });

  it('writes on top of the version it was based on and gets a new one', async () => {
    const first = await remote.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' });
    const second = await remote.push('project:p1', { title: 'B' }, { baseVersion: (first as { version: string }).version, idempotencyKey: 'c1:2' });

    expect(second).toEqual({ ok: true, version: expect.any(String) });
    expect((second as { version: string }).version).not.toBe((first as { version: string }).version);
    expect(await remote.pull('project:p1')).toEqual({ version: (second as { version: string }).version, data: { title: 'B' } });
  });

  it('answers a push from a stale base with a conflict carrying the server copy, and writes nothing', async () => {
    const first = (await remote.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' })) as { version: string };
    const theirs = (await remote.push('project:p1', { title: 'Theirs' }, { baseVersion: first.version, idempotencyKey: 'c2:1' })) as {
      version: string;
    };

    const mine = await remote.push('project:p1', { title: 'Mine' }, { baseVersion: first.version, idempotencyKey: 'c1:2' });

    expect(mine).toEqual({ ok: false, conflict: { version: theirs.version, data: { title: 'Theirs' } } });
    expect(await remote.pull('project:p1')).toEqual({ version: theirs.version, data: { title: 'Theirs' } });
  });

  it('answers a create of a document that exists with a conflict', async () => {
    const first = (await remote.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' })) as { version: string };

    expect(await remote.push('project:p1', { title: 'B' }, { baseVersion: null, idempotencyKey: 'c2:1' })).toEqual({
      ok: false,
      conflict: { version: first.version, data: { title: 'A' } },
    });
  });

  it('lets exactly one of many concurrent writes from the same base win', async () => {
    const base = (await remote.push('project:p1', { n: 0 }, { baseVersion: null, idempotencyKey: 'c0:1' })) as { version: string };
    const creates = await Promise.all(
      Array.from({ length: 10 }, (_, n) => remote.push('project:p2', { n }, { baseVersion: null, idempotencyKey: `new${n}:1` })),
    );
    const updates = await Promise.all(
      Array.from({ length: 10 }, (_, n) => remote.push('project:p1', { n }, { baseVersion: base.version, idempotencyKey: `c${n}:2` })),
    );

    for (const results of [creates, updates]) {
      const winners = results.filter((result) => result.ok);
      expect(winners).toHaveLength(1);
      const version = (winners[0] as { version: string }).version;
      for (const result of results) if (!result.ok) expect(result.conflict.version).toBe(version);
    }
    // Versions count each document's writes: one create and one update of p1, one create of p2.
    expect((await remote.pull('project:p1'))?.version).toMatch(/^2-/);
    expect((await remote.pull('project:p2'))?.version).toMatch(/^1-/);
  });

  it('answers a repeated Idempotency-Key as it did the first time and applies it once', async () => {
    const first = await remote.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' });
    // Another client writes after it: the retry must not fail on the moved version nor write 'A' again.
    const other = (await remote.push('project:p1', { title: 'B' }, { baseVersion: (first as { version: string }).version, idempotencyKey: 'c2:1' })) as {
      version: string;
    };

    const again = await remote.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' });

    expect(again).toEqual(first);
    // Two writes applied, not three: the retry wrote nothing.
    expect(other.version).toMatch(/^2-/);
    expect(await remote.pull('project:p1')).toEqual({ version: other.version, data: { title: 'B' } });
  });

  it('calls the headers function once before each request', async () => {
    const headers = jest.fn(() => ({ authorization: 'Bearer t' }));
    const authorized = httpRemote({ url: server.url, headers });

    await authorized.pull('project:p1');
    await authorized.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' });
    await authorized.pull('project:p1');

    expect(headers).toHaveBeenCalledTimes(3);
  });

  it('fails a request whose headers function throws, without sending it', async () => {
    const fetchSpy = jest.fn(globalThis.fetch);
    const broken = httpRemote({
      url: server.url,
      fetch: fetchSpy,
      headers: () => {
        throw new Error('token store is locked');
      },
    });

    const error = await caught(broken.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' }));

    expect(error.message).toMatch(/^redux-autosave: PUT "project:p1" at http:\/\/127\.0\.0\.1:\d+\/api\/autosave\/project%3Ap1 /);
    expect(error.message).toContain('the `headers` function threw: token store is locked');
    expect(error).toMatchObject({ code: 'remote', retryable: false, offline: false, key: 'project:p1' });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('keeps keys with slashes, dots, spaces, unicode and control characters whole and apart', async () => {
    const keys = [
      'project:a/b',
      'project:../../../escaped',
      'project:..',
      'project:.hidden',
      'project:with space',
      'project:?query#hash%20&',
      'project:東京 ✓ 🎬',
      'project:tab\tnewline\nnul\u0000',
      'project:\\windows\\path',
      'project:Case',
      'project:case',
    ];
    for (const [index, key] of keys.entries()) {
      const pushed = await remote.push(key, { index, key }, { baseVersion: null, idempotencyKey: `c1:${index}` });
      expect(pushed).toMatchObject({ ok: true });
    }

    for (const [index, key] of keys.entries()) {
      expect((await remote.pull(key))?.data).toEqual({ index, key });
    }
    if (onDisk) {
      const files = filesUnder(root).filter((file) => file.endsWith('.json'));
      expect(files).toHaveLength(keys.length);
      // One file per document, each in the space's docs folder: no key made a folder of its own or left `data`.
      for (const file of files) expect(file).toMatch(/^data[/\\]spaces[/\\][^/\\]+[/\\]docs[/\\][^/\\]+\.json$/);
    }
  });

  it('reports a stopped server as offline and worth retrying', async () => {
    await server.close();

    const error = await caught(remote.pull('project:p1'));

    expect(error).toMatchObject({ offline: true, retryable: true, status: undefined });
    expect(error.message).toMatch(/^redux-autosave: GET "project:p1" at http:\/\/127\.0\.0\.1:\d+\/api\/autosave\/project%3Ap1 could not reach the server/);
  });

  if (onDisk) {
    it('keeps documents and remembered Idempotency-Keys across a restart', async () => {
      const first = await remote.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' });
      await server.close();
      server = await startSyncServer({ dir });
      remote = httpRemote({ url: server.url });

      expect(await remote.pull('project:p1')).toEqual({ version: (first as { version: string }).version, data: { title: 'A' } });
      expect(await remote.push('project:p1', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' })).toEqual(first);
      expect((await remote.pull('project:p1'))?.version).toBe((first as { version: string }).version);
    });
  }
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface RawServer {
  url: string;
  requests: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[];
}

// A server of the test's own, saying what a broken or hostile endpoint says.
async function rawServer(handler: Handler): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const requests: RawServer['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const close = async () => {
    running.delete(close);
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(done));
  };
  running.add(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/autosave`, requests };
}

function answer(status: number, body: string, headers: Record<string, string> = {}): Handler {
  return (_req, res) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

describe('httpRemote against a server that misbehaves', () => {
  const meta = { baseVersion: null, idempotencyKey: 'c1:1' };

  it('sends the protocol headers, the given headers and the key as one encoded path segment', async () => {
    const raw = await rawServer(answer(200, '{"version":"8"}'));
    const remote = httpRemote({ url: `${raw.url}/`, headers: async () => ({ Authorization: 'Bearer t', 'X-App': 'editor' }) });

    await remote.push('project:a/b c', { title: 'A' }, { baseVersion: null, idempotencyKey: 'c1:1' });
    await remote.push('project:a/b c', { title: 'B' }, { baseVersion: '8', idempotencyKey: 'c1:2' });

    const [create, update] = raw.requests;
    expect(create).toMatchObject({ method: 'PUT', url: '/api/autosave/project%3Aa%2Fb%20c', body: '{"data":{"title":"A"}}' });
    expect(create.headers).toMatchObject({
      'if-none-match': '*',
      'idempotency-key': 'c1:1',
      'content-type': 'application/json',
      authorization: 'Bearer t',
      'x-app': 'editor',
    });
    expect(create.headers['if-match']).toBeUndefined();
    expect(update.headers).toMatchObject({ 'if-match': '"8"', 'idempotency-key': 'c1:2' });
    expect(update.headers['if-none-match']).toBeUndefined();
  });

  it.each([
    ['an HTML page', '<!doctype html><html><body>Welcome</body></html>', 'text/html'],
    ['truncated JSON', '{"version":"3","da', 'application/json'],
    ['JSON without a version', '{"data":{"title":"A"}}', 'application/json'],
    ['a version that is not a string', '{"version":3,"data":{}}', 'application/json'],
    ['an empty body', '', 'application/json'],
  ])('reports %s as a body that is not the protocol JSON', async (_name, body, type) => {
    const raw = await rawServer(answer(200, body, { 'content-type': type }));

    const error = await caught(httpRemote({ url: raw.url }).pull('project:p1'));

    expect(error.message).toContain(`redux-autosave: GET "project:p1" at ${raw.url}/project%3Ap1 answered 200 with a body that is not the autosave protocol's JSON`);
    expect(error).toMatchObject({ status: 200, retryable: false, offline: false });
  });

  it('reports a 412 without the server copy as a body that is not the protocol JSON', async () => {
    const raw = await rawServer(answer(412, '{"version":"4"}'));

    const error = await caught(httpRemote({ url: raw.url }).push('project:p1', {}, meta));

    expect(error.message).toContain("answered 412 with a body that is not the autosave protocol's JSON { version, data }");
  });

  it('reports a 503 as retryable, not offline, with Retry-After in seconds', async () => {
    const raw = await rawServer(answer(503, '{"error":"down for maintenance"}', { 'retry-after': '2' }));

    const error = await caught(httpRemote({ url: raw.url }).push('project:p1', {}, meta));

    expect(error).toMatchObject({ status: 503, retryable: true, offline: false, retryAfterMs: 2000 });
    expect(error.message).toBe(`redux-autosave: PUT "project:p1" at ${raw.url}/project%3Ap1 answered 503: down for maintenance`);
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const raw = await rawServer(answer(503, '', { 'retry-after': at }));

    const error = await caught(httpRemote({ url: raw.url }).pull('project:p1'));

    expect(error.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('reports a 429 as retryable', async () => {
    const raw = await rawServer(answer(429, 'slow down', { 'content-type': 'text/plain' }));

    const error = await caught(httpRemote({ url: raw.url }).pull('project:p1'));

    expect(error).toMatchObject({ status: 429, retryable: true, offline: false, retryAfterMs: undefined });
    expect(error.message).toMatch(/answered 429: slow down$/);
  });

  it("reports a 400 with the server's message, not to be retried", async () => {
    const raw = await rawServer(answer(400, '{ "error": "title too long" }'));

    const error = await caught(httpRemote({ url: raw.url }).push('project:p1', { title: 'x'.repeat(500) }, meta));

    expect(error).toMatchObject({ status: 400, retryable: false, offline: false, key: 'project:p1' });
    expect(error.message).toBe(`redux-autosave: PUT "project:p1" at ${raw.url}/project%3Ap1 answered 400: title too long`);
  });

  it('keeps a long error page to a short line', async () => {
    const raw = await rawServer(answer(403, `Forbidden\n\n${'because '.repeat(200)}`, { 'content-type': 'text/plain' }));

    const error = await caught(httpRemote({ url: raw.url }).pull('project:p1'));

    expect(error.message).toMatch(/answered 403: Forbidden because because .*…$/);
    expect(error.message.length).toBeLessThan(350);
  });

  it('refuses a streamed body past maxResponseBytes and stops reading it', async () => {
    const total = 1024 * 1024;
    let sent = 0;
    let finished = false;
    let reportClose: (early: boolean) => void = () => {};
    const closedEarly = new Promise<boolean>((done) => (reportClose = done));
    const raw = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('close', () => reportClose(!finished));
      const chunk = Buffer.alloc(16 * 1024, 'x');
      // Paced, so that the client's refusal lands before the server could
      // have pushed the whole megabyte into the socket buffers.
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        res.write(chunk);
        sent += chunk.length;
        if (sent >= total) {
          clearInterval(timer);
          finished = true;
          res.end();
        }
      }, 2);
    });

    const error = await caught(httpRemote({ url: raw.url, maxResponseBytes: 1024 }).pull('project:p1'));

    expect(error.message).toContain('answered 200 with a body larger than `maxResponseBytes` (1024 bytes), so it was not read');
    expect(error).toMatchObject({ status: 200, retryable: false });
    expect(await closedEarly).toBe(true);
    expect(sent).toBeLessThan(total);
  });

  it('refuses a body whose Content-Length is past maxResponseBytes before reading it', async () => {
    const raw = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024) });
      res.write(Buffer.alloc(1024, ' '));
    });

    // Only the header can tell: the bytes sent so far are within the limit and no more come.
    const error = await caught(httpRemote({ url: raw.url, maxResponseBytes: 1024, timeoutMs: 500 }).pull('project:p1'));

    expect(error.message).toContain('larger than `maxResponseBytes`');
  });

  it('gives up on a server that never answers after timeoutMs, as offline', async () => {
    const raw = await rawServer(() => {});
    const started = Date.now();

    const error = await caught(httpRemote({ url: raw.url, timeoutMs: 200 }).pull('project:p1'));

    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({ offline: true, retryable: true, status: undefined });
    expect(error.message).toBe(`redux-autosave: GET "project:p1" at ${raw.url}/project%3Ap1 had no complete answer within 200 ms (\`timeoutMs\`)`);
  });

  it('gives up on a server that stalls halfway through its body', async () => {
    const raw = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"version":"1","data":');
    });

    const error = await caught(httpRemote({ url: raw.url, timeoutMs: 200 }).pull('project:p1'));

    expect(error).toMatchObject({ offline: true, retryable: true });
    expect(error.message).toContain('had no complete answer within 200 ms');
  });
});

describe('httpRemote options', () => {
  afterEach(() => {
    delete (globalThis as { location?: unknown }).location;
  });

  it('resolves a relative url against the page location', async () => {
    const raw = await rawServer(answer(404, '{"error":"missing"}'));
    (globalThis as { location?: unknown }).location = { href: `${raw.url.replace('/api/autosave', '')}/projects/p1?tab=2` };

    expect(await httpRemote({ url: '/api/autosave' }).pull('project:p1')).toBeNull();
    expect(raw.requests[0].url).toBe('/api/autosave/project%3Ap1');
  });

  it('fails requests to a relative url where there is no location, naming the option', async () => {
    const error = await caught(httpRemote({ url: '/api/autosave' }).pull('project:p1'));

    expect(error.message).toBe(
      'redux-autosave: httpRemote `url` "/api/autosave" must be an absolute URL where there is no page location to resolve it against (GET "project:p1")',
    );
    expect(error.retryable).toBe(false);
  });

  it('keeps a query string in the url after the key', async () => {
    const raw = await rawServer(answer(404, ''));

    await httpRemote({ url: `${raw.url}?tenant=7` }).pull('project:p1');

    expect(raw.requests[0].url).toBe('/api/autosave/project%3Ap1?tenant=7');
  });

  it('refuses the keys "." and ".." that no URL can carry as a segment', async () => {
    const error = await caught(httpRemote({ url: 'http://127.0.0.1:9/api/autosave' }).pull('..'));

    expect(error.message).toContain('cannot be sent in a URL');
    expect(error.retryable).toBe(false);
  });

  it.each([
    [{ url: '' }, '`url` must be a non-empty string, received the string ""'],
    [{ url: 42 }, '`url` must be a non-empty string, received number 42'],
    [{ url: 'http://x', timeoutMs: 0 }, '`timeoutMs` must be a number of milliseconds above 0, received number 0'],
    [{ url: 'http://x', timeoutMs: '200' }, '`timeoutMs` must be a number of milliseconds above 0, received the string "200"'],
    [{ url: 'http://x', maxResponseBytes: '1mb' }, '`maxResponseBytes` must be a number of bytes above 0, received the string "1mb"'],
    [{ url: 'http://x', headers: 'Bearer t' }, '`headers` must be an object or a function, received the string "Bearer t"'],
    [{ url: 'http://x', fetch: 'no' }, '`fetch` must be a function'],
  ])('throws at once for bad options: %j', (options, message) => {
    expect(() => httpRemote(options as never)).toThrow(`redux-autosave: httpRemote ${message}`);
  });
});
