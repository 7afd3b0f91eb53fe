// `npm start`: builds the package and this app, then serves the app and the
// sync server of `redux-autosave/server` side by side on 127.0.0.1 until Ctrl-C.
//
//   PORT (default 5173): the app     SYNC_PORT (default 8787): the sync server
//   SYNC_DIR (default ./.sync-data): where the sync server keeps documents (fileStore)
//
// Users: `/?user=alice` signs the page in as alice — a demo sign-in: this
// server makes each user a random bearer token, hands it to the page in a
// <meta> tag, and the sync server's `authorize` maps tokens back to users, so
// each user's documents live in a space of their own.
//
// `startDashboard()` is what the browser tests start, on free ports.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const appDir = join(here, 'dist');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Builds the package (dist/) and the app (examples/dashboard/dist/). */
export async function buildDashboard({ quiet = false } = {}) {
  const log = quiet ? () => {} : (line) => console.log(line);
  log('building redux-autosave…');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: quiet ? 'pipe' : 'inherit' });
  log('building the dashboard…');
  const { build } = await import('vite');
  await build({ configFile: join(here, 'vite.config.mjs'), logLevel: quiet ? 'silent' : 'warn' });
}

const escape = (text) => text.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Demo sign-in: a random bearer token per user name, and back. */
function demoSessions() {
  const tokens = new Map();
  const users = new Map();
  return {
    tokenFor(user) {
      if (!tokens.has(user)) {
        const token = randomBytes(24).toString('base64url');
        tokens.set(user, token);
        users.set(token, user);
      }
      return tokens.get(user);
    },
    /** The sync server's `authorize`: `Authorization: Bearer <token>` → `{ userId }`, or null (401). */
    authorize(request) {
      const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
      const userId = token && users.get(token);
      return userId ? { userId } : null;
    },
  };
}

/**
 * Serves the built app; index.html learns the sync server's address, the
 * user (`?user=`, default "demo") and that user's token from <meta> tags.
 */
async function startAppServer({ port, host, syncUrl, tokenFor }) {
  const template = await readFile(join(appDir, 'index.html'), 'utf8');
  const indexFor = (user) =>
    template.replace(
      '<meta charset="utf-8" />',
      `<meta charset="utf-8" />\n    <meta name="sync-url" content="${escape(syncUrl())}" />` +
        `\n    <meta name="sync-user" content="${escape(user)}" />\n    <meta name="sync-token" content="${escape(tokenFor(user))}" />`,
    );
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const wanted = url.searchParams.get('user') ?? 'demo';
    const user = /^[\w-]{1,40}$/.test(wanted) ? wanted : 'demo';
    const file = resolve(appDir, `.${path}`);
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw Object.assign(new Error('method'), { status: 405 });
      if (path !== '/' && path !== '/index.html' && (file.startsWith(appDir + sep) && (await stat(file)).isFile())) {
        const body = await readFile(file);
        // Vite names assets by content hash: they never change under a name.
        const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      if (path !== '/' && path !== '/index.html' && extname(path)) throw Object.assign(new Error('missing'), { status: 404 });
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : indexFor(user));
    } catch (error) {
      const status = error.status ?? (error.code === 'ENOENT' ? 404 : 500);
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(status === 404 ? 'not found' : 'error');
    }
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolveListen);
  });
  return server;
}

/**
 * Starts the app server and the sync server (build first with
 * `buildDashboard()`: the sync server is the built `redux-autosave/server`).
 * Port 0 picks a free one. The sync server can be stopped and started again
 * on its port, as the offline test does.
 */
export async function startDashboard({ port = 5173, syncPort = 8787, syncDir = './.sync-data', memory = false, host = '127.0.0.1' } = {}) {
  const { createSyncServer, fileStore, memoryStore } = await import('redux-autosave/server');
  const sessions = demoSessions();
  let syncUrl = '';
  const app = await startAppServer({ port, host, syncUrl: () => syncUrl, tokenFor: sessions.tokenFor });
  const appPort = app.address().port;
  // The app is another origin (another port): its pages may call the sync server, no one else's.
  const origins = [`http://${host}:${appPort}`, `http://localhost:${appPort}`];
  const startSync = (onPort) =>
    createSyncServer({ store: memory ? memoryStore() : fileStore(syncDir), authorize: sessions.authorize, port: onPort, host, cors: { origins } });
  let sync = await startSync(syncPort);
  const fixedSyncPort = sync.port;
  syncUrl = sync.url;
  return {
    url: `http://${host}:${appPort}/`,
    syncUrl,
    /** The bearer token the app gives `user`'s pages. */
    tokenFor: sessions.tokenFor,
    /** The running sync server (replaced by startSync()). */
    get sync() {
      return sync;
    },
    async stopSync() {
      await sync?.close();
      sync = undefined;
    },
    async startSync() {
      sync ??= await startSync(fixedSyncPort);
    },
    async close() {
      await sync?.close();
      await new Promise((resolveClose) => {
        app.close(() => resolveClose());
        app.closeAllConnections();
      });
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // Who started this process, taken before the build (npm may be stopped during it).
  const parent = process.ppid;
  await buildDashboard();
  const running = await startDashboard({
    port: Number(process.env.PORT ?? 5173),
    syncPort: Number(process.env.SYNC_PORT ?? 8787),
    syncDir: process.env.SYNC_DIR ?? join(root, '.sync-data'),
  });
  console.log(`\n  Dashboard:    ${running.url}`);
  console.log(`  Sync server:  ${running.syncUrl}  (documents in ${resolve(process.env.SYNC_DIR ?? join(root, '.sync-data'))})`);
  console.log('  Open the URL in two browsers to see edits sync; ?conflict=manual to decide conflicts by hand;');
  console.log('  ?user=alice to sign in as another user (each user has documents of their own). Ctrl-C stops.\n');
  const stop = () => running.close().then(() => process.exit(0));
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, stop);
  // `npm start` runs this under a shell that does not pass SIGTERM on: when
  // npm is stopped the shell goes, and this process is left to its own.
  // Noticing that its parent has changed, it stops too, instead of serving
  // on as an orphan.
  if (process.ppid !== parent) await stop();
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 500).unref();
}
