// The dashboard's sync server: `redux-autosave/server` with the demo sign-in.
// `serve.mjs` runs it in its own process for `npm start`, or — with
// SYNC_PROCESSES=2 and a database store — as processes of their own, each
// started by running this file, so two browsers can watch one Postgres
// through two servers.
//
// Sign-in is a demo: a user's token is `<user>.<HMAC of the user>` under a
// secret the app server and every sync process share (SYNC_SECRET), so any
// process can check any token without a session table.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const signature = (secret, user) => createHmac('sha256', secret).update(user).digest('base64url');

/** The demo's token for `user` under `secret`. */
export function demoToken(secret, user) {
  return `${user}.${signature(secret, user)}`;
}

/** The sync server's `authorize`: `Authorization: Bearer <user>.<signature>` → `{ userId }`, or null (401). */
export function demoAuthorize(secret) {
  return (request) => {
    const token = /^Bearer\s+([\w-]{1,40})\.([\w-]+)$/i.exec(request.headers.get('authorization') ?? '');
    if (!token) return null;
    const [, user, given] = token;
    const expected = Buffer.from(signature(secret, user));
    const received = Buffer.from(given);
    return received.length === expected.length && timingSafeEqual(received, expected) ? { userId: user } : null;
  };
}

/** `memory`, a directory, `postgres://…[?schema=]` or `redis://…`: the store it names. */
export async function storeFor(spec) {
  const server = await import('redux-autosave/server');
  if (spec === 'memory') return server.memoryStore();
  if (/^postgres(ql)?:\/\//.test(spec)) return server.postgresStore({ connectionString: spec });
  if (/^rediss?:\/\//.test(spec)) return server.redisStore({ url: spec });
  return server.fileStore(resolve(spec));
}

/** Creates or upgrades a database store's tables; memory and directories need nothing. */
export async function migrateStore(spec) {
  if (!/^(postgres(ql)?|rediss?):\/\//.test(spec)) return;
  const { migrate } = await import('redux-autosave/server');
  const store = await storeFor(spec);
  try {
    await migrate(store);
  } finally {
    await store.close();
  }
}

/** Starts a sync server on `port` (0: a free one) that pages from `origins` may call. */
export async function startSyncServer({ store, secret, port, host = '127.0.0.1', origins }) {
  const { createSyncServer } = await import('redux-autosave/server');
  const documents = await storeFor(store);
  try {
    return await createSyncServer({ store: documents, authorize: demoAuthorize(secret), port, host, cors: { origins } });
  } catch (error) {
    await documents.close();
    throw error;
  }
}

// Run as a process of its own (serve.mjs starts it so): the settings come in
// the environment, and the first line printed is `listening <url>`.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (!process.env.SYNC_SECRET) throw new Error('syncServer.mjs: SYNC_SECRET must be set (serve.mjs sets it for the processes it starts)');
  const sync = await startSyncServer({
    store: process.env.SYNC_STORE ?? 'memory',
    secret: process.env.SYNC_SECRET,
    port: Number(process.env.SYNC_PORT ?? 0),
    host: process.env.SYNC_HOST ?? '127.0.0.1',
    origins: (process.env.SYNC_ORIGINS ?? '').split(',').filter(Boolean),
  });
  console.log(`listening ${sync.url}`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void sync.close().then(() => process.exit(0)));
  // Started by serve.mjs: goes when it goes, even when it was killed.
  process.on('disconnect', () => void sync.close().then(() => process.exit(0)));
}
