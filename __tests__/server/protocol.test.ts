import { z } from 'zod';
import { heldBody, testHandler } from './helpers/handler';

describe('documents', () => {
  it('answers 404 for a document it does not have', async () => {
    const { call } = testHandler();

    expect(await call('GET', 'project:p1')).toMatchObject({ status: 404, body: { error: 'there is no document at "project:p1"' } });
  });

  it('creates with If-None-Match: * and gives back the data byte for byte, the version in body and ETag', async () => {
    const { call } = testHandler();
    const data = '{ "z" : 1,"a":[1.50, "東京"] }';

    const created = await call('PUT', 'project:p1', { body: `{"data": ${data} }`, headers: { 'if-none-match': '*' } });
    const read = await call('GET', 'project:p1');

    const version = created.body.version as string;
    expect(created).toMatchObject({ status: 200, body: { version: expect.stringMatching(/^1-/) } });
    expect(created.headers.get('etag')).toBe(`"${version}"`);
    expect(read.text).toBe(`{"version":"${version}","data":${data}}`);
    expect(read.headers.get('etag')).toBe(`"${version}"`);
    expect(read.headers.get('cache-control')).toBe('no-store');
  });

  it('writes on top of the current version; a stale one is 412 with the current copy', async () => {
    const { create, update } = testHandler();
    const first = (await create('project:p1', { title: 'A' })).body.version as string;
    const second = await update('project:p1', first, { title: 'B' });

    const stale = await update('project:p1', first, { title: 'C' });

    expect(second).toMatchObject({ status: 200, body: { version: expect.stringMatching(/^2-/) } });
    expect(stale).toMatchObject({ status: 412, body: { version: second.body.version, data: { title: 'B' } } });
  });

  it('answers a create over an existing document with 412, and If-Match on a missing one with 404', async () => {
    const { create, update } = testHandler();
    await create('project:p1', 1);

    expect(await create('project:p1', 2)).toMatchObject({ status: 412, body: { data: 1 } });
    expect(await update('project:none', '1-abc', 2)).toMatchObject({ status: 404 });
  });

  it('keeps the paths a merge overrode with the version, for the next pull and a conflict', async () => {
    const { call, update } = testHandler();
    const body = JSON.stringify({ data: { title: 'mine' }, overrode: [['title'], ['shots', 0, 'prompt']] });
    const { version } = (await call('PUT', 'project:p1', { body, headers: { 'if-none-match': '*' } })).body as { version: string };

    expect((await call('GET', 'project:p1')).body).toEqual({ version, data: { title: 'mine' }, overrode: [['title'], ['shots', 0, 'prompt']] });
    expect((await update('project:p1', '0-old', { title: 'x' })).body).toMatchObject({ overrode: [['title'], ['shots', 0, 'prompt']] });
  });

  it.each([
    ['PUT', {}, /If-Match/],
    ['DELETE', {}, /If-Match/],
    ['DELETE', { 'if-none-match': '*' }, /If-Match/],
  ])('answers a %s without the precondition it needs (%j) with 428', async (method, headers, message) => {
    const { call } = testHandler();

    const reply = await call(method, 'project:p1', { body: method === 'PUT' ? '{"data":1}' : undefined, headers });

    expect(reply.status).toBe(428);
    expect(reply.body.error).toMatch(message);
  });
});

describe('deletes', () => {
  it('leaves a tombstone: 200, then GET 404 saying deleted; an edit based on the old version is 410', async () => {
    const { call, create, update } = testHandler();
    const { version } = (await create('project:p1', { title: 'A' })).body as { version: string };

    const deleted = await call('DELETE', 'project:p1', { headers: { 'if-match': `"${version}"` } });

    expect(deleted).toMatchObject({ status: 200, body: { version: expect.stringMatching(/^2-/), deleted: true } });
    expect(await call('GET', 'project:p1')).toMatchObject({ status: 404, body: { deleted: true, version: deleted.body.version } });
    expect(await update('project:p1', version, { title: 'old edit' })).toMatchObject({ status: 410, body: { deleted: true, version: deleted.body.version } });
    expect(await call('DELETE', 'project:p1', { headers: { 'if-match': '*' } })).toMatchObject({ status: 404, body: { deleted: true } });
  });

  it('brings a deleted key back only on purpose: a create, or If-Match with the tombstone version', async () => {
    const { call, create, update } = testHandler();
    const { version } = (await create('project:p1', 1)).body as { version: string };
    await call('DELETE', 'project:p1', { headers: { 'if-match': `"${version}"` } });

    const again = await create('project:p1', 2);

    expect(again).toMatchObject({ status: 200, body: { version: expect.stringMatching(/^3-/) } });
    const tomb = (await call('DELETE', 'project:p1', { headers: { 'if-match': `"${again.body.version}"` } })).body.version as string;
    expect(await update('project:p1', tomb, 3)).toMatchObject({ status: 200 });
    expect((await call('GET', 'project:p1')).body.data).toBe(3);
  });

  it('answers a delete that does not match with 412 and the current copy', async () => {
    const { call, create } = testHandler();
    await create('project:p1', 1);

    expect(await call('DELETE', 'project:p1', { headers: { 'if-match': '"1-other"' } })).toMatchObject({ status: 412, body: { data: 1 } });
  });
});

