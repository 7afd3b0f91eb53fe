/**
 * Delta pushes and compression from the client's side (issue 18): the real
 * httpRemote against the real handler, in process, every request logged as
 * DevTools would show it. After the first push of a document, edits go as
 * JSON Patches; a server without PATCH gets whole documents; the base a
 * patch is made from stays the server's copy of that version through
 * merges and server schemas.
 */
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { httpRemote, memoryStorage, type AutosaveStorage, type HttpRemoteOptions } from '../src';
import { createSyncHandler, memoryStore, type SyncHandlerOptions } from '../src/server';
import { makeProject, ProjectSchema, projectDocument, projectLoaded, promptChanged, ShotSchema, shotAdded, titleChanged } from './helpers';
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

function device(fetch: typeof globalThis.fetch, options: Partial<HttpRemoteOptions> = {}, storage: AutosaveStorage = memoryStorage(), schema = ProjectSchema) {
  const remote = httpRemote({ url: URL_BASE, fetch, timeoutMs: 2000, patchFromBytes: 0, ...options });
  const created = createDevice(remote, { storage, onError: jest.fn(), documents: { project: projectDocument({ debounceMs: 0, maxWaitMs: 0, schema }) } });
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

  it('diffs the wire form of a schema with codecs: the server and the base hold the encoded copy', async () => {
    // The title is stored as "T:<title>": what the server holds is the encoded form.
    const prefixed = z.codec(z.string().startsWith('T:'), z.string(), { decode: (wire) => wire.slice(2), encode: (title) => `T:${title}` });
    const Encoded = z.object({ id: z.string().min(1), title: prefixed, shots: z.array(ShotSchema) });
    const s = server();
    const a = device(s.fetch, {}, memoryStorage(), Encoded as unknown as typeof ProjectSchema);
    a.store.dispatch(projectLoaded(makeProject('p1', 'Encoded', 8)));
    await a.synced();
    a.store.dispatch(titleChanged('Retitled'));
    await a.until(() => s.pushes().length === 2 && !a.status().pendingSync && a.status().status === 'saved');
    a.store.dispatch(promptChanged({ shotId: 's2', prompt: 'Changed' }));
    await a.until(() => s.pushes().length === 3 && !a.status().pendingSync && a.status().status === 'saved');

    expect(s.pushes().map((p) => `${p.method} ${p.status}`)).toEqual(['PUT 200', 'PATCH 200', 'PATCH 200']);
    expect(JSON.parse(s.pushes()[1].body)).toEqual([{ op: 'replace', path: '/title', value: 'T:Retitled' }]);
    const copy = await s.copy();
    expect(copy.data).toMatchObject({ title: 'T:Retitled', shots: expect.arrayContaining([expect.objectContaining({ id: 's2', prompt: 'Changed' })]) });
    expect(await baseOf(a)).toEqual(copy);
  });
});

describe('keepalive pushes of a closing page', () => {
  it('share one budget: a patch fits where a document would not, nothing is gzipped, and what does not fit is not sent', async () => {
    const s = server();
    const remote = httpRemote({ url: URL_BASE, fetch: s.fetch, patchFromBytes: 0 });
    const big = { title: 'Big', text: 'word '.repeat(10_000) };
    const first = await remote.push('project:p1', big, { baseVersion: null, idempotencyKey: 'c:1' });
    if (!first.ok) throw new Error('the first push was refused');
    // A normal push loads the capabilities and the diff: a closing page cannot wait for either.
    const second = await remote.push('project:p1', { ...big, title: 'Bigger' }, { baseVersion: first.version, idempotencyKey: 'c:2', base: { version: first.version, data: big } });
    if (!second.ok) throw new Error('the second push was refused');
    const sentBefore = s.pushes().length;

    const keepaliveBudget = { bytes: 60_000 };
    const closing = { ...big, title: 'Closing' };
    const patched = remote.push('project:p1', closing, {
      baseVersion: second.version,
      idempotencyKey: 'c:3',
      keepalive: true,
      base: { version: second.version, data: { ...big, title: 'Bigger' } },
      keepaliveBudget,
    });
    const tooBig = remote.push('project:p2', { text: 'x'.repeat(70_000) }, { baseVersion: null, idempotencyKey: 'c:4', keepalive: true, keepaliveBudget });

    await expect(patched).resolves.toMatchObject({ ok: true });
    await expect(tooBig).rejects.toThrow(/do not fit in what is left of the browser's 64 KB/);
    const sent = s.pushes().slice(sentBefore);
    expect(sent.map((p) => `${p.method} ${p.encoding ?? 'plain'} ${p.status}`)).toEqual(['PATCH plain 200']);
    expect(keepaliveBudget.bytes).toBe(60_000 - sent[0].bytes);
    expect((await s.copy()).data).toEqual(closing);
  });
});
