// `npm start`: builds the package and this app, then serves the app and the
// sync server of `redux-autosave/server` side by side on 127.0.0.1 until Ctrl-C.
//
//   PORT (default 5173): the app     SYNC_PORT (default 8787): the sync server
//   SYNC_DIR (default ./.sync-data): where the sync server keeps documents (fileStore)
//   SYNC_STORE: another store instead — memory, postgres://…[?schema=] or redis://…
//   SYNC_PROCESSES (default 1): with a database store, that many sync servers,
//     each a process of its own on SYNC_PORT, SYNC_PORT + 1, …; `/?server=2`
//     opens a page that talks to the second. Two browsers on two processes
//     see each other's edits live, through the database.
//
// Users: `/?user=alice` signs the page in as alice — a demo sign-in: the
// page gets a token signed with a secret the app server and the sync
// servers share (syncServer.mjs), in a <meta> tag, and each user's
// documents live in a space of their own.
//
// `startDashboard()` is what the browser tests start, on free ports.
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { demoToken, migrateStore, startSyncServer } from './syncServer.mjs';

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

/**
 * Serves the built app; index.html learns the sync server's address (the
 * first, or the one `?server=n` picks), the user (`?user=`, default "demo")
 * and that user's token from <meta> tags.
 */
async function startAppServer({ port, host, syncUrls, tokenFor }) {
  const template = await readFile(join(appDir, 'index.html'), 'utf8');
  const indexFor = (user, server) =>
    template.replace(
      '<meta charset="utf-8" />',
      `<meta charset="utf-8" />\n    <meta name="sync-url" content="${escape(syncUrls()[server - 1] ?? syncUrls()[0])}" />` +
        `\n    <meta name="sync-user" content="${escape(user)}" />\n    <meta name="sync-token" content="${escape(tokenFor(user))}" />`,
    );
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const wanted = url.searchParams.get('user') ?? 'demo';
    const user = /^[\w-]{1,40}$/.test(wanted) ? wanted : 'demo';
    const server = Number(url.searchParams.get('server') ?? 1);
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
      res.end(req.method === 'HEAD' ? undefined : indexFor(user, Number.isInteger(server) ? server : 1));
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

const DATABASE = /^(postgres(ql)?|rediss?):\/\//;

/**
 * A sync server in a process of its own (syncServer.mjs), on `port`; resolves
 * once it listens. It goes when this process goes (its IPC channel closes).
 */
function startSyncProcess({ store, secret, port, host, origins }) {
  const child = fork(join(here, 'syncServer.mjs'), [], {
    env: { ...process.env, SYNC_STORE: store, SYNC_SECRET: secret, SYNC_PORT: String(port), SYNC_HOST: host, SYNC_ORIGINS: origins.join(',') },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  let output = '';
  return new Promise((resolveStart, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const url = /^listening (\S+)$/m.exec(output)?.[1];
      if (!url) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      const stopWith = (signal) => async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      };
      resolveStart({ url, port: Number(new URL(url).port), pid: child.pid, stop: stopWith('SIGTERM'), kill: stopWith('SIGKILL') });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    exited.then((code) => reject(new Error(`the sync server process stopped (exit ${code}) before it listened:\n${output}`)));
  });
}

/**
 * Starts the app server and the sync server (build first with
 * `buildDashboard()`: the sync server is the built `redux-autosave/server`).
 * Port 0 picks a free one. `store` names where documents are kept (a
 * directory by default, `syncDir`); with a database store, `processes: 2`
 * runs two sync servers as processes of their own, `?server=2` pages talking
 * to the second. A sync server can be stopped (or killed) and started again
 * on its port, as the offline tests do.
 */
export async function startDashboard({ port = 5173, syncPort = 8787, syncDir = './.sync-data', memory = false, store, processes = 1, host = '127.0.0.1' } = {}) {
  const spec = store ?? (memory ? 'memory' : syncDir);
  if (processes > 1 && !DATABASE.test(spec)) {
    throw new Error('startDashboard: processes > 1 needs a database store (postgres://… or redis://…): a file or memory store tells only its own process of a change');
  }
  const secret = process.env.SYNC_SECRET ?? randomBytes(32).toString('base64url');
  const tokenFor = (user) => demoToken(secret, user);
  /** The running sync servers, by number - 1; a stopped one is undefined and keeps its port in `ports`. */
  const servers = [];
  const ports = [];
  const urls = [];
  const app = await startAppServer({ port, host, syncUrls: () => urls, tokenFor });
  const appPort = app.address().port;
  // The app is another origin (another port): its pages may call the sync servers, no one else's.
  const origins = [`http://${host}:${appPort}`, `http://localhost:${appPort}`];
  await migrateStore(spec);
  const start = async (n) => {
    const onPort = ports[n] ?? (syncPort === 0 ? 0 : syncPort + n);
    const options = { store: spec, secret, port: onPort, host, origins };
    if (processes > 1) {
      servers[n] = await startSyncProcess(options);
    } else {
      const sync = await startSyncServer(options);
      servers[n] = { url: sync.url, port: sync.port, stop: () => sync.close(), kill: () => sync.close() };
    }
    ports[n] = servers[n].port;
    urls[n] = servers[n].url;
  };
  const stop = async (n, how = 'stop') => {
    const server = servers[n];
    servers[n] = undefined;
    await server?.[how]();
  };
  try {
    for (let n = 0; n < processes; n++) await start(n);
  } catch (error) {
    await Promise.all(servers.map((_, n) => stop(n)));
    app.close();
    throw error;
  }
  return {
    url: `http://${host}:${appPort}/`,
    /** The first sync server's URL (the one pages talk to unless `?server=` says). */
    syncUrl: urls[0],
    /** Every sync server's URL, the first first. */
    syncUrls: [...urls],
    /** The bearer token the app gives `user`'s pages. */
    tokenFor,
    /** Stops sync server `n` (1 = the first), letting requests under way finish. */
    stopSync: (n = 1) => stop(n - 1),
    /** Kills sync server `n` at once, as a crash or an OOM kill would (a process of its own: SIGKILL). */
    killSync: (n = 1) => stop(n - 1, 'kill'),
    /** Starts sync server `n` again on the port it had. */
    async startSync(n = 1) {
      if (!servers[n - 1]) await start(n - 1);
    },
    async close() {
      await Promise.all(servers.map((_, n) => stop(n)));
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
  const syncDir = resolve(process.env.SYNC_DIR ?? join(root, '.sync-data'));
  const store = process.env.SYNC_STORE || syncDir;
  const running = await startDashboard({
    port: Number(process.env.PORT ?? 5173),
    syncPort: Number(process.env.SYNC_PORT ?? 8787),
    store,
    processes: Number(process.env.SYNC_PROCESSES ?? 1),
  });
  const where = store === syncDir ? `documents in ${syncDir}` : `documents in ${store.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:…@')}`;
  console.log(`\n  Dashboard:    ${running.url}`);
  for (const [n, url] of running.syncUrls.entries()) {
    console.log(`  Sync server${running.syncUrls.length > 1 ? ` ${n + 1}` : ''}:  ${url}  (${n === 0 ? where : `another process; pages open it with ${running.url}?server=${n + 1}`})`);
  }
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
