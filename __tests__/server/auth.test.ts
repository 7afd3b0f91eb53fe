import { createSyncHandler, createSyncServer, memoryStore } from '../../src/server';
import { testHandler } from './helpers/handler';

describe('authorize', () => {
  it('answers 401 without a token or with an unknown one', async () => {
    const { call, handler } = testHandler();

    expect(await call('GET', 'project:p1', { user: null })).toMatchObject({ status: 401, body: { error: expect.any(String) } });
    expect((await handler(new Request('http://127.0.0.1/api/autosave/project%3Ap1', { headers: { authorization: 'Bearer nope' } }))).status).toBe(401);
    expect((await call('PUT', 'project:p1', { user: null, body: '{"data":1}', headers: { 'if-none-match': '*' } })).status).toBe(401);
  });

  it('keeps user B from reading, overwriting, deleting, listing or replaying user A’s documents under the same key', async () => {
    const { call, create, update } = testHandler();
    const a = await create('project:p1', { owner: 'alice' }, 'alice', { 'idempotency-key': 'shared:1' });
    const version = a.body.version as string;

    expect((await call('GET', 'project:p1', { user: 'bob' })).status).toBe(404);
    expect((await update('project:p1', version, { owner: 'bob' }, 'bob')).status).toBe(404);
    expect((await call('DELETE', 'project:p1', { user: 'bob', headers: { 'if-match': `"${version}"` } })).status).toBe(404);
    expect((await call('GET', null, { user: 'bob' })).body).toEqual({ items: [] });
    // The same Idempotency-Key and body in B's space is B's own first request, not a replay of A's answer.
    const replayed = await create('project:p1', { owner: 'alice' }, 'bob', { 'idempotency-key': 'shared:1' });
    expect(replayed.status).toBe(200);
    expect(replayed.body.version).not.toBe(version);
    expect((await call('GET', 'project:p1', { user: 'alice' })).body).toEqual({ version, data: { owner: 'alice' } });
    expect((await call('GET', 'project:p1', { user: 'bob' })).body).toEqual({ version: replayed.body.version, data: { owner: 'alice' } });
  });

  it("keeps user 'a:b' with key 'c:d' apart from user 'a' with key 'b:c:d', and 'a/b' from 'a' with 'b/c'", async () => {
    const { call, create } = testHandler();
    await create('c:d', 'of a:b', 'a:b');
    await create('b:c:d', 'of a', 'a');
    await create('c', 'of a/b', 'a/b');
    await create('b/c', 'of a', 'a');

    expect((await call('GET', 'c:d', { user: 'a:b' })).body.data).toBe('of a:b');
    expect((await call('GET', 'b:c:d', { user: 'a' })).body.data).toBe('of a');
    expect((await call('GET', 'c', { user: 'a/b' })).body.data).toBe('of a/b');
    expect((await call('GET', 'b:c:d', { user: 'a:b' })).status).toBe(404);
    expect((await call('GET', 'c:d', { user: 'a' })).status).toBe(404);
    expect(((await call('GET', null, { user: 'a' })).body.items as { key: string }[]).map((item) => item.key)).toEqual(['b/c', 'b:c:d']);
  });

  it('answers a throwing authorize with a 500 that leaks nothing, and tells onError', async () => {
    const onError = jest.fn();
    const { call } = testHandler({
      authorize: () => {
        throw new Error('session store at redis://admin:hunter2@10.0.0.5 refused');
      },
      onError,
    });

    const reply = await call('GET', 'project:p1');

    expect(reply.status).toBe(500);
    expect(reply.text).toBe('{"error":"the server failed to handle this request"}');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringContaining('hunter2') }), expect.any(Request));
  });

  it('answers an authorize that returns no user id with a 500 and says why to onError', async () => {
    const onError = jest.fn();
    const { call } = testHandler({ authorize: async () => ({ userId: '' }), onError });

    expect((await call('GET', 'project:p1')).status).toBe(500);
    expect(onError.mock.calls[0][0].message).toContain('`authorize` must resolve to { userId: a non-empty string } or null, received userId ""');
  });

  it('throws at once for a missing authorize, naming the option', () => {
    expect(() => createSyncHandler({ store: memoryStore() } as never)).toThrow(
      "redux-autosave: createSyncHandler `authorize` must be a function (request) => { userId } | null, or 'anonymous' to let everyone in one shared space, received undefined",
    );
  });
});

describe("authorize: 'anonymous'", () => {
  it('answers loopback host names and allowedHosts, and refuses any other Host with 421 (DNS rebinding)', async () => {
    const { call } = testHandler({ authorize: 'anonymous', allowedHosts: ['devbox.local'] });

    for (const origin of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787', 'http://devbox.local']) {
      expect((await call('GET', 'project:p1', { origin, user: null })).status).toBe(404);
    }
    const rebound = await call('GET', 'project:p1', { origin: 'http://evil.example:8787', user: null });
    expect(rebound).toMatchObject({ status: 421, body: { error: expect.stringContaining('not evil.example') } });
  });

  it('keeps its one shared space apart from every user', async () => {
    const store = memoryStore();
    const anonymous = testHandler({ store, authorize: 'anonymous' });
    const users = testHandler({ store });
    await anonymous.create('project:p1', 'shared', 'alice');

    expect((await users.call('GET', 'project:p1', { user: 'alice' })).status).toBe(404);
  });

  it('will not listen on a non-loopback address', async () => {
    await expect(createSyncServer({ store: memoryStore(), authorize: 'anonymous', host: '0.0.0.0', port: 0 })).rejects.toThrow(
      "redux-autosave: createSyncServer will not listen on \"0.0.0.0\" with authorize: 'anonymous'",
    );
  });
});
