import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { migrate, postgresStore } from '../../src/server';
import { sseReader } from './helpers/eventStream';
import { request, spawnServer, type ServerProcess } from './helpers/serverProcess';
import { REDIS_URL, REQUIRE_SERVICES, redisAnswers, startPostgres, uniqueName, type TestPostgres } from './helpers/services';

const CLIENTS = 8;
const ROUNDS = 10;
// User ids with ':' — the separator a store that glued space and key together would trip over.
const USERS: Record<string, string> = { 'token-of-the-first-user-0001': 'org:acme:user:1', 'token-of-the-second-user-002': 'org:acme' };
const dir = mkdtempSync(join(tmpdir(), 'autosave-many-'));
const tokens = join(dir, 'tokens.json');
writeFileSync(tokens, JSON.stringify(USERS));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

interface RoundsResult {
  statuses: number[][];
  versions: string[];
  /** PUTs answered 503 (and then retried with the same Idempotency-Key). */
  unavailable: number;
}

/**
 * Each round, every client reads the document from the server it talks to,
 * then all PUT on top of that one version at once, alternating between the two
 * processes. A 503 (the database went away) is retried with the same
 * Idempotency-Key until it is answered: the store applied it whole or not at all.
 * `midway` runs once, between the PUTs of the middle round.
 */
