import { Buffer } from 'node:buffer';
import type { IdempotencyRetention, StoredDocument, WriteRequest, WriteResult } from '../../types';
import { DEFAULT_IDEMPOTENCY_AGE_MS, DEFAULT_IDEMPOTENCY_PER_SPACE } from '../idempotencyRecords';
import { answerOf, isPlan, planWrite, type IdempotencyRecord } from '../writeStep';
import type { Tables } from './schema';
import type { Queryable } from './types';

export interface WriteContext {
  tables: Tables;
  now: () => number;
  idempotency: IdempotencyRetention;
}

interface CurrentRow {
  version: string | null;
  deleted: boolean | null;
  bytes: number | null;
  cursor: string | null;
  updated_at: string | null;
  overrode: string | null;
  fingerprint: string | null;
  answer_version: string | null;
  answer_deleted: boolean | null;
  at: string | null;
}

export function documentOfRow(key: string, row: { version: string; text: string | null; overrode: string | null; cursor: string; updated_at: string }): StoredDocument {
  return {
    key,
    version: row.version,
    text: row.text,
    overrode: row.overrode === null ? null : JSON.parse(row.overrode),
    cursor: Number(row.cursor),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * The body of one write's transaction, on a client inside `BEGIN`; the caller
 * commits. It first locks the space's row (`INSERT … ON CONFLICT DO UPDATE`
 * takes the row lock): writers of one space then run one after another, so
 * the cursor a write takes with `UPDATE … RETURNING` is committed before the
 * next writer can take the one after it. A cursor from a sequence could
 * commit after a later one, and a watcher resuming past the later one would
 * never see it.
 */
export async function writeInTransaction(db: Queryable, request: WriteRequest, context: WriteContext): Promise<WriteResult> {
  const { tables: t, now, idempotency: retention } = context;
  const { space, key, idempotency: idem } = request;
  const locked = await db.query<{ bytes: string; documents: number }>(
    `INSERT INTO ${t.spaces} AS s (space) VALUES ($1) ON CONFLICT (space) DO UPDATE SET space = s.space RETURNING bytes, documents`,
    [space],
  );
  const usage = { bytes: Number(locked.rows[0].bytes), documents: locked.rows[0].documents };
  const { rows } = await db.query<CurrentRow>(
    `SELECT d.version, d.text IS NULL AS deleted, d.bytes, d.cursor, d.updated_at, d.overrode,
            i.fingerprint, i.version AS answer_version, i.deleted AS answer_deleted, i.at
       FROM (SELECT 1) AS one
       LEFT JOIN ${t.documents} d ON d.space = $1 AND d.key = $2
       LEFT JOIN ${t.idempotency} i ON i.space = $1 AND i.key = $2 AND i.idempotency_key = $3`,
    [space, key, idem?.key ?? null],
  );
  const row = rows[0];
  const current = row.version === null ? null : { version: row.version, deleted: row.deleted!, bytes: row.bytes! };
  const at = now();
  const maxAgeMs = retention.maxAgeMs ?? DEFAULT_IDEMPOTENCY_AGE_MS;
  const recorded: IdempotencyRecord | undefined =
    row.fingerprint === null || at - Number(row.at) > maxAgeMs
      ? undefined
      : { fingerprint: row.fingerprint, at: Number(row.at), answer: row.answer_deleted ? { version: row.answer_version!, deleted: true } : { version: row.answer_version! } };

  const outcome = await planWrite(request, {
    current,
    usage,
    recorded,
    readCurrent: async () => {
      const found = await db.query<{ version: string; text: string | null; overrode: string | null; cursor: string; updated_at: string }>(
        `SELECT version, text, overrode, cursor, updated_at FROM ${t.documents} WHERE space = $1 AND key = $2`,
        [space, key],
      );
      return documentOfRow(key, found.rows[0]);
    },
  });
  if (!isPlan(outcome)) return outcome;

  const live = current !== null && !current.deleted;
  const documentsDelta = (outcome.text === null ? 0 : 1) - (live ? 1 : 0);
  const bytesDelta = outcome.bytes - (live ? current.bytes : 0);
  const counted = await db.query<{ cursor: string }>(
    `UPDATE ${t.spaces} SET cursor = cursor + 1, bytes = bytes + $2, documents = documents + $3 WHERE space = $1 RETURNING cursor`,
    [space, bytesDelta, documentsDelta],
  );
  const cursor = Number(counted.rows[0].cursor);
  const values = [space, key, outcome.version, outcome.text, outcome.bytes, outcome.overrode === null ? null : JSON.stringify(outcome.overrode), cursor, at, request.client ?? null];
  // Conditional on the version read above: under the space lock it always holds, and if it ever did not, nothing is written.
  const applied =
    current === null
      ? await db.query(
          `INSERT INTO ${t.documents} (space, key, version, text, bytes, overrode, cursor, updated_at, client) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
          values,
        )
      : await db.query(
          `UPDATE ${t.documents} SET version = $3, text = $4, bytes = $5, overrode = $6, cursor = $7, updated_at = $8, client = $9 WHERE space = $1 AND key = $2 AND version = $10`,
          [...values, current.version],
        );
  if (applied.rowCount !== 1) throw new Error(`redux-autosave: postgresStore found ${JSON.stringify(key)} changed under the space lock; the write was rolled back`);

  if (idem) {
    const answer = answerOf(outcome);
    await db.query(
      `INSERT INTO ${t.idempotency} (space, key, idempotency_key, fingerprint, version, deleted, cursor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (space, key, idempotency_key) DO UPDATE SET fingerprint = $4, version = $5, deleted = $6, cursor = $7, at = $8`,
      [space, key, idem.key, idem.fingerprint, answer.version, answer.deleted === true, cursor, at],
    );
    await db.query(
      `DELETE FROM ${t.idempotency} WHERE space = $1 AND (at < $2 OR cursor <= (SELECT cursor FROM ${t.idempotency} WHERE space = $1 ORDER BY cursor DESC OFFSET $3 LIMIT 1))`,
      [space, at - maxAgeMs, retention.maxPerSpace ?? DEFAULT_IDEMPOTENCY_PER_SPACE],
    );
  }
  // Delivered at commit, to every process listening: a wake-up only (the watcher then reads the changes);
  // a space too long for a payload (8000 bytes) wakes every watcher.
  await db.query('SELECT pg_notify($1, $2)', [t.channel, Buffer.byteLength(space) <= 7000 ? space : '']);
  return outcome.text === null ? { status: 'written', version: outcome.version, cursor, deleted: true } : { status: 'written', version: outcome.version, cursor };
}
