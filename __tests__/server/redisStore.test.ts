import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { redisStore } from '../../src/server';
import { describeSyncStore } from './helpers/describeSyncStore';
import { REDIS_URL, REQUIRE_SERVICES, redisAnswers, uniqueName } from './helpers/services';

const redis = redisAnswers();
const prefix = `${uniqueName('redisstore')}:`;

if (redis.ok) {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });

  describeSyncStore('redisStore({ client })', (options) => redisStore({ client, prefix, onWarning: () => {}, ...options }));

  it('gives a watcher resuming after a later write the change of a write that was planned before it and applied after', async () => {
    // T1's script is held back after T1 read the space and planned; T2 (another process) writes meanwhile.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const slow = Object.create(client) as Redis;
    slow.call = (async (command: string, ...args: unknown[]) => {
      if (command === 'EVALSHA' && !held) {
        held = true;
        await gate;
      }
      return (client.call as (...all: unknown[]) => Promise<unknown>)(command, ...args);
    }) as Redis['call'];
    const first = redisStore({ client: slow as never, prefix, onWarning: () => {} });
    const other = redisStore({ client, prefix, onWarning: () => {} });
    const space = `user-${randomUUID()}`;
    const create = (key: string) => ({ space, key, precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put' as const, text: '1' } });

    const t1 = first.write(create('a'));
    while (!held) await new Promise((resolve) => setImmediate(resolve));
    const t2 = await other.write(create('b'));
    const seen = await other.changes(space, 0, 100);
    release();
    const written = await t1;
    const resumed = await other.changes(space, seen.cursor, 100);
    await first.close();
    await other.close();

    expect(t2).toMatchObject({ status: 'written', cursor: 1 });
    expect(written).toMatchObject({ status: 'written', cursor: 2 });
    expect(resumed).toMatchObject({ status: 'changes', changes: [{ key: 'a', cursor: 2 }] });
  });
} else if (REQUIRE_SERVICES) {
  it('runs on the Redis at REDIS_URL (REQUIRE_SERVICES=1)', () => {
    throw new Error(`REQUIRE_SERVICES=1 and no Redis answers at ${REDIS_URL}: ${redis.reason}`);
  });
} else {
  process.stdout.write(`redisStore suite did not run: no Redis at ${REDIS_URL} (${redis.reason}); set REDIS_URL, or REQUIRE_SERVICES=1 to make this a failure\n`);
}

describe('redisStore options', () => {
  it('names the option it needs', () => {
    expect(() => redisStore({} as never)).toThrow('redux-autosave: redisStore `url` must be given, or else `client` (one of the two)');
    expect(() => redisStore({ url: 'http://x' })).toThrow('`url` must be a redis:// or rediss:// URL');
  });
});

/** A stand-in for an ioredis client that answers CONFIG GET with `config` and fails every other command. */
function configOnly(config: Record<string, string>) {
  const client = {
    quit: jest.fn(async () => 'OK'),
    disconnect: jest.fn(),
    duplicate: () => client,
    on: () => client,
    off: () => client,
    multi: () => ({ exec: async () => null }),
    call: async (command: string) => {
      if (command === 'CONFIG') return Object.entries(config).flat();
      throw new Error(`unexpected ${command}`);
    },
  };
  return client;
}

describe('redisStore start-up check', () => {
  it('refuses a Redis that evicts keys, saying what to set', async () => {
    const store = redisStore({ client: configOnly({ 'maxmemory-policy': 'allkeys-lru', appendonly: 'yes' }) });

    await expect(store.get('u', 'k')).rejects.toThrow('redisStore refuses a Redis with maxmemory-policy allkeys-lru');
    await expect(store.get('u', 'k')).rejects.toThrow('Set `maxmemory-policy noeviction`');
    await store.close();
  });

  it('warns once when Redis keeps nothing on disk, and never quits a client it was given', async () => {
    const client = configOnly({ 'maxmemory-policy': 'noeviction', appendonly: 'no', save: '' });
    const onWarning = jest.fn();
    const store = redisStore({ client, onWarning });

    await expect(store.get('u', 'k')).rejects.toThrow('unexpected HGETALL');
    await expect(store.get('u', 'k')).rejects.toThrow('unexpected HGETALL');
    await store.close();

    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning.mock.calls[0][0]).toMatch(/keeps nothing on disk .*`appendonly yes`/);
    expect(client.quit).not.toHaveBeenCalled();
    expect(client.disconnect).not.toHaveBeenCalled();
  });
});
