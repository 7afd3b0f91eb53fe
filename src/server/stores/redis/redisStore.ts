import { Buffer } from 'node:buffer';
import type { StoreOptions, StoredDocument, SyncStore, WriteRequest, WriteResult } from '../../types';
import { DEFAULT_IDEMPOTENCY_AGE_MS, DEFAULT_IDEMPOTENCY_PER_SPACE } from '../idempotencyRecords';
import { registerLifecycle } from '../lifecycle';
import { storeOptions } from '../options';
import { Watchers } from '../serialize';
import { StoreUnavailableError } from '../unavailable';
import { answerOf, isPlan, planWrite, type IdempotencyRecord } from '../writeStep';
import { checkRedis, runScript, unavailableOr, type RedisClient } from './client';
import { idempotencyField, spaceKeys, type SpaceKeys } from './keys';
import { loadIORedis } from './load';
import { CHANGES_SCRIPT, PURGE_SCRIPT, WRITE_SCRIPT } from './scripts';
import { startStreamWatcher, type StreamWatcher } from './watcher';

export interface RedisStoreOptions extends StoreOptions {
  /** A `redis://` URL; the store makes its own client and quits it on `close()`. */
  url?: string;
  /** An ioredis client of yours instead: the store never quits it (its watcher reads on `client.duplicate()`). */
  client?: RedisClient;
  /** Put before every key the store makes, so one Redis can hold several stores. @default 'autosave:' (or the URL's `?prefix=`) */
  prefix?: string;
  /** Entries kept in each space's change stream (`XADD … MAXLEN ~`). @default 1000 */
  streamLength?: number;
  /** Told what the start-up check found worth saying (persistence off). @default console.warn */
  onWarning?: (message: string) => void;
}

/** The URL without `?prefix=` (ours, not a connection setting), and the prefix: the option's, the URL's, or the default. */
function urlAndPrefix(options: RedisStoreOptions): { url?: string; prefix: string } {
  let { url } = options;
  let prefix = options.prefix;
  if (typeof url === 'string' && /^rediss?:\/\//.test(url)) {
    const parsed = new URL(url);
    prefix ??= parsed.searchParams.get('prefix') ?? undefined;
    parsed.searchParams.delete('prefix');
    url = parsed.toString();
  }
  return { url, prefix: prefix ?? 'autosave:' };
}

/** How often a write re-reads and plans again when another write in its space came first. */
const MAX_ATTEMPTS = 100;

const fail = (option: string, expected: string, received: unknown): never => {
  throw new TypeError(`redux-autosave: redisStore \`${option}\` must be ${expected}, received ${received === undefined ? 'nothing' : typeof received}`);
};

/** HGETALL as `call` answers it, a flat list of fields and values, as an object. */
const fieldsOf = (reply: unknown): Record<string, string> => {
  const flat = reply as string[];
  const fields: Record<string, string> = {};
  for (let at = 0; at < flat.length; at += 2) fields[flat[at]] = flat[at + 1];
  return fields;
};

const documentOf = (key: string, fields: Record<string, string>): StoredDocument => ({
  key,
  version: fields.v,
  text: fields.x === '1' ? null : (fields.t ?? ''),
  overrode: fields.o ? JSON.parse(fields.o) : null,
  cursor: Number(fields.c),
  updatedAt: Number(fields.u),
});

/**
 * Keeps documents in Redis, for servers of many processes on one Redis.
 * A write reads the space, plans, and applies in one Lua script — the
 * document, the idempotency record and an entry on the space's stream —
 * which refuses if any write in the space came in between (then it reads
 * and plans again). Each space lives under one hash tag. At start it
 * refuses a Redis that evicts keys, and warns when nothing is kept on disk.
 *
 * ```ts
 * createSyncServer({ store: redisStore({ url: process.env.REDIS_URL }), authorize, port: 8787 });
 * ```
 */
