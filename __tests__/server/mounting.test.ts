import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { createSyncHandler, createSyncServer, memoryStore, toNodeListener, type SyncStore } from '../../src/server';
import { bearer, tokenOf } from './helpers/handler';

const auth = { authorization: `Bearer ${tokenOf('alice')}` };
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

async function listen(listener: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it('mounts on node:http with toNodeListener: a document round trip', async () => {
  const origin = await listen(toNodeListener(createSyncHandler({ store: memoryStore(), authorize: bearer })));

  const put = await fetch(`${origin}/api/autosave/project%3Ap1`, { method: 'PUT', headers: { ...auth, 'if-none-match': '*' }, body: '{"data":{"a":1}}' });
  const get = await fetch(`${origin}/api/autosave/project%3Ap1`, { headers: auth });

  expect(put.status).toBe(200);
  expect(await get.json()).toEqual({ version: (await put.json()).version, data: { a: 1 } });
});

it('reads originalUrl when mounted under a path, as Express mounts it', async () => {
  const listener = toNodeListener(createSyncHandler({ store: memoryStore(), authorize: bearer, basePath: '/api/autosave' }));
  // What `app.use('/api', listener)` does: the mounted app sees the rest of the path, originalUrl keeps all of it.
  const origin = await listen((req, res) => {
    Object.assign(req, { originalUrl: req.url, url: req.url!.slice('/api'.length) });
    listener(req, res);
  });

  const put = await fetch(`${origin}/api/autosave/project%3Ap1`, { method: 'PUT', headers: { ...auth, 'if-none-match': '*' }, body: '{"data":2}' });

  expect(put.status).toBe(200);
});

it('answers a 10 MB upload it refuses with a 413 the client can read, not a reset', async () => {
  const origin = await listen(toNodeListener(createSyncHandler({ store: memoryStore(), authorize: bearer, maxBodyBytes: 1024 })));

  const refused = await fetch(`${origin}/api/autosave/project%3Ap1`, { method: 'PUT', headers: { ...auth, 'if-none-match': '*' }, body: `{"data":"${'x'.repeat(10_000_000)}"}` });

  expect(refused.status).toBe(413);
  expect((await refused.json()).error).toContain('maxBodyBytes');
});

it('mounts in Hono as it is', async () => {
  const handler = createSyncHandler({ store: memoryStore(), authorize: bearer });
  const app = new Hono();
  app.all('/api/autosave/*', (c) => handler(c.req.raw));

  const put = await app.request('/api/autosave/project%3Ap1', { method: 'PUT', headers: { ...auth, 'if-none-match': '*' }, body: '{"data":3}' });
  const get = await app.request('/api/autosave/project%3Ap1', { headers: auth });

  expect(put.status).toBe(200);
  expect((await get.json()).data).toBe(3);
});

it('shuts down gracefully: stops accepting, finishes the write under way, then closes the store', async () => {
  const store = memoryStore();
  let release: () => void = () => {};
  let started: () => void = () => {};
  const writing = new Promise<void>((done) => (started = done));
  const gate = new Promise<void>((done) => (release = done));
  const events: string[] = [];
  const closeStore = jest.fn(() => (events.push('store closed'), store.close()));
  const slow: SyncStore = {
    ...store,
    write: async (request) => {
      started();
      await gate;
      const result = await store.write(request);
      events.push(`written: ${result.status}`);
      return result;
    },
    close: closeStore,
  };
  const sync = await createSyncServer({ store: slow, authorize: bearer, port: 0 });
  const put = fetch(`${sync.url}/project%3Ap1`, { method: 'PUT', headers: { ...auth, 'if-none-match': '*' }, body: '{"data":1}' });
  await writing;

  const closed = sync.close();
  const refused = await fetch(`${sync.url}/project%3Ap2`, { headers: auth }).then(
    () => 'answered',
    () => 'refused',
  );
  expect(closeStore).not.toHaveBeenCalled();
  release();

  expect((await put).status).toBe(200);
  await closed;
  expect(refused).toBe('refused');
  expect(events).toEqual(['written: written', 'store closed']);
});
