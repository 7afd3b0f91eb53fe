/**
 * Live changes (design §10), client side: httpRemote({ live: true }) against
 * a small server on 127.0.0.1 that speaks `GET {url}/_changes`. Stories run
 * in real time, every wait is for a request the server receives or an
 * action the store receives; backoffs and timeouts run on fake timers.
 */
import { httpRemote, memoryStorage, RemoteError } from '../src';
import { createSseParser, type SseMessage } from '../src/sync/http/sse';
import { HEALTHY_MS } from '../src/sync/live';
import { makeProject, projectLoaded, titleChanged, useFakeTimers } from './helpers';
import { liveRemote } from './helpers/liveRemote';
import { startLiveServer, type LiveServer, type LiveServerOptions } from './helpers/liveServer';
import { createDevice, type Device } from './helpers/sync';

let server: LiveServer;
const devices: Device[] = [];
let errors: unknown[];

async function serve(options: LiveServerOptions = {}) {
  server = await startLiveServer(options);
  return server;
}

function device(options: { live?: boolean; timeoutMs?: number; onUnauthorized?: () => void; headers?: () => Record<string, string> } = {}) {
  const { live = true, timeoutMs = 2000, onUnauthorized, headers } = options;
  const created = createDevice(httpRemote({ url: server.url, live, timeoutMs, onUnauthorized, headers }), { onError: (error) => errors.push(error) });
  devices.push(created);
  return created;
}

/** B, watching, with p1 (three shots) loaded from the server and its stream open. */
async function watching(): Promise<Device> {
  server.write('project:p1', makeProject('p1', 'Trailer', 3), 'someone');
  const b = device();
  expect((await b.autosave.load('project', 'p1')).status).toBe('loaded');
  await server.until(() => server.open === 1);
  await b.synced();
  return b;
}

const pulls = (key = 'project:p1') => server.pulls.get(key) ?? 0;
const liveErrors = () => errors.filter((e) => e instanceof RemoteError && /live changes/.test(e.message));
const edited = (title: string) => ({ ...makeProject('p1', 'Trailer', 3), title });

beforeEach(() => {
  errors = [];
});

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.autosave.dispose({ flush: false })));
  jest.useRealTimers();
  await server?.close();
});

