import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createSyncHandler, migrate, postgresStore, type WriteRequest } from '../../src/server';
import { tablesOf } from '../../src/server/stores/postgres/schema';
import { writeInTransaction } from '../../src/server/stores/postgres/write';
import { describeSyncStore } from './helpers/describeSyncStore';
import { startPostgres, uniqueName, type TestPostgres } from './helpers/services';

let db: TestPostgres;
const schema = uniqueName('pgstore');

beforeAll(async () => {
  db = await startPostgres();
  const store = postgresStore({ pool: db.pool, schema });
  await migrate(store);
  await store.close();
}, 60_000);
afterAll(async () => {
  await db.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.close();
});

describeSyncStore('postgresStore({ pool })', (options) => postgresStore({ pool: db.pool, schema, ...options }));

const create = (space: string, key: string, text: string): WriteRequest => ({ space, key, precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text } });

describe('postgresStore', () => {
  it('gives a watcher resuming after a later commit the change of a transaction that was still open then', async () => {
    const store = postgresStore({ pool: db.pool, schema });
    const space = `user-${randomUUID()}`;
    // T1: the store's own write step on a client of the test's, held open after it took its cursor.
    const t1 = await db.pool.connect();
    await t1.query('BEGIN');
    const first = await writeInTransaction(t1, create(space, 'a', '1'), { tables: tablesOf(schema), now: Date.now, idempotency: {} });
    let secondCommitted = false;
    const second = store.write(create(space, 'b', '2')).then((result) => ((secondCommitted = true), result));
    // A watcher reads meanwhile: the embedded Postgres runs one transaction at a time, so there this read waits for T1.
    const before = store.changes(space, 0, 100);
    if (db.kind === 'postgres') {
      // T2 is waiting for T1's lock on the space's row, not racing past it.
      for (let polls = 0; polls < 500; polls++) {
        const { rows } = await db.pool.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%autosave_spaces%'`);
        if (rows[0].waiting > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    expect(secondCommitted).toBe(false);

    await t1.query('COMMIT');
    t1.release();
    const [written, seen] = await Promise.all([second, before]);
    const resumed = await store.changes(space, seen.cursor, 100);
    await store.close();

    expect(first).toMatchObject({ status: 'written', cursor: 1 });
    expect(written).toMatchObject({ status: 'written', cursor: 2 });
    const keys = [seen, resumed].flatMap((page) => (page.status === 'changes' ? page.changes.map((change) => change.key) : []));
    expect(keys.sort()).toEqual(['a', 'b']);
  }, 30_000);

  it('refuses to start on a schema it does not find, saying what to run', async () => {
    const store = postgresStore({ pool: db.pool, schema: uniqueName('missing') });

    await expect(store.get('u', 'k')).rejects.toThrow(/found no tables in schema "t_missing_\w+"; it needs version 1\. Run `npx redux-autosave-server migrate --store/);
    await store.close();
  });

  it('never ends a pool it was given', async () => {
    const store = postgresStore({ pool: db.pool, schema });
    await store.write(create(`user-${randomUUID()}`, 'k', '1'));

    await store.close();

    expect((await db.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('answers 503 with Retry-After while the database cannot be reached', async () => {
    const unreachable = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 1_000 });
    unreachable.on('error', () => {});
    const store = postgresStore({ pool: unreachable, schema });
    const handler = createSyncHandler({ store, authorize: () => ({ userId: 'u' }), onError: () => {} });

    const response = await handler(new Request('http://127.0.0.1/api/autosave/project%3Ap1'));

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toEqual({ error: 'the server cannot reach its database just now; try again shortly' });
    await store.close();
    await unreachable.end();
  });

  it('names the option it needs', () => {
    expect(() => postgresStore({} as never)).toThrow('redux-autosave: postgresStore `connectionString` must be given, or else `pool` (one of the two)');
    expect(() => postgresStore({ connectionString: 'not a url' })).toThrow('postgresStore `connectionString` must be a postgres:// URL');
  });
});
