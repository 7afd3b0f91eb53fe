import { appendFile, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdempotencyRetention } from '../../types';
import { createSpaceIndex, recordDocument, type DocumentMeta, type SpaceIndex } from '../spaceIndex';
import { readMeta } from './documentFile';
import { writeDurably } from './durableWrite';

/** Where one space lives: `spaces/<name>/` with `docs/`, `space.json` and `idempotency.jsonl`. */
export interface SpacePaths {
  root: string;
  docs: string;
  state: string;
  idempotency: string;
}

export function spacePaths(root: string): SpacePaths {
  return { root, docs: join(root, 'docs'), state: join(root, 'space.json'), idempotency: join(root, 'idempotency.jsonl') };
}

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function readOptional(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((error) => {
    if (missing(error)) return undefined;
    throw error;
  });
}

/**
 * Builds a space's index from its files: each document's header (its text is
 * not read), in cursor order, then the idempotency records still within
 * their age and count. The cursor goes on from the highest one found, or
 * from the purged tombstones', so it never goes back.
 */
export async function loadSpace(paths: SpacePaths, retention: IdempotencyRetention | undefined, now: number): Promise<{ index: SpaceIndex; logLines: number }> {
  const index = createSpaceIndex(retention);
  const state = await readOptional(paths.state);
  if (state) index.purgedThrough = (JSON.parse(state) as { purgedThrough?: number }).purgedThrough ?? 0;
  index.cursor = index.purgedThrough;
  index.lastPurgeAt = now;

  const names = (await readdir(paths.docs).catch((error) => (missing(error) ? [] : Promise.reject(error)))).filter((name) => name.endsWith('.json'));
  const found: { key: string; meta: DocumentMeta }[] = [];
  // A few at a time: a space of thousands of documents must not take thousands of descriptors.
  for (let at = 0; at < names.length; at += 32) {
    const batch = await Promise.all(names.slice(at, at + 32).map((name) => readMeta(join(paths.docs, name))));
    for (const entry of batch) if (entry) found.push(entry);
  }
  found.sort((a, b) => a.meta.cursor - b.meta.cursor);
  for (const { key, meta } of found) recordDocument(index, key, meta);

  const lines = (await readOptional(paths.idempotency))?.split('\n') ?? [];
  for (const line of lines) {
    if (!line) continue;
    try {
      const { key, idempotencyKey, fingerprint, answer, at } = JSON.parse(line);
      index.idempotency.add(key, idempotencyKey, { fingerprint, answer, at });
    } catch {
      // a line cut short by a crash: that record is lost, which makes its retry a conflict, never a second write
    }
  }
  return { index, logLines: lines.length };
}

/**
 * Appends one idempotency record. Not flushed: losing the last records in a
 * power cut turns their retries into conflicts (412), never into a second
 * write, and it keeps an fsync off every PUT. The log is written anew from
 * the records kept once it holds twice as many lines.
 */
export async function appendIdempotency(
  paths: SpacePaths,
  index: SpaceIndex,
  record: { key: string; idempotencyKey: string } & Record<string, unknown>,
  state: { lines: number },
  tmpDir: string,
  recreate: () => Promise<void>,
): Promise<void> {
  await appendFile(paths.idempotency, `${JSON.stringify(record)}\n`).catch(async (error) => {
    if (!missing(error)) throw error;
    await recreate();
    await appendFile(paths.idempotency, `${JSON.stringify(record)}\n`);
  });
  state.lines++;
  if (state.lines <= 2 * Math.max(index.idempotency.size, 64)) return;
  const lines = index.idempotency.entries().map((entry) => `${JSON.stringify(entry)}\n`);
  await writeDurably(tmpDir, paths.idempotency, lines, recreate);
  state.lines = lines.length;
}

/** Removes purged tombstones' files after recording how far the purge went. */
export async function purgeFiles(paths: SpacePaths, space: string, purgedThrough: number, files: string[], tmpDir: string, recreate: () => Promise<void>) {
  await writeDurably(tmpDir, paths.state, [JSON.stringify({ space, purgedThrough })], recreate);
  await Promise.all(files.map((file) => rm(file, { force: true })));
}