describe('httpRemote({ live })', () => {
  beforeEach(() => serve());

  it('is off by default in Node, on when asked, and refuses what is not a boolean', () => {
    expect(httpRemote({ url: server.url }).watch).toBeUndefined();
    expect(httpRemote({ url: server.url, live: true }).watch).toEqual(expect.any(Function));
    expect(() => httpRemote({ url: server.url, live: 'yes' as unknown as boolean })).toThrow(
      'redux-autosave: httpRemote `live` must be a boolean, received the string "yes"',
    );
  });

  it('shows an edit made on another device without a reload, focus change or syncNow, and never says saving for it', async () => {
    const a = device({ live: false });
    a.store.dispatch(projectLoaded(makeProject('p1', 'Trailer', 3)));
    await a.synced();
    const b = device();
    await b.autosave.load('project', 'p1');
    await server.until(() => server.open === 1);
    await b.synced();
    const statuses: string[] = [];
    b.store.subscribe(() => statuses.push(b.status().status));

    a.store.dispatch(titleChanged('Trailer, cut 2'));
    await b.until(() => b.project()?.title === 'Trailer, cut 2', 'B shows A’s edit');
    await b.until(() => b.status().remoteVersion === a.status().remoteVersion && !b.status().pendingSync, 'B in step');

    expect(new Set(statuses)).toEqual(new Set(['saved']));
  });

  it('names its writes with X-Autosave-Client and skips the changes that carry its own id', async () => {
    const b = await watching();
    b.store.dispatch(titleChanged('Edited on B'));
    await b.until(() => server.writes.length === 1 && !b.status().pendingSync, 'B pushed');
    const own = server.writes[0].client;
    expect(own).toMatch(/\S/);
    const before = pulls();

    // B's own write whose answer it never got: the server tells it back with B's id.
    server.write('project:p1', edited('Edited on B, answer lost'), own);
    server.write('project:p1', edited('Edited on A'), 'device-a');
    await b.until(() => b.project()?.title === 'Edited on A', 'B took A’s edit');

    expect(pulls()).toBe(before + 1);
  });

  it('reconnects after a dropped stream with Last-Event-ID and takes in what was written in the gap', async () => {
    const b = await watching();
    server.write('project:p1', edited('One'), 'a');
    await b.until(() => b.project()?.title === 'One');
    const cursor = String(server.cursor);

    server.dropStreams();
    await server.until(() => server.open === 0);
    server.write('project:p1', edited('Two, written while B was cut off'), 'a');
    await server.until(() => server.watches.length === 2);
    await b.until(() => b.project()?.title === 'Two, written while B was cut off');

    expect(server.watches[1].lastEventId).toBe(cursor);
  });

  it('starts afresh when the server refuses its Last-Event-ID (400), pulling what it has', async () => {
    await server.close();
    await serve({ refuse: (req) => (req.headers['last-event-id'] ? { status: 400, body: '{"error":"Last-Event-ID must be a cursor this server sent"}' } : undefined) });
    const b = await watching();
    const before = pulls();

    server.dropStreams();
    await server.until(() => server.watches.length === 3 && server.open === 1 && pulls() > before);

    expect(server.watches.map((w) => w.lastEventId === undefined)).toEqual([true, false, true]);
    expect(liveErrors()).toEqual([]);
    expect(b.status().status).toBe('saved');
  });

  it('pulls every known key after a reset (a cursor older than the server keeps), and no other', async () => {
    await server.close();
    await serve({ retention: 2 });
    server.write('project:p2', makeProject('p2', 'Second', 1), 'a');
    const b = await watching();
    await b.autosave.load('project', 'p2');
    await b.autosave.load('project', 'p1');
    const [p1, p2] = [pulls('project:p1'), pulls('project:p2')];

    server.dropStreams();
    await server.until(() => server.open === 0);
    for (const id of ['x1', 'x2', 'x3']) server.write(`project:${id}`, makeProject(id), 'a');
    await server.until(() => server.watches.length === 2 && pulls('project:p1') > p1 && pulls('project:p2') > p2);

    expect([pulls('project:p1'), pulls('project:p2')]).toEqual([p1 + 1, p2 + 1]);
    expect(pulls('project:x1') + pulls('project:x2') + pulls('project:x3')).toBe(0);
  });

  it('ignores garbage in the stream, reporting it once, and goes on', async () => {
    const b = await watching();
    server.send('this line is no field\n\nevent: change\ndata: {not json\n\nevent: change\ndata: [1]\n\n');
    server.send(': a comment\nretry: soon\nevent: hello\ndata: 42\n\nevent: change\ndata: {"key":7}\n\nevent: surprise\ndata: {}\n\n');
    server.write('project:p1', edited('After the garbage'), 'a');
    await b.until(() => b.project()?.title === 'After the garbage');

    expect(liveErrors()).toHaveLength(1);
    expect(server.open).toBe(1);
  });

  it('ignores changes to collections the app does not have, and to documents it never opened', async () => {
    const b = await watching();
    server.write('notes:n1', { text: 'hi' }, 'a');
    server.write('project:elsewhere', makeProject('elsewhere'), 'a');
    server.write('project:p1', edited('Known'), 'a');
    await b.until(() => b.project()?.title === 'Known');

    expect([pulls('notes:n1'), pulls('project:elsewhere')]).toEqual([0, 0]);
  });

  it('coalesces a flood of 10,000 changes into a pull or two', async () => {
    const b = await watching();
    const before = pulls();
    for (let i = 1; i <= 10_000; i++) server.write('project:p1', edited(`Flood ${i}`), 'a');
    const last = server.documents.get('project:p1')!.version;
    await b.until(() => b.project()?.title === 'Flood 10000' && b.status().remoteVersion === last && !b.status().pendingSync);

    const flood = pulls() - before;
    expect(flood).toBeGreaterThanOrEqual(1);
    expect(flood).toBeLessThanOrEqual(2);
  });

  it('drops a stream whose line passes 1 MB rather than hold it, and connects again', async () => {
    await watching();
    server.send(`data: ${'x'.repeat(1_100_000)}`);
    await server.until(() => server.watches.length === 2 && server.open === 1);
  });
});

describe('live changes with many tabs', () => {
  it('watches from the leading tab alone; the others take in what it stores; the next leader takes over', async () => {
    const remote = liveRemote();
    remote.write('project:p1', makeProject('p1', 'Trailer', 3));
    const storage = memoryStorage();
    const [first, second] = [createDevice(remote.remote, { storage }), createDevice(remote.remote, { storage })];
    devices.push(first, second);
    await first.autosave.load('project', 'p1');
    await second.autosave.load('project', 'p1');
    await first.until(() => remote.open === 1);

    remote.write('project:p1', edited('Seen by the leader, shown in both'));
    await second.until(() => second.project()?.title === 'Seen by the leader, shown in both', 'the other tab took it in');
    expect(remote.connections).toHaveLength(1);

    await first.autosave.dispose({ flush: false });
    await second.until(() => remote.open === 1 && remote.connections.length === 2, 'the next leader watching');
    remote.write('project:p1', edited('Seen by the new leader'));
    await second.until(() => second.project()?.title === 'Seen by the new leader');
  });
});

