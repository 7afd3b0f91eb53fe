import { heldBody, testHandler } from './helpers/handler';

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, even after the document moved on', async () => {
    const { create, update, call } = testHandler();
    const first = await create('project:p1', { title: 'A' }, 'alice', { 'idempotency-key': 'c1:1' });
    const moved = (await update('project:p1', first.body.version as string, { title: 'B' })).body.version;

    const again = await create('project:p1', { title: 'A' }, 'alice', { 'idempotency-key': 'c1:1' });

    expect(again).toMatchObject({ status: 200, body: { version: first.body.version } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await call('GET', 'project:p1')).body).toEqual({ version: moved, data: { title: 'B' } });
  });

  it('refuses the same key with another body with 422', async () => {
    const { create } = testHandler();
    await create('project:p1', { title: 'A' }, 'alice', { 'idempotency-key': 'c1:1' });

    const other = await create('project:p1', { title: 'other' }, 'alice', { 'idempotency-key': 'c1:1' });

    expect(other).toMatchObject({ status: 422, body: { error: expect.stringContaining('Idempotency-Key "c1:1" was already used') } });
  });

  it('answers 409 while a request with the same key is still being handled, then the first answers', async () => {
    const { call } = testHandler();
    const body = heldBody('{"data":');
    const first = call('PUT', 'project:p1', { body: body.stream, headers: { 'if-none-match': '*', 'idempotency-key': 'c1:1' } });

    const second = await call('PUT', 'project:p1', { body: '{"data":1}', headers: { 'if-none-match': '*', 'idempotency-key': 'c1:1' } });
    body.finish('1}');

    expect(second).toMatchObject({ status: 409, body: { error: expect.stringContaining('still being handled') } });
    expect((await first).status).toBe(200);
  });

  it('replays a delete as a delete', async () => {
    const { create, call } = testHandler();
    const { version } = (await create('project:p1', 1)).body as { version: string };
    const headers = { 'if-match': `"${version}"`, 'idempotency-key': 'c1:2' };
    const deleted = await call('DELETE', 'project:p1', { headers });

    expect(await call('DELETE', 'project:p1', { headers })).toMatchObject({ status: 200, body: { version: deleted.body.version, deleted: true } });
  });

  it('refuses a key longer than 256 characters', async () => {
    const { create } = testHandler();

    expect((await create('project:p1', 1, 'alice', { 'idempotency-key': 'k'.repeat(257) })).status).toBe(400);
  });
});

describe('limits on what is read', () => {
  afterEach(() => jest.useRealTimers());

  it('answers 408 when a body does not arrive within bodyTimeoutMs', async () => {
    jest.useFakeTimers();
    const { call } = testHandler({ bodyTimeoutMs: 5_000 });
    const body = heldBody('{"data":');

    const reply = call('PUT', 'project:p1', { body: body.stream, headers: { 'if-none-match': '*' } });
    await jest.advanceTimersByTimeAsync(5_000);

    expect(await reply).toMatchObject({ status: 408, body: { error: expect.stringContaining('bodyTimeoutMs') } });
  });

  it('answers 503 with Retry-After past the bytes being read at once, and takes uploads again once they are done', async () => {
    const { call } = testHandler({ maxBodyBytes: 100, maxBufferedBytes: 150 });
    const held = heldBody('{"data":"');
    const headers = { 'if-none-match': '*', 'content-length': '100' };
    const first = call('PUT', 'project:a', { body: held.stream, headers: { ...headers, 'content-length': '100' } });

    const busy = await call('PUT', 'project:b', { body: `{"data":"${'x'.repeat(89)}"}`, headers });
    held.finish(`${'y'.repeat(89)}"}`);
    await first;

    expect(busy).toMatchObject({ status: 503, body: { error: expect.stringContaining('too many bytes') } });
    expect(busy.headers.get('retry-after')).toBe('1');
    expect((await call('PUT', 'project:b', { body: `{"data":"${'x'.repeat(89)}"}`, headers })).status).toBe(200);
  });

  it('answers 503 past maxConcurrentUploads, closing that connection', async () => {
    const { call } = testHandler({ maxConcurrentUploads: 1 });
    const held = heldBody('{"data":');
    const first = call('PUT', 'project:a', { body: held.stream, headers: { 'if-none-match': '*' } });

    const busy = await call('PUT', 'project:b', { body: '{"data":1}', headers: { 'if-none-match': '*' } });
    held.finish('1}');

    expect(busy.status).toBe(503);
    expect(busy.headers.get('connection')).toBe('close');
    expect((await first).status).toBe(200);
  });
});

describe('listing, capabilities and health', () => {
  it('lists the caller’s documents by prefix with versions, a page at a time', async () => {
    const { create, call, handler } = testHandler();
    const versions: Record<string, string> = {};
    for (const key of ['project:b', 'project:a', 'workspace', 'project:c']) versions[key] = (await create(key, 1)).body.version as string;
    const list = (query: string) => handler(new Request(`http://127.0.0.1/api/autosave/?${query}`, { headers: { authorization: 'Bearer token-alice-0123456789' } })).then((r) => r.json());

    expect(await list('prefix=project%3A&limit=2')).toEqual({
      items: [
        { key: 'project:a', version: versions['project:a'] },
        { key: 'project:b', version: versions['project:b'] },
      ],
      next: 'project:b',
    });
    expect(await list('prefix=project%3A&limit=2&after=project%3Ab')).toEqual({ items: [{ key: 'project:c', version: versions['project:c'] }] });
    expect((await call('GET', null)).body.items).toHaveLength(4);
    expect((await list('limit=0')).error).toMatch(/limit must be/);
  });

  it('leaves deleted documents out of the list', async () => {
    const { create, call } = testHandler();
    const { version } = (await create('project:a', 1)).body as { version: string };
    await call('DELETE', 'project:a', { headers: { 'if-match': `"${version}"` } });

    expect((await call('GET', null)).body).toEqual({ items: [] });
  });

  it('says what it speaks at _capabilities', async () => {
    const { call } = testHandler();

    expect((await call('GET', '_capabilities')).body).toEqual({ protocol: 1, patch: true, gzip: true, live: true, retentionMs: 2_592_000_000 });
  });

  it('answers health without credentials', async () => {
    const { call } = testHandler();

    expect(await call('GET', 'health', { user: null })).toMatchObject({ status: 200, body: { ok: true } });
  });
});
