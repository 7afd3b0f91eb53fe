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