describe('live changes over time', () => {
  /** Advances the fake clock in steps, letting real sockets answer between them, until `check` holds. */
  async function advanceUntil(check: () => boolean, maxMs = 20_000, stepMs = 50): Promise<number> {
    let waited = 0;
    while (!check() && waited < maxMs) {
      await jest.advanceTimersByTimeAsync(stepMs);
      await new Promise((resolve) => setImmediate(resolve));
      waited += stepMs;
    }
    expect(check()).toBe(true);
    return waited;
  }
  async function advanceFor(ms: number): Promise<void> {
    for (let waited = 0; waited < ms; waited += 50) {
      await jest.advanceTimersByTimeAsync(50);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('drops a stream that never says hello and tries again with backoff, never in a hot loop', async () => {
    await serve({ silent: true });
    useFakeTimers();
    device({ timeoutMs: 1000 });
    await advanceUntil(() => server.watches.length === 1);
    const waited = await advanceUntil(() => server.watches.length === 2);
    await advanceFor(5000);

    expect(waited).toBeGreaterThanOrEqual(900);
    // A hello timeout of 1 s and backoffs of 20–200 ms: about one try a second.
    expect(server.watches.length).toBeLessThanOrEqual(8);
    expect(server.open).toBe(1);
  });

  it('opens a stream the server ended after a healthy run again at once, with the headers read afresh', async () => {
    await serve();
    useFakeTimers();
    let token = 0;
    device({ headers: () => ({ authorization: `Bearer t${++token}` }) });
    await advanceUntil(() => server.open === 1);
    await advanceFor(HEALTHY_MS);

    server.endStreams();
    const waited = await advanceUntil(() => server.watches.length === 2 && server.open === 1);

    expect(waited).toBeLessThanOrEqual(50);
    const [first, second] = server.watches.map((w) => w.authorization);
    expect(second).not.toBe(first);
    expect(second).toMatch(/^Bearer t\d+$/);
  });

  it('stops at a 401 after onUnauthorized had its one chance, and says so with code auth', async () => {
    await serve({ refuse: () => ({ status: 401, body: '{"error":"token expired"}' }) });
    useFakeTimers();
    const onUnauthorized = jest.fn();
    device({ onUnauthorized });
    await advanceUntil(() => liveErrors().length === 1);
    await advanceFor(10_000);

    expect(server.watches).toHaveLength(2);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(liveErrors()[0]).toMatchObject({ code: 'auth', status: 401, message: expect.stringContaining('token expired') });
  });

  it('stops quietly at a server without live changes (404)', async () => {
    await serve({ refuse: () => ({ status: 404 }) });
    useFakeTimers();
    device();
    await advanceUntil(() => server.watches.length === 1);
    await advanceFor(10_000);

    expect(server.watches).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('waits as long as Retry-After says after a 503', async () => {
    let refusals = 0;
    await serve({ refuse: () => (refusals++ === 0 ? { status: 503, headers: { 'retry-after': '3' } } : undefined) });
    useFakeTimers();
    device();
    await advanceUntil(() => server.watches.length === 1);
    const waited = await advanceUntil(() => server.watches.length === 2);

    expect(waited).toBeGreaterThanOrEqual(2950);
    expect(waited).toBeLessThan(3500);
  });
});

describe('the event-stream parser', () => {
  function parse(pieces: string[], maxChars = 1000): { messages: SseMessage[]; ok: boolean } {
    const messages: SseMessage[] = [];
    const parser = createSseParser((message) => messages.push(message), maxChars);
    const ok = pieces.every((piece) => parser.feed(piece));
    return { messages, ok };
  }

  it('reads events cut anywhere, with CRLF, CR or LF, a BOM, comments, multi-line data and a lasting id', () => {
    const text = '\uFEFF: hi\r\nevent: hello\r\ndata: {"cursor":"1"}\r\n\r\nid: 7\rdata: a\rdata:b\r\revent: change\ndata: c\n\n';
    const whole = parse([text]);
    const byChar = parse([...text]);

    expect(whole).toEqual({
      ok: true,
      messages: [
        { event: 'hello', data: '{"cursor":"1"}', id: undefined },
        { event: 'message', data: 'a\nb', id: '7' },
        { event: 'change', data: 'c', id: '7' },
      ],
    });
    expect(byChar).toEqual(whole);
  });

  it('gives up on a line, or one event’s data, longer than its cap', () => {
    expect(parse(['data: ', 'x'.repeat(600), 'x'.repeat(600)]).ok).toBe(false);
    expect(parse([`${'data: x\n'.repeat(600)}`]).ok).toBe(false);
    expect(parse([`${'data: x\n\n'.repeat(2000)}`]).ok).toBe(true);
  });
});