async function raceRounds(servers: ServerProcess[], token: string, key: string, midway?: () => Promise<void>): Promise<RoundsResult> {
  const url = (n: number) => `${servers[n % servers.length].url}/${encodeURIComponent(key)}`;
  const created = await request(url(0), 'PUT', { ...auth(token), 'if-none-match': '*' }, JSON.stringify({ data: { round: -1 } }));
  expect(created.status).toBe(200);
  const result: RoundsResult = { statuses: [], versions: [JSON.parse(created.text).version], unavailable: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const base = JSON.parse((await request(url(round), 'GET', auth(token))).text) as { version: string; data: { round: number } };
    expect(base.version).toBe(result.versions[result.versions.length - 1]);
    const puts = Array.from({ length: CLIENTS }, async (_, client) => {
      const headers = { ...auth(token), 'if-match': `"${base.version}"`, 'idempotency-key': `${round}:${client}` };
      for (let attempt = 0; ; attempt++) {
        const answer = await request(url(client), 'PUT', headers, JSON.stringify({ data: { round, client } }));
        if (answer.status !== 503 || attempt >= 200) return { client, ...answer };
        result.unavailable += 1;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    });
    if (round === ROUNDS / 2 && midway) await midway();
    const answers = await Promise.all(puts);
    result.statuses.push(answers.map((answer) => answer.status));
    const winner = answers.find((answer) => answer.status === 200);
    if (!winner) continue;
    const stored = JSON.parse((await request(url(round + 1), 'GET', auth(token))).text) as { version: string; data: { round: number; client: number } };
    // No lost update: what is stored is the one write that was answered 200.
    expect(stored).toEqual({ version: JSON.parse(winner.text).version, data: { round, client: winner.client } });
    result.versions.push(stored.version);
  }
  return result;
}

/**
 * A change stream open on one process sees writes made through the other
 * (Postgres: LISTEN/NOTIFY; Redis: the space's stream), then a resume from
 * its last id on the other process gets what was written while it was away.
 */
async function streamAcrossProcesses(servers: ServerProcess[], token: string): Promise<void> {
  const key = `project:live-${Date.now()}`;
  const response = await fetch(`${servers[0].url}/_changes`, { headers: auth(token) });
  const events = sseReader(response.body!);
  const hello = await events.nextEvent();
  expect(hello).toMatchObject({ event: 'hello' });
  const sentAt = Date.now();
  const put = await request(`${servers[1].url}/${encodeURIComponent(key)}`, 'PUT', { ...auth(token), 'if-none-match': '*', 'x-autosave-client': 'tab-b' }, '{"data":1}');
  const change = await events.nextEvent();
  const latencyMs = Date.now() - sentAt;
  await events.cancel();
  expect(change).toEqual({ event: 'change', id: String((hello!.data as { cursor: number }).cursor + 1), data: { key, version: JSON.parse(put.text).version, client: 'tab-b' } });
  expect(latencyMs).toBeLessThan(1_000);

  const gone = await request(`${servers[0].url}/${encodeURIComponent(key)}`, 'DELETE', { ...auth(token), 'if-match': '*' });
  const resumed = await fetch(`${servers[1].url}/_changes`, { headers: { ...auth(token), 'last-event-id': change!.id! } });
  const again = sseReader(resumed.body!);
  expect(await again.nextEvent()).toMatchObject({ event: 'hello' });
  expect(await again.nextEvent()).toMatchObject({ event: 'change', data: { key, version: JSON.parse(gone.text).version, deleted: true } });
  await again.cancel();
}

function expectOneWinnerPerRound({ statuses, versions }: RoundsResult): void {
  expect(statuses).toHaveLength(ROUNDS);
  for (const round of statuses) {
    expect(round.filter((status) => status === 200)).toHaveLength(1);
    expect(round.filter((status) => status === 412)).toHaveLength(CLIENTS - 1);
  }
  expect(new Set(versions).size).toBe(versions.length);
  expect(versions.map((version) => Number.parseInt(version, 10))).toEqual(Array.from({ length: ROUNDS + 1 }, (_, n) => n + 1));
}

describe('two server processes on one Postgres', () => {
  let db: TestPostgres;
  let servers: ServerProcess[] = [];
  const schema = uniqueName('many');
  const appName = uniqueName('app');

  beforeAll(async () => {
    db = await startPostgres();
    const store = postgresStore({ pool: db.pool, schema });
    await migrate(store);
    await store.close();
    const url = new URL(db.url);
    url.searchParams.set('schema', schema);
    url.searchParams.set('application_name', appName);
    servers = await Promise.all([0, 1].map(() => spawnServer({ store: url.toString(), args: ['--tokens', tokens] })));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await db.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.close();
  });

  it(`lets exactly one of ${CLIENTS} concurrent PUTs from one version win, ${ROUNDS} rounds, across both processes`, async () => {
    const [token] = Object.keys(USERS);

    expectOneWinnerPerRound(await raceRounds(servers, token, 'project:race'));
  }, 60_000);

  it('streams a write made on one process to a watcher on the other (LISTEN/NOTIFY), and resumes on either', async () => {
    await streamAcrossProcesses(servers, Object.keys(USERS)[0]);
  }, 30_000);

  it('keeps that when the database drops every connection of both servers midway (real Postgres: pg_terminate_backend)', async () => {
    const token = Object.keys(USERS)[1];
    let terminated = 0;
    const dropConnections = async () => {
      // The embedded Postgres has one backend for everyone: there the round runs without the fault.
      if (db.kind !== 'postgres') return;
      const { rows } = await db.pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
      terminated = rows.length;
    };

    const result = await raceRounds(servers, token, 'project:race', dropConnections);

    expectOneWinnerPerRound(result);
    if (db.kind === 'postgres') expect(terminated).toBeGreaterThan(0);
    process.stdout.write(`Postgres fault: ${terminated} connections terminated, ${result.unavailable} PUTs answered 503 and retried\n`);
    // The other user's document is theirs alone, though both ids start with 'org:acme'.
    const mine = await request(`${servers[0].url}/project%3Arace`, 'GET', auth(Object.keys(USERS)[0]));
    expect(JSON.parse(mine.text).data.round).toBe(ROUNDS - 1);
  }, 60_000);
});

const redis = redisAnswers();
if (redis.ok) {
  describe('two server processes on one Redis', () => {
    let servers: ServerProcess[] = [];
    let admin: Redis;
    const prefix = `${uniqueName('many')}:`;
    const connectionName = uniqueName('conn');

    beforeAll(async () => {
      admin = new Redis(REDIS_URL);
      const url = new URL(REDIS_URL);
      url.searchParams.set('prefix', prefix);
      url.searchParams.set('connectionName', connectionName);
      servers = await Promise.all([0, 1].map(() => spawnServer({ store: url.toString(), args: ['--tokens', tokens] })));
    }, 60_000);
    afterAll(async () => {
      await Promise.all(servers.map((server) => server.close()));
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    });

    it(`lets exactly one of ${CLIENTS} concurrent PUTs from one version win, ${ROUNDS} rounds, across both processes`, async () => {
      expectOneWinnerPerRound(await raceRounds(servers, Object.keys(USERS)[0], 'project:race'));
    }, 60_000);

    it('streams a write made on one process to a watcher on the other (XREAD on a duplicated client), and resumes on either', async () => {
      await streamAcrossProcesses(servers, Object.keys(USERS)[0]);
    }, 30_000);

    it("keeps that when Redis drops both servers' connections midway (CLIENT KILL)", async () => {
      let killed = 0;
      const dropConnections = async () => {
        const list = (await admin.client('LIST')) as string;
        for (const line of list.split('\n').filter((entry) => entry.includes(` name=${connectionName} `))) {
          killed += Number(await admin.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]));
        }
      };

      const result = await raceRounds(servers, Object.keys(USERS)[1], 'project:race', dropConnections);

      expectOneWinnerPerRound(result);
      expect(killed).toBeGreaterThan(0);
      process.stdout.write(`Redis fault: ${killed} connections killed, ${result.unavailable} PUTs answered 503 and retried\n`);
    }, 60_000);
  });
} else if (REQUIRE_SERVICES) {
  it('runs two server processes on the Redis at REDIS_URL (REQUIRE_SERVICES=1)', () => {
    throw new Error(`REQUIRE_SERVICES=1 and no Redis answers at ${REDIS_URL}: ${redis.reason}`);
  });
} else {
  process.stdout.write(`two server processes on one Redis did not run: no Redis at ${REDIS_URL} (${redis.reason})\n`);
}
