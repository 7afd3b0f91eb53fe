/**
 * Delta pushes and compression from the client's side (issue 18): the real
 * httpRemote against the real handler, in process, every request logged as
 * DevTools would show it. After the first push of a document, edits go as
 * JSON Patches; a server without PATCH gets whole documents; the base a
 * patch is made from stays the server's copy of that version through
 * merges and server schemas.
 */
import { gunzipSync } from 'node:zlib';
import { httpRemote, memoryStorage, type AutosaveStorage, type HttpRemoteOptions } from '../src';
import { createSyncHandler, memoryStore, type SyncHandlerOptions } from '../src/server';
import { makeProject, ProjectSchema, projectLoaded, promptChanged, shotAdded, titleChanged } from './helpers';
import { createFaultyServer } from './helpers/faultRemote';
import { createDevice, type Device } from './helpers/sync';

interface Logged {
  method: string;
  status: number;
  bytes: number;
  encoding: string | null;
  body: string;
}

const URL_BASE = 'http://127.0.0.1/api/autosave';
const devices: Device[] = [];

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.autosave.dispose({ flush: false })));
});

/** A server in this process, reached through a logging `fetch`; `answer` may replace its answer to a request. */
function server(options: Partial<SyncHandlerOptions> = {}, answer?: (request: Request) => Response | undefined) {
  const store = options.store ?? memoryStore();
  const handler = createSyncHandler({ store, authorize: 'anonymous', ...options });
  const log: Logged[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const raw = new Uint8Array(await request.clone().arrayBuffer());
    const encoding = request.headers.get('content-encoding');
    const response = answer?.(request.clone()) ?? (await handler(request));
    log.push({ method: request.method, status: response.status, bytes: raw.byteLength, encoding, body: (encoding === 'gzip' ? gunzipSync(raw) : Buffer.from(raw)).toString() });
    return response;
  }) as typeof globalThis.fetch;
  const copy = async (key = 'project:p1') => (await (await handler(new Request(`${URL_BASE}/${encodeURIComponent(key)}`))).json()) as { version: string; data: unknown };
  const pushes = () => log.filter((entry) => entry.method === 'PUT' || entry.method === 'PATCH');
  return { store, handler, log, fetch, copy, pushes };
}

function device(fetch: typeof globalThis.fetch, options: Partial<HttpRemoteOptions> = {}, storage: AutosaveStorage = memoryStorage()) {
  const remote = httpRemote({ url: URL_BASE, fetch, timeoutMs: 2000, patchFromBytes: 0, ...options });
  const created = createDevice(remote, { storage, onError: jest.fn() });
  devices.push(created);
  return created;
}

/** The base the device keeps for a key, as stored. */
const baseOf = async (d: Device, key = 'project:p1') => (await d.storage.getItem(`__autosave/base/${key}`)) as { version: string; data: unknown };

