import { migrate, postgresStore } from '../../src/server';
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
