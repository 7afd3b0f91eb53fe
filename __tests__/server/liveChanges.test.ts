import { createSyncHandler, createSyncServer, memoryStore, type SyncServer } from '../../src/server';
import { sseReader } from './helpers/eventStream';
import { bearer, tokenOf } from './helpers/handler';

const auth = (user: string) => ({ authorization: `Bearer ${tokenOf(user)}` });

describe('GET {basePath}/_changes on a real HTTP server', () => {
  let server: SyncServer;
  let clock = 1_700_000_000_000;
  beforeEach(async () => {
    server = await createSyncServer({ store: memoryStore({ now: () => clock, retentionMs: 60_000 }), authorize: bearer, port: 0, live: { maxStreamsPerUser: 2 } });
  });
  afterEach(() => server.close());

  const open = async (user = 'alice', headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}/_changes`, { headers: { accept: 'text/event-stream', ...auth(user), ...headers } });
    return { response, events: sseReader(response.body!) };
  };
  const put = async (key: string, data: unknown, headers: Record<string, string> = { 'if-none-match': '*' }, user = 'alice') => {
    const response = await fetch(`${server.url}/${encodeURIComponent(key)}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...auth(user), ...headers }, body: JSON.stringify({ data }) });
    return (await response.json()) as { version: string };
  };

  it('opens with hello and the current cursor, then one change per write or delete in the caller’s space only', async () => {
    await put('project:old', 1);
    const { response, events } = await open();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await events.nextEvent()).toEqual({ event: 'hello', id: '1', data: { cursor: 1 } });

    await put('project:p1', { title: 'theirs' }, { 'if-none-match': '*' }, 'bob');
    const { version } = await put('project:p1', { title: 'Pilot' });
    await fetch(`${server.url}/project%3Aold`, { method: 'DELETE', headers: { ...auth('alice'), 'if-match': '*' } });

    expect(await events.nextEvent()).toEqual({ event: 'change', id: '2', data: { key: 'project:p1', version } });
    expect(await events.nextEvent()).toEqual({ event: 'change', id: '3', data: { key: 'project:old', version: expect.stringMatching(/^2-/), deleted: true } });
    await events.cancel();
  });

  it('echoes the writer’s X-Autosave-Client as client, so a tab can skip its own writes', async () => {
    const { events } = await open();
    await events.nextEvent();

    const { version } = await put('project:p1', 1, { 'if-none-match': '*', 'x-autosave-client': 'tab-7f3a' });
    await put('project:p2', 1, { 'if-none-match': '*', 'x-autosave-client': 'bad id with spaces' });

    expect(await events.nextEvent()).toEqual({ event: 'change', id: '1', data: { key: 'project:p1', version, client: 'tab-7f3a' } });
    expect((await events.nextEvent())?.data).toEqual({ key: 'project:p2', version: expect.any(String) });
    await events.cancel();
  });

  it('resumes after Last-Event-ID, and says reset for a cursor older than the retention', async () => {
    const first = await put('a', 1);
    await put('b', 1);
    await put('c', 1);
    const resumed = await open('alice', { 'last-event-id': '1' });
    expect(await resumed.events.nextEvent()).toEqual({ event: 'hello', data: { cursor: 3 } });
    expect((await resumed.events.nextEvent())?.data).toMatchObject({ key: 'b' });
    expect(await resumed.events.nextEvent()).toMatchObject({ id: '3', data: { key: 'c' } });
    await resumed.events.cancel();

    await fetch(`${server.url}/a`, { method: 'DELETE', headers: { ...auth('alice'), 'if-match': `"${first.version}"` } });
    clock += 61_000;
    const old = await open('alice', { 'last-event-id': '1' });

    expect(await old.events.nextEvent()).toEqual({ event: 'hello', data: { cursor: 4 } });
    expect(await old.events.nextEvent()).toEqual({ event: 'reset', id: '4', data: { cursor: 4 } });
    await old.events.cancel();
  });

  it('answers 401 without credentials, 400 for a Last-Event-ID it never sent', async () => {
    const anonymous = await fetch(`${server.url}/_changes`);
    const garbage = await open('alice', { 'last-event-id': 'x; drop table' });

    expect(anonymous.status).toBe(401);
    expect(garbage.response.status).toBe(400);
  });

  it('caps the streams of one user with 429 and Retry-After, and frees a place when a stream closes', async () => {
    const first = await open();
    const second = await open();
    await first.events.nextEvent();
    await second.events.nextEvent();

    const third = await open();
    const other = await open('bob');
    expect(third.response.status).toBe(429);
    expect(third.response.headers.get('retry-after')).toBe('30');
    expect(other.response.status).toBe(200);

    await first.events.cancel();
    let again = await open();
    for (let tries = 0; again.response.status === 429 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      again = await open();
    }
    expect(again.response.status).toBe(200);
    await Promise.all([second, other, again].map(({ events }) => events.cancel()));
  });

  it('says live in its capabilities, and lets browsers send Last-Event-ID and X-Autosave-Client', async () => {
    const capabilities = await (await fetch(`${server.url}/_capabilities`, { headers: auth('alice') })).json();
    const server2 = await createSyncServer({ store: memoryStore(), authorize: bearer, port: 0, cors: { origins: ['https://app.example.com'] } });
    const preflight = await fetch(`${server2.url}/_changes`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
    await server2.close();

    expect(capabilities).toMatchObject({ live: true });
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Last-Event-ID.*X-Autosave-Client/);
  });
});

describe('the change stream over time', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a comment every heartbeatMs and ends after maxStreamMs', async () => {
    const handler = createSyncHandler({ store: memoryStore(), authorize: bearer, live: { heartbeatMs: 1_000, maxStreamMs: 3_500 } });
    const response = await handler(new Request('http://127.0.0.1/api/autosave/_changes', { headers: auth('alice') }));
    const events = sseReader(response.body!);
    expect(await events.next()).toMatchObject({ event: 'hello' });

    const seen: unknown[] = [];
    const reading = (async () => {
      for (let event = await events.next(); event; event = await events.next()) seen.push(event);
    })();
    await jest.advanceTimersByTimeAsync(3_600);
    await reading;

    expect(seen).toEqual([{ comment: 'keep-alive' }, { comment: 'keep-alive' }, { comment: 'keep-alive' }]);
  });

  it('refuses live options that are not whole numbers, naming them', () => {
    expect(() => createSyncHandler({ store: memoryStore(), authorize: bearer, live: { heartbeatMs: -1 } })).toThrow('createSyncHandler `live.heartbeatMs` must be a whole number above 0, received -1');
  });
});
