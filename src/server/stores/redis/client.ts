import { createHash } from 'node:crypto';
import { StoreUnavailableError } from '../unavailable';

/** The part of an ioredis client the store uses. A client passed in is the caller's: the store never quits it. */
export interface RedisClient {
  call(command: string, ...args: (string | number | Buffer)[]): Promise<unknown>;
  multi(commands: (string | number | Buffer)[][]): { exec(): Promise<[Error | null, unknown][] | null> };
  duplicate(): RedisClient;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

const shas = new Map<string, string>();
const shaOf = (script: string) => {
  let sha = shas.get(script);
  if (!sha) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  return sha;
};

/** Runs a Lua script by its hash, sending its text once when Redis does not know it yet (after a restart, or on a new server). */
export async function runScript(client: RedisClient, script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await client.call('EVALSHA', shaOf(script), keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
    return client.call('EVAL', script, keys.length, ...keys, ...args);
  }
}

const UNAVAILABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|MaxRetriesPerRequest|Reached the max retries|Stream isn't writeable|^LOADING|^BUSY|^TRYAGAIN|^CLUSTERDOWN|^MASTERDOWN/;

/** Rethrows a lost connection (or a Redis still loading its data) as `StoreUnavailableError`, the handler's `503`. */
export function unavailableOr(error: unknown): never {
  if (error instanceof StoreUnavailableError) throw error;
  const { message, code, name } = (error ?? {}) as { message?: string; code?: string; name?: string };
  if (UNAVAILABLE.test(`${code ?? ''} ${message ?? ''}`.trim()) || UNAVAILABLE.test(message ?? '') || name === 'MaxRetriesPerRequestError') {
    throw new StoreUnavailableError(`redux-autosave: redisStore cannot reach Redis: ${message}`, { cause: error });
  }
  throw error;
}

/**
 * What the store asks of the Redis it is given, at start: an evicting Redis
 * silently drops documents when it fills up, so anything but `noeviction` is
 * refused; a Redis that keeps nothing on disk loses every document when it
 * restarts, which is said once. A Redis whose CONFIG command is disabled (a
 * managed one) cannot be asked: that is said, and the store goes on.
 */
export async function checkRedis(client: RedisClient, warn: (message: string) => void): Promise<void> {
  let config: Record<string, string>;
  try {
    const pairs = (await client.call('CONFIG', 'GET', '*')) as string[];
    config = {};
    for (let at = 0; at < pairs.length; at += 2) config[pairs[at]] = pairs[at + 1];
  } catch (error) {
    unavailableOr(error);
    return void warn(`redux-autosave: redisStore could not read Redis's configuration (${(error as Error).message}); make sure maxmemory-policy is noeviction and persistence is on`);
  }
  const policy = config['maxmemory-policy'];
  if (policy !== undefined && policy !== 'noeviction') {
    throw new Error(
      `redux-autosave: redisStore refuses a Redis with maxmemory-policy ${policy}: when it fills up it would silently drop documents. Set \`maxmemory-policy noeviction\` (a full Redis then refuses writes, which clients retry).`,
    );
  }
  if (config.appendonly !== 'yes' && (config.save ?? '') === '') {
    warn('redux-autosave: redisStore: this Redis keeps nothing on disk (no appendonly, no save points): a restart loses every document. Turn on `appendonly yes` for a store of record.');
  }
}
