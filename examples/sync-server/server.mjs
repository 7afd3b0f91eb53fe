// The reference sync server for redux-autosave's `httpRemote`: the protocol of
// DESIGN.md §4 on Node's `http` module, with no dependencies. Documents are
// kept one JSON file each (or in memory), versions are assigned here, and
// every write compares and writes in one step per key.
//
//   node examples/sync-server/server.mjs --port 8787 --dir ./.sync-data
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const PREFIX = '/api/autosave/';
/** Idempotency keys remembered per document: a client retries its latest pushes, not old ones. */
const REMEMBERED_KEYS = 1000;
const CORS_HEADERS = {
  'access-control-allow-methods': 'GET, PUT, OPTIONS',
  'access-control-allow-headers': 'If-Match, If-None-Match, Idempotency-Key, Content-Type, Authorization',
  'access-control-expose-headers': 'ETag',
  'access-control-max-age': '600',
};
// Only pages served from this machine may call it from a browser: any other
// site the user visits could otherwise read and overwrite the documents.
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The precondition header's entity tags, without quotes or weakness: `"3", W/"4"` → ['3', '4']. */
function tags(header) {
  return header.split(',').map((tag) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
}

function bodyOf(req, limit) {
  return new Promise((resolveBody, reject) => {
    if (Number(req.headers['content-length']) > limit) return reject(new HttpError(413, `the body is larger than ${limit} bytes`));
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= limit) return chunks.push(chunk);
      req.removeAllListeners('data');
      reject(new HttpError(413, `the body is larger than ${limit} bytes`));
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// Disk: one file per document. The name starts with the key, URL-encoded so
// that '/', '\\', '..' or a control character cannot leave `dir`, and ends with
// a hash of the exact key, so that keys differing only in case stay apart on
// case-insensitive file systems and long keys fit the name length limit.
function fileStore(dir) {
  const fileOf = (key) => {
    const readable = encodeURIComponent(key).replace(/[*.]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return join(dir, `${readable.slice(0, 100)}~${createHash('sha256').update(key).digest('hex').slice(0, 20)}.json`);
  };
  let ready;
  return {
    async get(key) {
      try {
        return JSON.parse(await readFile(fileOf(key), 'utf8'));
      } catch (error) {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      }
    },
    // Temp file, flushed, then renamed over the old one: a crash leaves the
    // old record or the new, never half of one. The directory is flushed too,
    // so the rename itself survives a power cut (not possible on Windows).
    async set(key, record) {
      await (ready ??= mkdir(dir, { recursive: true }));
      const target = fileOf(key);
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      const file = await open(temp, 'wx');
      try {
        await file.writeFile(JSON.stringify(record));
        await file.sync();
      } finally {
        await file.close();
      }
      try {
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      const folder = await open(dir, 'r').catch(() => undefined);
      await folder?.sync().catch(() => {});
      await folder?.close();
    },
  };
}

function memoryStore() {
  const records = new Map();
  return {
    get: async (key) => structuredClone(records.get(key)),
    set: async (key, record) => void records.set(key, structuredClone(record)),
  };
}

/**
 * Starts the server and resolves once it listens.
 *
 * @param {{ dir?: string, port?: number, host?: string, memory?: boolean, maxBodyBytes?: number }} [options]
 *   `dir` ('./.sync-data' in the working directory) holds one JSON file per
 *   document unless `memory` is true; `port` 0 picks a free port.
 * @returns {Promise<{ url: string, port: number, server: import('node:http').Server, close(): Promise<void>,
 *   stats(): { writes: number, replays: number, applied: Record<string, number> } }>}
 *   `url` is the endpoint to give `httpRemote`; `stats().applied` counts the
 *   writes applied per Idempotency-Key since the start, for tests.
 */
export async function createSyncServer({
  dir = './.sync-data',
  port = 8787,
  host = '127.0.0.1',
  memory = false,
  maxBodyBytes = 10 * 1024 * 1024,
} = {}) {
  const store = memory ? memoryStore() : fileStore(resolve(dir));
  const stats = { writes: 0, replays: 0, applied: {} };
  const loopbackOnly = LOOPBACK.test(host) || host === '::1';

  // Writes to one key run one after another, so that reading the current
  // version, comparing it and writing the next one is a single step.
  const queues = new Map();
  function serialize(key, task) {
    const run = (queues.get(key) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => {});
    queues.set(key, tail);
    tail.then(() => queues.get(key) === tail && queues.delete(key));
    return run;
  }

  async function put(key, req) {
    const text = await bodyOf(req, maxBodyBytes);
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'the body is not JSON; send { "data": … }');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body) || !('data' in body)) {
      throw new HttpError(400, 'the body must be a JSON object { "data": … }');
    }
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifMatch === undefined && ifNoneMatch === undefined) {
      throw new HttpError(428, 'a PUT needs If-Match: "<version>", or If-None-Match: * to create the document');
    }
    const idempotencyKey = req.headers['idempotency-key'];
    if (idempotencyKey !== undefined && idempotencyKey.length > 256) throw new HttpError(400, 'Idempotency-Key is longer than 256 characters');

    return serialize(key, async () => {
      const current = await store.get(key);
      // A key already applied answers as it did then, before any comparison:
      // the document has moved on since, and that is the point of the retry.
      const seen = idempotencyKey && current?.applied.find(([k]) => k === idempotencyKey);
      if (seen) {
        stats.replays++;
        return [200, { version: seen[1] }];
      }
      const conflict =
        (ifMatch !== undefined && (!current || !tags(ifMatch).some((tag) => tag === '*' || tag === current.version))) ||
        (ifNoneMatch !== undefined && current && tags(ifNoneMatch).some((tag) => tag === '*' || tag === current.version));
      if (conflict && !current) throw new HttpError(404, `there is no document at ${JSON.stringify(key)} to match If-Match ${ifMatch}`);
      if (conflict) return [412, { version: current.version, data: current.data }];

      const counter = (current?.counter ?? 0) + 1;
      // A counter for people, a random tail so that a version is never issued
      // twice, even after the store is wiped and a stale client comes back.
      const version = `${counter}-${randomBytes(4).toString('hex')}`;
      const applied = idempotencyKey ? [...(current?.applied ?? []), [idempotencyKey, version]].slice(-REMEMBERED_KEYS) : current?.applied ?? [];
      await store.set(key, { key, counter, version, data: body.data, applied });
      stats.writes++;
      if (idempotencyKey) stats.applied[idempotencyKey] = (stats.applied[idempotencyKey] ?? 0) + 1;
      return [200, { version }];
    });
  }

  async function handle(req, res) {
    const origin = req.headers.origin;
    if (origin) {
      let allowed = false;
      try {
        allowed = LOOPBACK.test(new URL(origin).hostname);
      } catch {
        // a malformed Origin is not allowed
      }
      if (allowed) res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
    }
    // A page on another site whose name resolves to 127.0.0.1 (DNS rebinding)
    // sends its own name as Host: refuse it while listening on loopback.
    const hostname = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (loopbackOnly && !LOOPBACK.test(hostname)) throw new HttpError(421, `this server answers to 127.0.0.1 or localhost, not ${hostname}`);

    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    if (path === '/api/health' && req.method === 'GET') return [200, { ok: true }];
    if (!path.startsWith(PREFIX) || path.length === PREFIX.length || path.includes('/', PREFIX.length)) {
      throw new HttpError(404, `no route ${req.method} ${path}; documents live at ${PREFIX}{key}`);
    }
    let key;
    try {
      key = decodeURIComponent(path.slice(PREFIX.length));
    } catch {
      throw new HttpError(400, 'the key is not valid URL encoding');
    }
    if (req.method === 'GET') {
      const current = await store.get(key);
      if (!current) throw new HttpError(404, `there is no document at ${JSON.stringify(key)}`);
      return [200, { version: current.version, data: current.data }];
    }
    if (req.method === 'PUT') return put(key, req);
    res.setHeader('allow', 'GET, PUT, OPTIONS');
    throw new HttpError(405, `${req.method} is not supported here`);
  }

  const server = createServer((req, res) => {
    handle(req, res)
      .catch((error) => {
        if (error instanceof HttpError) return [error.status, { error: error.message }];
        console.error(error);
        return [500, { error: 'the server failed to handle this request' }];
      })
      .then((answer) => {
        if (!answer || res.headersSent) return;
        const [status, body] = answer;
        const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
        if (typeof body.version === 'string') headers.etag = `"${body.version}"`;
        // Unread bytes of a refused body would be read as the next request.
        if (status === 413) headers.connection = 'close';
        res.writeHead(status, headers).end(JSON.stringify(body));
      });
  });

  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const actualPort = server.address().port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;

  return {
    url: `${origin}${PREFIX.slice(0, -1)}`,
    port: actualPort,
    server,
    stats: () => structuredClone(stats),
    async close() {
      const closed = new Promise((resolveClose) => server.close(() => resolveClose()));
      server.closeAllConnections();
      await closed;
      await Promise.all(queues.values());
    },
  };
}

function argument(name) {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const memory = process.argv.includes('--memory');
  const dir = argument('dir') ?? './.sync-data';
  const sync = await createSyncServer({ port: Number(argument('port') ?? 8787), host: argument('host'), dir, memory });
  console.log(`redux-autosave sync server: httpRemote({ url: '${sync.url}' })`);
  console.log(memory ? 'documents are kept in memory' : `documents are kept in ${resolve(dir)}`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => sync.close().then(() => process.exit(0)));
}