describe('refusals', () => {
  it.each([
    ['a body that is not JSON', 400, 'title=A', /not JSON/],
    ['JSON without data', 400, '{"title":"A"}', /\{ "data": … \}/],
    ['an array', 400, '[1]', /\{ "data": … \}/],
    ['overrode that is not a list of paths', 400, '{"data":1,"overrode":"title"}', /overrode/],
    ['JSON nested past maxJsonDepth', 400, `{"data":${'['.repeat(11)}${']'.repeat(11)}}`, /deeper than 10 levels \(maxJsonDepth\)/],
    ['a body over maxBodyBytes', 413, JSON.stringify({ data: 'x'.repeat(2048) }), /larger than 1024 bytes \(maxBodyBytes\)/],
  ])('refuses %s with %i and a message, storing nothing', async (_name, status, body, message) => {
    const { call } = testHandler({ maxBodyBytes: 1024, maxJsonDepth: 10 });

    const reply = await call('PUT', 'project:bad', { body, headers: { 'if-none-match': '*' } });

    expect(reply.status).toBe(status);
    expect(reply.body.error).toMatch(message);
    expect((await call('GET', 'project:bad')).status).toBe(404);
  });

  it('refuses a streamed body past maxBodyBytes with 413 although it declared no length', async () => {
    const { call } = testHandler({ maxBodyBytes: 1024 });
    const body = heldBody(`{"data":"${'x'.repeat(2000)}`);

    expect((await call('PUT', 'project:big', { body: body.stream, headers: { 'if-none-match': '*' } })).status).toBe(413);
  });

  it('answers a key in broken URL encoding with 400, and one too long with 414', async () => {
    const { handler, call } = testHandler();

    expect((await handler(new Request('http://127.0.0.1/api/autosave/%E0%A4%A', { headers: { authorization: 'Bearer token-alice-0123456789' } }))).status).toBe(400);
    expect((await call('GET', `project:${'k'.repeat(1100)}`)).status).toBe(414);
  });

  it('answers methods it does not take with 405 and Allow', async () => {
    const { call } = testHandler();

    const post = await call('POST', 'project:p1', { body: '{}' });
    const postCollection = await call('POST', null, { body: '{}' });

    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, PUT, PATCH, DELETE, OPTIONS');
    expect(postCollection.status).toBe(405);
  });

  it('answers 404 for paths outside basePath and names reserved for the protocol', async () => {
    const { handler, call } = testHandler();

    expect((await handler(new Request('http://127.0.0.1/elsewhere'))).status).toBe(404);
    expect((await call('GET', '_sync')).status).toBe(404);
    expect((await call('PUT', '_mine', { body: '{"data":1}', headers: { 'if-none-match': '*' } })).status).toBe(404);
  });

  it('answers 413 past the space quota of bytes or documents, with the usage', async () => {
    const { create, update } = testHandler({ quota: { maxBytes: 20, maxDocuments: 2 } });
    const { version } = (await create('project:a', 'x'.repeat(10))).body as { version: string };
    await create('project:b', 1);

    expect(await create('project:c', 1)).toMatchObject({ status: 413, body: { error: expect.stringMatching(/maxDocuments/), usage: { documents: 2 } } });
    expect(await update('project:a', version, 'x'.repeat(30))).toMatchObject({ status: 413, body: { error: expect.stringMatching(/maxBytes/) } });
  });

  it('takes quotas per user from a function', async () => {
    const { create } = testHandler({ quota: (userId) => ({ maxDocuments: userId === 'alice' ? 1 : 5 }) });
    await create('project:a', 1);

    expect((await create('project:b', 1)).status).toBe(413);
    expect((await create('project:b', 1, 'bob')).status).toBe(200);
  });

  it('validates with the schemas of their collections: 422 with the issues, and for a collection it has none for', async () => {
    const Project = z.object({ title: z.string().max(5) });
    const { create, call } = testHandler({ schemas: { project: Project } });

    const invalid = await create('project:p1', { title: 'much too long' });
    const unknown = await create('notes:n1', { text: 'x' });

    expect(invalid).toMatchObject({ status: 422, body: { issues: [expect.objectContaining({ path: ['title'], code: 'too_big' })] } });
    expect(unknown).toMatchObject({ status: 422, body: { error: expect.stringMatching(/"project", not "notes"/) } });
    expect((await create('project:p1', { title: 'ok' })).status).toBe(200);
    expect((await call('GET', 'project:p1')).body.data).toEqual({ title: 'ok' });
  });

  it('answers a store failure with a 500 that says nothing of it, and tells onError', async () => {
    const onError = jest.fn();
    const { store } = testHandler();
    const { call } = testHandler({ store: { ...store, get: () => Promise.reject(new Error('disk on fire at /srv/secret')) }, onError });

    const reply = await call('GET', 'project:p1');

    expect(reply).toMatchObject({ status: 500, body: { error: 'the server failed to handle this request' } });
    expect(reply.text).not.toMatch(/secret|fire/);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'disk on fire at /srv/secret' }), expect.any(Request));
  });
});
