import type { Queryable } from './types';

/** The schema version this code reads and writes; `migrate()` brings a database up to it. */
export const SCHEMA_VERSION = 1;

/** The store's tables, quoted and qualified by its schema. */
export interface Tables {
  schema: string;
  meta: string;
  spaces: string;
  documents: string;
  idempotency: string;
  /** The LISTEN/NOTIFY channel writes in this schema announce themselves on. */
  channel: string;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function tablesOf(schema: string): Tables {
  const table = (name: string) => `${quote(schema)}.${quote(name)}`;
  return {
    schema,
    meta: table('autosave_meta'),
    spaces: table('autosave_spaces'),
    documents: table('autosave_documents'),
    idempotency: table('autosave_idempotency'),
    channel: `redux_autosave:${schema}`.slice(0, 63),
  };
}

/**
 * Each step takes the schema from one version to the next. Documents are
 * `text`, not `jsonb`: jsonb reorders keys and drops spacing, and the client
 * compares what it sent with what it gets back. Each document row carries the
 * cursor of its latest change, so the documents table is also the space's
 * compacted change log: a tombstone stays `retentionMs`, then goes and moves
 * `purged_through` on, which turns older cursors into `reset`.
 */
const STEPS: ((t: Tables) => string[])[] = [
  (t) => [
    `CREATE TABLE ${t.spaces} (
      space text PRIMARY KEY,
      cursor bigint NOT NULL DEFAULT 0,
      purged_through bigint NOT NULL DEFAULT 0,
      bytes bigint NOT NULL DEFAULT 0,
      documents integer NOT NULL DEFAULT 0)`,
    `CREATE TABLE ${t.documents} (
      space text NOT NULL,
      key text NOT NULL,
      version text NOT NULL,
      text text,
      bytes integer NOT NULL,
      overrode text,
      client text,
      cursor bigint NOT NULL,
      updated_at bigint NOT NULL,
      PRIMARY KEY (space, key))`,
    `CREATE INDEX ON ${t.documents} (space, cursor)`,
    `CREATE INDEX ON ${t.documents} (space, updated_at) WHERE text IS NULL`,
    `CREATE TABLE ${t.idempotency} (
      space text NOT NULL,
      key text NOT NULL,
      idempotency_key text NOT NULL,
      fingerprint text NOT NULL,
      version text NOT NULL,
      deleted boolean NOT NULL,
      cursor bigint NOT NULL,
      at bigint NOT NULL,
      PRIMARY KEY (space, key, idempotency_key))`,
    `CREATE INDEX ON ${t.idempotency} (space, cursor)`,
  ],
];

/** What the store says when the database is not at its version: what to run. */
function runMigrate(t: Tables, found: string): string {
  return (
    `redux-autosave: postgresStore found ${found} in schema ${JSON.stringify(t.schema)}; it needs version ${SCHEMA_VERSION}. ` +
    'Run `npx redux-autosave-server migrate --store <your postgres:// URL>` (or `await migrate(store)`) once, with a user allowed to create tables, then start the server again.'
  );
}

/** The version the database is at, `0` when the store's tables are not there. */
async function versionOf(db: Queryable, t: Tables): Promise<number> {
  const exists = await db.query<{ found: string | null }>(`SELECT to_regclass($1) AS found`, [`${quote(t.schema)}.autosave_meta`]);
  if (exists.rows[0].found === null) return 0;
  const { rows } = await db.query<{ version: number }>(`SELECT version FROM ${t.meta}`);
  return rows[0]?.version ?? 0;
}

/** Throws what to run when the database is not at the version this code knows. */
export async function checkSchema(db: Queryable, t: Tables): Promise<void> {
  const version = await versionOf(db, t);
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new Error(`redux-autosave: postgresStore found schema version ${version} in ${JSON.stringify(t.schema)}, made by a newer redux-autosave; this one knows version ${SCHEMA_VERSION}. Upgrade redux-autosave on this server.`);
  }
  throw new Error(runMigrate(t, version === 0 ? 'no tables' : `schema version ${version}`));
}

/**
 * Brings the schema up to `SCHEMA_VERSION` in one transaction, under an
 * advisory lock: two processes migrating at once run the steps once.
 */
export async function migrateSchema(db: Queryable, t: Tables): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`redux-autosave migrate ${t.schema}`]);
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${quote(t.schema)}`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${t.meta} (version integer NOT NULL)`);
    const { rows } = await db.query<{ version: number }>(`SELECT version FROM ${t.meta}`);
    const from = rows[0]?.version ?? 0;
    if (from > SCHEMA_VERSION) throw new Error(`redux-autosave: migrate found schema version ${from}, newer than this redux-autosave's ${SCHEMA_VERSION}`);
    for (const step of STEPS.slice(from)) for (const statement of step(t)) await db.query(statement);
    if (rows.length === 0) await db.query(`INSERT INTO ${t.meta} (version) VALUES ($1)`, [SCHEMA_VERSION]);
    else await db.query(`UPDATE ${t.meta} SET version = $1`, [SCHEMA_VERSION]);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
