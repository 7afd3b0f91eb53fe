import type { ChangesPage, ListOptions, ListPage, SpaceUsage, StoredDocument } from '../../types';
import type { Tables } from './schema';
import type { Queryable } from './types';
import { documentOfRow } from './write';

export async function getDocument(db: Queryable, t: Tables, space: string, key: string): Promise<StoredDocument | null> {
  const { rows } = await db.query<{ version: string; text: string | null; overrode: string | null; cursor: string; updated_at: string }>(
    `SELECT version, text, overrode, cursor, updated_at FROM ${t.documents} WHERE space = $1 AND key = $2`,
    [space, key],
  );
  return rows.length === 0 ? null : documentOfRow(key, rows[0]);
}

export async function listDocuments(db: Queryable, t: Tables, space: string, { prefix, after, limit }: ListOptions): Promise<ListPage> {
  // starts_with rather than LIKE: no escaping of '%' and '_' in keys. COLLATE "C" orders by code point, not by locale.
  const { rows } = await db.query<{ key: string; version: string; bytes: number; updated_at: string }>(
    `SELECT key, version, bytes, updated_at FROM ${t.documents}
      WHERE space = $1 AND text IS NOT NULL AND starts_with(key, $2) AND ($3::text IS NULL OR key COLLATE "C" > $3)
      ORDER BY key COLLATE "C" LIMIT $4`,
    [space, prefix, after ?? null, limit + 1],
  );
  const items = rows.slice(0, limit).map((row) => ({ key: row.key, version: row.version, bytes: row.bytes, updatedAt: Number(row.updated_at) }));
  return rows.length > limit ? { items, next: items[items.length - 1].key } : { items };
}

export async function spaceUsage(db: Queryable, t: Tables, space: string): Promise<SpaceUsage> {
  const { rows } = await db.query<{ bytes: string; documents: number }>(`SELECT bytes, documents FROM ${t.spaces} WHERE space = $1`, [space]);
  return rows.length === 0 ? { bytes: 0, documents: 0 } : { bytes: Number(rows[0].bytes), documents: rows[0].documents };
}

export async function changesSince(db: Queryable, t: Tables, space: string, after: number, limit: number): Promise<ChangesPage> {
  const head = await db.query<{ cursor: string; purged_through: string }>(`SELECT cursor, purged_through FROM ${t.spaces} WHERE space = $1`, [space]);
  const cursor = head.rows.length === 0 ? 0 : Number(head.rows[0].cursor);
  const purgedThrough = head.rows.length === 0 ? 0 : Number(head.rows[0].purged_through);
  // A cursor past ours was never issued here (another database, a restore): start over.
  if (after < purgedThrough || after > cursor) return { status: 'reset', cursor };
  const { rows } = await db.query<{ cursor: string; key: string; version: string; deleted: boolean; client: string | null }>(
    `SELECT cursor, key, version, text IS NULL AS deleted, client FROM ${t.documents} WHERE space = $1 AND cursor > $2 AND cursor <= $3 ORDER BY cursor LIMIT $4`,
    [space, after, cursor, limit + 1],
  );
  const page = rows.slice(0, limit);
  const changes = page.map((row) => ({
    cursor: Number(row.cursor),
    key: row.key,
    version: row.version,
    ...(row.deleted ? { deleted: true as const } : {}),
    ...(row.client === null ? {} : { client: row.client }),
  }));
  return { status: 'changes', changes, cursor: rows.length > limit ? changes[changes.length - 1].cursor : cursor };
}

/**
 * Removes the space's tombstones older than the retention and moves
 * `purged_through` past them, in one transaction that holds the space's row
 * lock, as a write does: a key revived meanwhile is not a tombstone any more.
 */
export async function purgeTombstones(db: Queryable, t: Tables, space: string, olderThan: number): Promise<void> {
  await db.query('BEGIN');
  try {
    const locked = await db.query(`SELECT 1 FROM ${t.spaces} WHERE space = $1 FOR UPDATE`, [space]);
    if (locked.rows.length > 0) {
      await db.query(
        `WITH gone AS (DELETE FROM ${t.documents} WHERE space = $1 AND text IS NULL AND updated_at < $2 RETURNING cursor)
         UPDATE ${t.spaces} SET purged_through = GREATEST(purged_through, (SELECT max(cursor) FROM gone)) WHERE space = $1 AND EXISTS (SELECT 1 FROM gone)`,
        [space, olderThan],
      );
    }
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
