import type * as Pg from 'pg';
import type { StoreOptions, SyncStore, WriteRequest } from '../../types';
import { registerLifecycle } from '../lifecycle';
import { storeOptions } from '../options';
import { Watchers } from '../serialize';
import { unavailableOr, isConnectionError } from './errors';
import { startListener, type Listener } from './listener';
import { loadPg } from './load';
import { changesSince, getDocument, listDocuments, purgeTombstones, spaceUsage } from './reads';
import { checkSchema, migrateSchema, tablesOf } from './schema';
import type { PooledClient, PostgresPool } from './types';
import { writeInTransaction } from './write';

export interface PostgresStoreOptions extends StoreOptions {
  /**
   * A `postgres://` URL; the store makes its own pool and ends it on `close()`.
   * A `?schema=` parameter names the schema (see `schema`).
   */
  connectionString?: string;
  /** A `pg.Pool` of yours instead: the store never ends it (give it an `'error'` listener, as `pg` asks). */
  pool?: PostgresPool;
  /**
   * The Postgres schema of the store's tables, made by `migrate()`.
   * @default 'public' (or the URL's `?schema=`)
   */
  schema?: string;
  /** Connections of the pool the store makes. @default 10 */
  maxConnections?: number;
}

const fail = (option: string, expected: string, received: unknown): never => {
  throw new TypeError(`redux-autosave: postgresStore \`${option}\` must be ${expected}, received ${received === undefined ? 'nothing' : JSON.stringify(received)}`);
};

/** The URL without `?schema=` (which is ours, not a connection setting), and the schema it named. */
function splitSchema(connectionString: string): { url: string; schema?: string } {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return fail('connectionString', 'a postgres:// URL', connectionString.replace(/:[^:@/]*@/, ':…@'));
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return { url: url.toString(), schema };
}

/**
 * Keeps documents in Postgres, for servers of many processes on one
 * database. Each write is one transaction: the space's row locked, the
 * precondition checked, the document written with a conditional update, the
 * idempotency record and the space's next cursor written with it, and a
 * NOTIFY that wakes watchers on every process at commit. Run `migrate(store)`
 * (or `redux-autosave-server migrate`) once before the first start.
 *
 * ```ts
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL });
 * createSyncServer({ store, authorize, port: 8787 });
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): SyncStore {
  if (typeof options !== 'object' || options === null) fail('options', 'an object { connectionString } or { pool }', options);
  const { connectionString, pool: givenPool, maxConnections = 10 } = options;
  if ((connectionString === undefined) === (givenPool === undefined)) fail('connectionString', 'given, or else `pool` (one of the two)', connectionString);
  if (connectionString !== undefined && typeof connectionString !== 'string') fail('connectionString', 'a postgres:// URL', typeof connectionString);
  if (givenPool !== undefined && typeof givenPool?.connect !== 'function') fail('pool', 'a pg.Pool', typeof givenPool);
  const split = connectionString === undefined ? undefined : splitSchema(connectionString);
  const schema = options.schema ?? split?.schema ?? 'public';
  if (typeof schema !== 'string' || schema === '') fail('schema', 'a non-empty string', schema);
  const { retentionMs, now, idempotency } = storeOptions('postgresStore', options);
  const tables = tablesOf(schema);
  const watchers = new Watchers();
  const inFlight = new Set<Promise<unknown>>();
  const lastPurge = new Map<string, number>();
  let closed = false;
  let listener: Promise<Listener> | undefined;

  const loaded = (async () => {
    const pg = await loadPg();
    const pool = givenPool ?? new pg.Pool({ connectionString: split!.url, max: maxConnections });
    // An idle client whose server went away is reported on the pool; without a listener that ends the process.
    if (!givenPool) (pool as Pg.Pool).on('error', () => {});
    return { pg, pool };
  })();
  loaded.catch(() => {});

  let checked: Promise<void> | undefined;
  const ready = () => {
    checked ??= loaded.then(({ pool }) => checkSchema(pool, tables)).catch((error) => {
      checked = undefined;
      return unavailableOr(error);
    });
    return checked;
  };

  /** Runs one operation: after the schema check, counted for `close()`, a lost connection turned into `503`. */
  const run = <T>(operation: (pool: PostgresPool) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('redux-autosave: postgresStore is closed'));
    const running = ready()
      .then(() => loaded)
      .then(({ pool }) => operation(pool))
      .catch(unavailableOr);
    inFlight.add(running);
    void running.catch(() => {}).finally(() => inFlight.delete(running));
    return running;
  };

  const inTransaction = async <T>(pool: PostgresPool, body: (client: PooledClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A connection cut while the client is checked out is reported on the client; unheard, that ends the process.
    const onError = (error: Error) => void (broken = error);
    client.on?.('error', onError);
    try {
      return await body(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      throw error;
    } finally {
      client.off?.('error', onError);
      // A client whose connection failed is destroyed, not given back to serve the next request.
      client.release(broken);
    }
  };

  const write = (request: WriteRequest) =>
    run((pool) =>
      inTransaction(pool, async (client) => {
        await client.query('BEGIN');
        try {
          const result = await writeInTransaction(client, request, { tables, now, idempotency: idempotency ?? {} });
          await client.query('COMMIT');
          if (result.status === 'written') watchers.wake(request.space);
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      }),
    );

  const purge = async (pool: PostgresPool, space: string) => {
    const at = now();
    if (at - (lastPurge.get(space) ?? 0) < Math.min(retentionMs / 10, 60_000)) return;
    // Forgotten spaces are cheap to purge again: the map never grows past its bound.
    if (lastPurge.size > 10_000) lastPurge.clear();
    lastPurge.set(space, at);
    await inTransaction(pool, (client) => purgeTombstones(client, tables, space, at - retentionMs));
  };

  const store: SyncStore = {
    retentionMs,
    get: (space, key) => run((pool) => getDocument(pool, tables, space, key)),
    write,
    list: (space, listOptions) => run((pool) => listDocuments(pool, tables, space, listOptions)),
    changes: (space, after, limit) =>
      run(async (pool) => {
        await purge(pool, space);
        return changesSince(pool, tables, space, after, limit);
      }),
    watch(space, wake) {
      if (!listener && !closed) {
        listener = loaded.then(({ pg, pool }) => {
          const config = givenPool ? ((pool as { options?: Pg.ClientConfig }).options ?? {}) : { connectionString: split!.url };
          return startListener(pg, config, tables.channel, watchers);
        });
        listener.catch(() => {});
      }
      return Object.assign(watchers.watch(space, wake), { ready: listener?.then((started) => started.ready) });
    },
    usage: (space) => run((pool) => spaceUsage(pool, tables, space)),
    async close() {
      if (closed) return;
      closed = true;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await listener?.then((started) => started.close(), () => {});
      if (!givenPool) await loaded.then(({ pool }) => (pool as Pg.Pool).end(), () => {});
    },
  };
  return registerLifecycle(store, {
    migrate: () => loaded.then(({ pool }) => inTransaction(pool, (client) => migrateSchema(client, tables))).then(() => void (checked = undefined)),
    ready,
  });
}