export function redisStore(options: RedisStoreOptions): SyncStore {
  if (typeof options !== 'object' || options === null) fail('options', 'an object { url } or { client }', options);
  const { client: givenClient, streamLength = 1000, onWarning = (message: string) => console.warn(message) } = options;
  const { url, prefix } = urlAndPrefix(options);
  if ((url === undefined) === (givenClient === undefined)) fail('url', 'given, or else `client` (one of the two)', url);
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) fail('url', 'a redis:// or rediss:// URL', url);
  if (givenClient !== undefined && typeof givenClient?.duplicate !== 'function') fail('client', 'an ioredis client', givenClient);
  if (typeof prefix !== 'string') fail('prefix', 'a string', prefix);
  if (!Number.isInteger(streamLength) || streamLength < 1) fail('streamLength', 'a whole number above 0', streamLength);
  const { retentionMs, now, idempotency = {} } = storeOptions('redisStore', options);
  const maxAgeMs = idempotency.maxAgeMs ?? DEFAULT_IDEMPOTENCY_AGE_MS;
  const watchers = new Watchers();
  const inFlight = new Set<Promise<unknown>>();
  const lastPurge = new Map<string, number>();
  let closed = false;
  let watcher: StreamWatcher | undefined;
  const waiting = new Map<string, (() => void)[]>();
  const onReading = (space: string) => {
    for (const resolve of waiting.get(space) ?? []) resolve();
    waiting.delete(space);
  };

  const loaded = (async (): Promise<RedisClient> => {
    if (givenClient) return givenClient;
    const Redis = await loadIORedis();
    // Few retries per command: while Redis is away requests get 503 soon, and the client retries them.
    const client = new Redis(url!, { maxRetriesPerRequest: 2, lazyConnect: false }) as unknown as RedisClient;
    client.on('error', () => {});
    return client;
  })();
  loaded.catch(() => {});
  let checked: Promise<void> | undefined;
  const ready = () => {
    checked ??= loaded.then((client) => checkRedis(client, onWarning)).catch((error) => {
      checked = undefined;
      return unavailableOr(error);
    });
    return checked;
  };

  const run = <T>(operation: (client: RedisClient) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('redux-autosave: redisStore is closed'));
    const running = ready()
      .then(() => loaded)
      .then(operation)
      .catch(unavailableOr);
    inFlight.add(running);
    void running.catch(() => {}).finally(() => inFlight.delete(running));
    return running;
  };

  async function attempt(client: RedisClient, request: WriteRequest, keys: SpaceKeys): Promise<WriteResult | undefined> {
    const { key, idempotency: idem } = request;
    const documentKey = keys.documentPrefix + key;
    const field = idem ? idempotencyField(key, idem.key) : '';
    const read = await client.multi([['hmget', keys.meta, 'c', 'b', 'n'], ['hmget', documentKey, 'v', 'x', 'b'], ['hget', keys.idempotency, field]]).exec();
    if (!read || read.some(([error]) => error)) throw read?.find(([error]) => error)?.[0] ?? new StoreUnavailableError('redux-autosave: redisStore: a read was aborted');
    const [cursorText, bytesText, documentsText] = read[0][1] as (string | null)[];
    const [version, deleted, bytes] = read[1][1] as (string | null)[];
    const recordText = idem ? (read[2][1] as string | null) : null;
    const at = now();
    const record = recordText ? (JSON.parse(recordText) as { f: string; v: string; d: boolean; at: number }) : undefined;
    const recorded: IdempotencyRecord | undefined =
      record && at - record.at <= maxAgeMs ? { fingerprint: record.f, at: record.at, answer: record.d ? { version: record.v, deleted: true } : { version: record.v } } : undefined;
    const current = version === null ? null : { version, deleted: deleted === '1', bytes: Number(bytes) };
    const outcome = await planWrite(request, {
      current,
      usage: { bytes: Number(bytesText ?? 0), documents: Number(documentsText ?? 0) },
      recorded,
      readCurrent: async () => documentOf(key, fieldsOf(await client.call('HGETALL', documentKey))),
    });
    if (!isPlan(outcome)) return outcome;
    const live = current !== null && !current.deleted;
    const answer = answerOf(outcome);
    const cursor = Number(
      await runScript(
        client,
        WRITE_SCRIPT,
        [keys.meta, documentKey, keys.cursors, keys.live, keys.tombstones, keys.idempotency, keys.idempotencyOrder, keys.stream],
        [
          cursorText ?? '0',
          key,
          outcome.version,
          outcome.text ?? '',
          outcome.text === null ? '0' : '1',
          outcome.bytes,
          outcome.overrode === null ? '' : JSON.stringify(outcome.overrode),
          at,
          outcome.bytes - (live ? current.bytes : 0),
          (outcome.text === null ? 0 : 1) - (live ? 1 : 0),
          field,
          JSON.stringify({ f: idem?.fingerprint, v: answer.version, d: answer.deleted === true, at }),
          idempotency.maxPerSpace ?? DEFAULT_IDEMPOTENCY_PER_SPACE,
          maxAgeMs,
          streamLength,
          request.client ?? '',
        ],
      ),
    );
    if (cursor === -1) return undefined;
    return outcome.text === null ? { status: 'written', version: outcome.version, cursor, deleted: true } : { status: 'written', version: outcome.version, cursor };
  }

  const write = (request: WriteRequest) =>
    run(async (client) => {
      const keys = spaceKeys(prefix, request.space);
      for (let tries = 0; tries < MAX_ATTEMPTS; tries++) {
        const result = await attempt(client, request, keys);
        if (!result) continue;
        if (result.status === 'written') watchers.wake(request.space);
        return result;
      }
      throw new StoreUnavailableError(`redux-autosave: redisStore: ${MAX_ATTEMPTS} writes in a row came before this one in its space`);
    });

  const purge = async (client: RedisClient, space: string, keys: SpaceKeys) => {
    const at = now();
    if (at - (lastPurge.get(space) ?? 0) < Math.min(retentionMs / 10, 60_000)) return;
    if (lastPurge.size > 10_000) lastPurge.clear();
    lastPurge.set(space, at);
    await runScript(client, PURGE_SCRIPT, [keys.meta, keys.cursors, keys.tombstones], [at - retentionMs, keys.documentPrefix]);
  };

  const store: SyncStore = {
    retentionMs,
    get: (space, key) =>
      run(async (client) => {
        const record = fieldsOf(await client.call('HGETALL', spaceKeys(prefix, space).documentPrefix + key));
        return record.v === undefined ? null : documentOf(key, record);
      }),
    write,
    list: (space, { prefix: keyPrefix, after, limit }) =>
      run(async (client) => {
        const keys = spaceKeys(prefix, space);
        const from = after !== undefined && after >= keyPrefix ? Buffer.concat([Buffer.from('('), Buffer.from(after)]) : keyPrefix === '' ? '-' : `[${keyPrefix}`;
        // 0xFF never occurs in UTF-8: every key that starts with the prefix sorts below prefix + 0xFF.
        const to = keyPrefix === '' ? '+' : Buffer.concat([Buffer.from('('), Buffer.from(keyPrefix), Buffer.from([0xff])]);
        const found = (await client.call('ZRANGEBYLEX', keys.live, from, to, 'LIMIT', 0, limit + 1)) as string[];
        const page = found.slice(0, limit);
        const metas = page.length === 0 ? [] : await client.multi(page.map((key) => ['hmget', keys.documentPrefix + key, 'v', 'b', 'u'])).exec();
        const items = page.map((key, at) => {
          const [version, bytes, updatedAt] = (metas?.[at]?.[1] ?? []) as string[];
          return { key, version, bytes: Number(bytes), updatedAt: Number(updatedAt) };
        });
        return found.length > limit ? { items, next: page[page.length - 1] } : { items };
      }),
    changes: (space, after, limit) =>
      run(async (client) => {
        const keys = spaceKeys(prefix, space);
        await purge(client, space, keys);
        const out = (await runScript(client, CHANGES_SCRIPT, [keys.meta, keys.cursors], [after, limit + 1, keys.documentPrefix])) as (string | number)[];
        const cursor = Number(out[1]);
        if (out[0] === 'reset') return { status: 'reset', cursor };
        const changes = [];
        for (let at = 2; at < out.length; at += 5) {
          const client = String(out[at + 4]);
          changes.push({
            cursor: Number(out[at + 1]),
            key: String(out[at]),
            version: String(out[at + 2]),
            ...(out[at + 3] === '1' ? { deleted: true as const } : {}),
            ...(client === '' ? {} : { client }),
          });
        }
        const page = changes.slice(0, limit);
        return { status: 'changes', changes: page, cursor: changes.length > limit ? page[page.length - 1].cursor : cursor };
      }),
    watch(space, wake) {
      const stop = watchers.watch(space, wake);
      let reading!: () => void;
      const ready = new Promise<void>((resolve) => (reading = resolve));
      // Resolved once the watcher knows where the space's stream stands: what comes after reaches it.
      if (watcher?.reading(space)) reading();
      else (waiting.get(space) ?? waiting.set(space, []).get(space)!).push(reading);
      if (!closed) {
        if (watcher) watcher.refresh();
        else void loaded.then((client) => (watcher ??= startStreamWatcher(client, prefix, watchers, () => watchers.spaces(), onReading)), () => {});
      }
      return Object.assign(
        () => {
          stop();
          watcher?.refresh();
        },
        { ready },
      );
    },
    usage: (space) =>
      run(async (client) => {
        const [bytes, documents] = (await client.call('HMGET', spaceKeys(prefix, space).meta, 'b', 'n')) as (string | null)[];
        return { bytes: Number(bytes ?? 0), documents: Number(documents ?? 0) };
      }),
    async close() {
      if (closed) return;
      closed = true;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await watcher?.close();
      if (!givenClient) await loaded.then((client) => client.quit(), () => {});
    },
  };
  return registerLifecycle(store, { migrate: async () => {}, ready });
}