describe('delta pushes', () => {
  it('sends the first copy whole and every later edit as a small PATCH, asking the capabilities once', async () => {
    const s = server();
    const a = device(s.fetch);
    a.store.dispatch(projectLoaded(makeProject('p1', 'Trailer', 50)));
    await a.synced();
    for (const title of ['One', 'Two', 'Three']) {
      a.store.dispatch(titleChanged(title));
      await a.until(() => a.status().remoteVersion !== null && !a.status().pendingSync && a.status().status === 'saved');
    }
    a.store.dispatch(shotAdded({ id: 'new', prompt: 'Close-up', dialogue: [] }));
    await a.synced();

    const pushes = s.pushes();
    expect(pushes.map((p) => `${p.method} ${p.status}`)).toEqual(['PUT 200', 'PATCH 200', 'PATCH 200', 'PATCH 200', 'PATCH 200']);
    expect(pushes.slice(1).every((p) => p.bytes < 200)).toBe(true);
    expect(JSON.parse(pushes[1].body)).toEqual([{ op: 'replace', path: '/title', value: 'One' }]);
    expect(s.log.filter((entry) => entry.method === 'GET').length).toBeLessThanOrEqual(2);
    const copy = await s.copy();
    expect(copy.data).toEqual(a.project());
    expect(await baseOf(a)).toEqual(copy);
  });

  it('sends whole documents to a server without PATCH (no _capabilities), and to one that answers 405, remembered', async () => {
    const old = createFaultyServer();
    const a = device(old.fetchFor());
    a.store.dispatch(projectLoaded(makeProject('p1', 'Old server', 5)));
    await a.synced();
    a.store.dispatch(titleChanged('Edited'));
    await a.until(() => old.document('project:p1')?.data !== undefined && (old.document('project:p1')!.data as { title: string }).title === 'Edited');
    expect(old.log.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['PUT', 'PUT']);

    const s = server({}, (request) => (request.method === 'PATCH' ? new Response('{"error":"no"}', { status: 405, headers: { allow: 'GET, PUT' } }) : undefined));
    const b = device(s.fetch);
    b.store.dispatch(projectLoaded(makeProject('p2', 'Says patch', 5)));
    await b.synced('p2');
    for (const title of ['One', 'Two']) {
      b.store.dispatch(titleChanged(title));
      await b.until(() => (s.pushes().at(-1)?.body ?? '').includes(title) && s.pushes().at(-1)!.status === 200 && !b.status('p2').pendingSync);
    }
    expect(s.pushes().map((p) => `${p.method} ${p.status}`)).toEqual(['PUT 200', 'PATCH 405', 'PUT 200', 'PUT 200']);
    expect((await s.copy('project:p2')).data).toMatchObject({ title: 'Two' });
  });

  it('sends the whole document after a 409 (the patch did not apply), and patches again next time', async () => {
    let refuseNext = false;
    const s = server({}, (request) => {
      if (request.method !== 'PATCH' || !refuseNext) return undefined;
      refuseNext = false;
      return new Response('{"error":"does not apply"}', { status: 409 });
    });
    const a = device(s.fetch);
    a.store.dispatch(projectLoaded(makeProject('p1', 'Base', 5)));
    await a.synced();
    refuseNext = true;
    a.store.dispatch(titleChanged('Refused patch'));
    await a.until(() => s.pushes().length === 3 && !a.status().pendingSync);
    a.store.dispatch(titleChanged('Patched again'));
    await a.until(() => s.pushes().length === 4 && !a.status().pendingSync);

    expect(s.pushes().map((p) => `${p.method} ${p.status}`)).toEqual(['PUT 200', 'PATCH 409', 'PUT 200', 'PATCH 200']);
    expect((await s.copy()).data).toEqual(a.project());
  });

  it('keeps the base equal to the server copy of its version through a merge of two devices and the server schema', async () => {
    const s = server({ schemas: { project: ProjectSchema } });
    const a = device(s.fetch);
    a.store.dispatch(projectLoaded(makeProject('p1', 'Base', 6)));
    await a.synced();
    const b = device(s.fetch);
    await b.autosave.load('project', 'p1');

    a.store.dispatch(titleChanged('A’s title'));
    await a.synced();
    b.store.dispatch(promptChanged({ shotId: 's3', prompt: 'B’s prompt' }));
    await b.until(() => b.project()?.title === 'A’s title' && b.status().status === 'saved' && !b.status().pendingSync, 'B merged and pushed');
    b.store.dispatch(promptChanged({ shotId: 's4', prompt: 'B again' }));
    await b.synced();
    a.store.dispatch(a.autosave.actions.syncNow());
    await a.until(() => a.project()?.shots[3].prompt === 'B again', 'A pulled');
    a.store.dispatch(shotAdded({ id: 'a7', prompt: 'A’s shot', dialogue: [] }));
    await a.until(() => s.pushes().some((p) => p.body.includes('a7') && p.status === 200) && a.status().status === 'saved' && !a.status().pendingSync, 'A pushed its shot');

    const copy = await s.copy();
    expect(copy.data).toEqual(a.project());
    expect(await baseOf(a)).toEqual(copy);
    expect(s.pushes().filter((p) => p.method === 'PATCH' && p.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(s.pushes().some((p) => p.status === 412)).toBe(true);
  });

  it('gzips a body over 8 KB for a server that takes gzip, and sends it plain after a 415 without gzip', async () => {
    const s = server();
    const a = device(s.fetch, { patch: false });
    a.store.dispatch(projectLoaded(makeProject('p1', 'Large', 200)));
    await a.synced();
    const [first] = s.pushes();
    expect(first).toMatchObject({ method: 'PUT', status: 200, encoding: 'gzip' });
    expect(first.bytes).toBeLessThan(first.body.length / 5);
    expect((await s.copy()).data).toEqual(a.project());

    const strict = server({}, (request) =>
      request.headers.get('content-encoding') ? new Response('{"error":"no encodings"}', { status: 415, headers: { 'accept-encoding': 'identity' } }) : undefined,
    );
    const b = device(strict.fetch, { patch: false });
    b.store.dispatch(projectLoaded(makeProject('p1', 'Large', 200)));
    await b.synced();
    b.store.dispatch(titleChanged('Again'));
    await b.synced();
    await b.until(() => strict.pushes().length === 3);
    expect(strict.pushes().map((p) => `${p.method} ${p.encoding ?? 'plain'} ${p.status}`)).toEqual(['PUT gzip 415', 'PUT plain 200', 'PUT plain 200']);
  });
});
