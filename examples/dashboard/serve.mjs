// `npm start`: builds the package and this app, then serves the app and the
// reference sync server side by side on 127.0.0.1 until Ctrl-C.
//
//   PORT (default 5173): the app     SYNC_PORT (default 8787): the sync server
//   SYNC_DIR (default ./.sync-data): where the sync server keeps documents
//
// `startDashboard()` is what the browser tests start, on free ports.
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSyncServer } from '../sync-server/server.mjs';

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

/** Serves the built app; index.html learns the sync server's address from a <meta> tag. */
async function startAppServer({ port, host, syncUrl }) {
  const index = (await readFile(join(appDir, 'index.html'), 'utf8')).replace(
    '<meta charset="utf-8" />',
    `<meta charset="utf-8" />\n    <meta name="sync-url" content="${syncUrl.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}" />`,
  );
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
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
      res.end(req.method === 'HEAD' ? undefined : index);
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
 * Starts the sync server and the app server (build first with
 * `buildDashboard()`). Port 0 picks a free one. The sync server can be
 * stopped and started again on its port, as the offline test does.
 */
export async function startDashboard({ port = 5173, syncPort = 8787, syncDir = './.sync-data', memory = false, host = '127.0.0.1' } = {}) {
  let sync = await createSyncServer({ port: syncPort, host, dir: syncDir, memory });
  const fixedSyncPort = sync.port;
  const syncUrl = sync.url;
  const app = await startAppServer({ port, host, syncUrl });
  const appPort = app.address().port;
  return {
    url: `http://${host}:${appPort}/`,
    syncUrl,
    /** The running sync server (replaced by startSync()). */
    get sync() {
      return sync;
    },
    async stopSync() {
      await sync?.close();
      sync = undefined;
    },
    async startSync() {
      sync ??= await createSyncServer({ port: fixedSyncPort, host, dir: syncDir, memory });
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
  await buildDashboard();
  const running = await startDashboard({
    port: Number(process.env.PORT ?? 5173),
    syncPort: Number(process.env.SYNC_PORT ?? 8787),
    syncDir: process.env.SYNC_DIR ?? join(root, '.sync-data'),
  });
  console.log(`\n  Dashboard:    ${running.url}`);
  console.log(`  Sync server:  ${running.syncUrl}  (documents in ${resolve(process.env.SYNC_DIR ?? join(root, '.sync-data'))})`);
  console.log('  Open the URL in two browsers to see edits sync; ?conflict=manual to decide conflicts by hand. Ctrl-C stops.\n');
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => running.close().then(() => process.exit(0)));
}
