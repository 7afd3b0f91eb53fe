import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { testHandler } from './helpers/handler';

const patchOf = (operations: unknown) => JSON.stringify(operations);

function patcher(options: Parameters<typeof testHandler>[0] = {}) {
  const server = testHandler(options);
  const patch = (key: string, version: string, operations: unknown, headers: Record<string, string> = {}) =>
    server.call('PATCH', key, { body: patchOf(operations), headers: { 'content-type': 'application/json-patch+json', 'if-match': `"${version}"`, ...headers } });
  return { ...server, patch };
}

describe('PATCH', () => {
  it('applies a JSON Patch to the version If-Match names, in one step, and says so in the capabilities', async () => {
    const { create, patch, call } = patcher();
    const v1 = (await create('project:p1', { title: 'A', shots: [{ id: 's1' }, { id: 's2' }] })).body.version as string;

    const patched = await patch('project:p1', v1, [
      { op: 'replace', path: '/title', value: 'B' },
      { op: 'add', path: '/shots/0', value: { id: 's0' } },
      { op: 'remove', path: '/shots/2' },
      { op: 'copy', from: '/title', path: '/subtitle' },
      { op: 'move', from: '/subtitle', path: '/sub' },
      { op: 'test', path: '/sub', value: 'B' },
    ]);
    const read = await call('GET', 'project:p1');

    expect(patched).toMatchObject({ status: 200, body: { version: expect.stringMatching(/^2-/) } });
    expect(patched.headers.get('accept-patch')).toBe('application/json-patch+json');
    expect(read.body).toEqual({ version: patched.body.version, data: { title: 'B', shots: [{ id: 's0' }, { id: 's1' }], sub: 'B' } });
    expect((await call('GET', '_capabilities')).body).toMatchObject({ protocol: 1, patch: true, gzip: true });
  });

  it('answers a stale base with 412 and the current copy, as a PUT', async () => {
    const { create, update, patch } = patcher();
    const v1 = (await create('project:p1', { title: 'A' })).body.version as string;
    const v2 = (await update('project:p1', v1, { title: 'B' })).body.version as string;

    expect(await patch('project:p1', v1, [{ op: 'replace', path: '/title', value: 'C' }])).toMatchObject({ status: 412, body: { version: v2, data: { title: 'B' } } });
  });

  it('refuses a patch that does not apply with 409, whole: nothing of it is stored', async () => {
    const { create, patch, call } = patcher();
    const v1 = (await create('project:p1', { title: 'A', n: 1 })).body.version as string;

    const refused = await patch('project:p1', v1, [
      { op: 'replace', path: '/title', value: 'B' },
      { op: 'remove', path: '/missing' },
    ]);

    expect(refused.status).toBe(409);
    expect((await call('GET', 'project:p1')).body).toEqual({ version: v1, data: { title: 'A', n: 1 } });
    expect((await patch('project:p1', v1, [{ op: 'test', path: '/n', value: 2 }])).status).toBe(409);
    expect((await patch('project:p1', v1, [{ op: 'add', path: '/list/5', value: 2 }])).status).toBe(409);
  });

  it.each(['/__proto__/polluted', '/constructor/prototype/polluted', '/a/prototype', '/x~1y/__proto__'])('refuses the pointer %s with 422 and pollutes nothing', async (path) => {
    const { create, patch, call } = patcher();
    const v1 = (await create('project:p1', { a: {} })).body.version as string;

    const refused = await patch('project:p1', v1, [{ op: 'add', path, value: true }]);

    expect(refused).toMatchObject({ status: 422, body: { patch: 'invalid' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await call('GET', 'project:p1')).body.version).toBe(v1);
  });

  it('refuses a "from" through __proto__ too, and operations that are not RFC 6902', async () => {
    const { create, patch } = patcher();
    const v1 = (await create('project:p1', { a: 1 })).body.version as string;

    expect((await patch('project:p1', v1, [{ op: 'copy', from: '/__proto__', path: '/b' }])).status).toBe(422);
    expect((await patch('project:p1', v1, [{ op: 'merge', path: '/a', value: 1 }])).status).toBe(422);
    expect((await patch('project:p1', v1, [{ op: 'add', path: '/a' }])).status).toBe(422);
    expect((await patch('project:p1', v1, { op: 'add', path: '/a', value: 1 })).status).toBe(422);
    expect((await patch('project:p1', v1, [{ op: 'move', from: '/a', path: '/a/b' }])).status).toBe(422);
  });

  it('caps the operations and the size of the result: copies that double an array are 413', async () => {
    const { create, patch, call } = patcher({ maxBodyBytes: 10_000 });
    const v1 = (await create('project:p1', { list: ['x'.repeat(100)] })).body.version as string;
    const doubling = Array.from({ length: 30 }, () => ({ op: 'copy', from: '/list', path: '/list/0' }));

    expect((await patch('project:p1', v1, doubling)).status).toBe(413);
    const many = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/list/0', value: 'x' }));
    expect((await call('PATCH', 'project:p1', { body: JSON.stringify(many), headers: { 'content-type': 'application/json-patch+json', 'if-match': `"${v1}"` } })).status).toBe(413);
    expect((await call('GET', 'project:p1')).body.version).toBe(v1);
  });

  it('needs If-Match with one version (428) and the JSON Patch media type (415)', async () => {
    const { create, call, patch } = patcher();
    const v1 = (await create('project:p1', { a: 1 })).body.version as string;

    expect((await call('PATCH', 'project:p1', { body: '[]', headers: { 'content-type': 'application/json-patch+json' } })).status).toBe(428);
    expect((await patch('project:p1', '*', [])).status).toBe(428);
    const wrongType = await patch('project:p1', v1, [], { 'content-type': 'application/json' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('accept-patch')).toBe('application/json-patch+json');
  });

  it('validates the result with the server schemas: a patch making an invalid document is 422, nothing stored', async () => {
    const { create, patch, call } = patcher({ schemas: { project: z.object({ title: z.string() }) } });
    const v1 = (await create('project:p1', { title: 'A' })).body.version as string;

    const invalid = await patch('project:p1', v1, [{ op: 'replace', path: '/title', value: 5 }]);

    expect(invalid).toMatchObject({ status: 422, body: { issues: expect.any(Array) } });
    expect((await call('GET', 'project:p1')).body.version).toBe(v1);
  });

  it('replays a retried patch by its Idempotency-Key, and refuses the key with another body', async () => {
    const { create, patch, call } = patcher();
    const v1 = (await create('project:p1', { n: 1 })).body.version as string;
    const operations = [{ op: 'replace', path: '/n', value: 2 }];

    const first = await patch('project:p1', v1, operations, { 'idempotency-key': 'c:1' });
    const again = await patch('project:p1', v1, operations, { 'idempotency-key': 'c:1' });
    const other = await patch('project:p1', v1, [{ op: 'replace', path: '/n', value: 3 }], { 'idempotency-key': 'c:1' });

    expect(again).toMatchObject({ status: 200, body: { version: first.body.version } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(other.status).toBe(422);
    expect((await call('GET', 'project:p1')).body).toEqual({ version: first.body.version, data: { n: 2 } });
  });

  it('answers 404 for a patch of a document it does not have', async () => {
    const { patch } = patcher();
    expect((await patch('project:none', '1-abc', [])).status).toBe(404);
  });
});

describe('gzip', () => {
  it('inflates a gzipped body', async () => {
    const { call } = testHandler();
    const body = gzipSync(JSON.stringify({ data: { title: 'zipped' } }));

    const created = await call('PUT', 'project:p1', { body, headers: { 'if-none-match': '*', 'content-encoding': 'gzip' } });

    expect(created.status).toBe(200);
    expect((await call('GET', 'project:p1')).body.data).toEqual({ title: 'zipped' });
  });

  it('refuses a small body that inflates past maxBodyBytes with 413 (a gzip bomb)', async () => {
    const { call } = testHandler({ maxBodyBytes: 100_000 });
    const bomb = gzipSync(`{"data":"${'0'.repeat(5_000_000)}"}`);
    expect(bomb.byteLength).toBeLessThan(100_000);

    const refused = await call('PUT', 'project:p1', { body: bomb, headers: { 'if-none-match': '*', 'content-encoding': 'gzip' } });

    expect(refused.status).toBe(413);
    expect((await call('GET', 'project:p1')).status).toBe(404);
  });

  it('refuses an encoding it cannot read with 415 naming gzip (RFC 7694), and a body that is not gzip with 400', async () => {
    const { call } = testHandler();

    const br = await call('PUT', 'project:p1', { body: '{"data":1}', headers: { 'if-none-match': '*', 'content-encoding': 'br' } });
    const broken = await call('PUT', 'project:p1', { body: '{"data":1}', headers: { 'if-none-match': '*', 'content-encoding': 'gzip' } });

    expect(br.status).toBe(415);
    expect(br.headers.get('accept-encoding')).toBe('gzip');
    expect(broken.status).toBe(400);
  });

  it('gzips a large answer for a client that asks, and only then', async () => {
    const { create, handler } = testHandler();
    await create('project:p1', { text: 'word '.repeat(2000) });
    const get = (headers: Record<string, string>) =>
      handler(new Request('http://127.0.0.1:8787/api/autosave/project%3Ap1', { headers: { authorization: 'Bearer token-alice-0123456789', ...headers } }));

    const zipped = await get({ 'accept-encoding': 'gzip, deflate' });
    const plain = await get({});
    const refused = await get({ 'accept-encoding': 'gzip;q=0' });

    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toContain('Accept-Encoding');
    const bytes = new Uint8Array(await zipped.arrayBuffer());
    expect(bytes.byteLength).toBeLessThan(1000);
    expect(JSON.parse(require('node:zlib').gunzipSync(bytes).toString()).data.text).toHaveLength(10_000);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(refused.headers.get('content-encoding')).toBeNull();
  });
});
