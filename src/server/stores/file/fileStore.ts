import { mkdirSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { StoreOptions, StoredDocument, SyncStore, WriteRequest, WriteResult } from '../../types';
import { storeOptions } from '../options';
import { Serializer, Watchers } from '../serialize';
import { changesSince, expiredTombstones, forgetTombstones, listLive, recordDocument, type SpaceIndex } from '../spaceIndex';
import { answerOf, isPlan, planWrite } from '../writeStep';
import { documentParts, readDocument } from './documentFile';
import { writeDurably } from './durableWrite';
import { lockDirectory, relock } from './lock';
import { nameOf } from './names';
import { appendIdempotency, loadSpace, purgeFiles, spacePaths, type SpacePaths } from './spaceFiles';

interface OpenSpace {
  paths: SpacePaths;
  index: SpaceIndex;
  log: { lines: number };
}

/**
 * Keeps each space in a folder of `dir`, one file per document, written to a
 * temp file, flushed and renamed (a crash leaves the old copy or the new).
 * The embedded durable store: what `npm start` and the CLI run by default.
 * It locks `dir` while open (a second process on it is refused), clears temp
 * files a crash left, and makes its folders again if they are removed while
 * it runs.
 *
 * ```ts
 * createSyncServer({ store: fileStore('./.sync-data'), authorize, port: 8787 });
 * ```
 */
export function fileStore(dir: string, options?: StoreOptions): SyncStore {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`redux-autosave: fileStore \`dir\` must be a non-empty string, received ${String(dir)}`);
  const { retentionMs, now, idempotency } = storeOptions('fileStore', options);
  const root = resolve(dir);
  const tmpDir = join(root, 'tmp');
  const lockFile = join(root, '.lock');
  mkdirSync(root, { recursive: true });
  const unlock = lockDirectory(lockFile, root);
  // Temp files left by a kill -9 in the middle of a write: never renamed, so never data.
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });

  const spaces = new Map<string, Promise<OpenSpace>>();
  const serializer = new Serializer();
  const watchers = new Watchers();
  let closed = false;

  const pathsOf = (space: string) => spacePaths(join(root, 'spaces', nameOf(space)));
  const fileOf = (paths: SpacePaths, key: string) => join(paths.docs, nameOf(key, '.json'));
  // The folders, made again when someone removed them while we run (and our lock with them).
  const recreate = (paths: SpacePaths) => async () => {
    await mkdir(tmpDir, { recursive: true });
    await mkdir(paths.docs, { recursive: true });
    relock(lockFile);
  };

  function openSpace(space: string): Promise<OpenSpace> {
    let opened = spaces.get(space);
    if (!opened) {
      const paths = pathsOf(space);
      opened = loadSpace(paths, idempotency, now()).then(({ index, logLines }) => ({ paths, index, log: { lines: logLines } }));
      spaces.set(space, opened);
      opened.catch(() => spaces.delete(space));
    }
    return opened;
  }

  async function purge(space: string, { paths, index }: OpenSpace) {
    const keys = expiredTombstones(index, now(), retentionMs);
    if (keys.length === 0) return;
    const through = Math.max(index.purgedThrough, ...keys.map((key) => index.documents.get(key)!.cursor));
    await purgeFiles(paths, space, through, keys.map((key) => fileOf(paths, key)), tmpDir, recreate(paths));
    forgetTombstones(index, keys);
  }

  async function readCurrent(paths: SpacePaths, key: string): Promise<StoredDocument | null> {
    const document = await readDocument(fileOf(paths, key));
    // The hash in the name makes another key's file here all but impossible; the header says for sure.
    return document?.key === key ? document : null;
  }

  async function write(request: WriteRequest): Promise<WriteResult> {
    const { space, key, idempotency: idem } = request;
    const opened = await openSpace(space);
    const { paths, index } = opened;
    await purge(space, opened);
    const meta = index.documents.get(key);
    const outcome = await planWrite(request, {
      current: meta ?? null,
      usage: { ...index.usage },
      recorded: idem && index.idempotency.get(key, idem.key, now()),
      readCurrent: async () =>
        (await readCurrent(paths, key)) ?? { key, version: meta!.version, text: null, overrode: null, cursor: meta!.cursor, updatedAt: meta!.updatedAt },
    });
    if (!isPlan(outcome)) return outcome;
    const at = now();
    const next = { version: outcome.version, cursor: index.cursor + 1, deleted: outcome.text === null, updatedAt: at, overrode: outcome.overrode, ...(request.client ? { client: request.client } : {}) };
    await writeDurably(tmpDir, fileOf(paths, key), documentParts(key, next, outcome.text), recreate(paths));
    recordDocument(index, key, { ...next, bytes: outcome.bytes });
    if (idem) {
      const record = { fingerprint: idem.fingerprint, answer: answerOf(outcome), at };
      index.idempotency.add(key, idem.key, record);
      // The document is written: a lost record only turns its retry into a 412, so a failure here is not the write's.
      await appendIdempotency(paths, index, { key, idempotencyKey: idem.key, ...record }, opened.log, tmpDir, recreate(paths)).catch(() => {});
    }
    watchers.wake(space);
    return next.deleted ? { status: 'written', version: next.version, cursor: next.cursor, deleted: true } : { status: 'written', version: next.version, cursor: next.cursor };
  }

  const open = () => {
    if (closed) throw new Error(`redux-autosave: fileStore(${JSON.stringify(dir)}) is closed`);
  };

  return {
    retentionMs,
    async get(space, key) {
      open();
      return readCurrent(pathsOf(space), key);
    },
    write(request) {
      open();
      return serializer.run(request.space, () => write(request));
    },
    async list(space, options) {
      open();
      return listLive((await openSpace(space)).index, options);
    },
    changes(space, after, limit) {
      open();
      return serializer.run(space, async () => {
        const opened = await openSpace(space);
        await purge(space, opened);
        return changesSince(opened.index, after, limit);
      });
    },
    watch: (space, wake) => watchers.watch(space, wake),
    async usage(space) {
      open();
      return { ...(await openSpace(space)).index.usage };
    },
    async close() {
      if (closed) return;
      closed = true;
      await serializer.idle();
      unlock();
    },
  };
}
