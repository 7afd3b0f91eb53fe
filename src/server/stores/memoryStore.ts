import type { StoreOptions, StoredDocument, SyncStore, WriteRequest, WriteResult } from '../types';
import { storeOptions } from './options';
import { Serializer, Watchers } from './serialize';
import { changesSince, createSpaceIndex, expiredTombstones, forgetTombstones, listLive, recordDocument, type DocumentMeta, type SpaceIndex } from './spaceIndex';
import { answerOf, isPlan, planWrite } from './writeStep';

type MemoryMeta = DocumentMeta & { text: string | null };

/**
 * Keeps every space in this process's memory: for tests, demos and a server
 * whose documents may be lost on restart. Versions carry a random tail, so a
 * client that saw a version before the restart never meets it again.
 *
 * ```ts
 * createSyncServer({ store: memoryStore(), authorize: 'anonymous', port: 8787 });
 * ```
 */
export function memoryStore(options?: StoreOptions): SyncStore {
  const { retentionMs, now, idempotency } = storeOptions('memoryStore', options);
  const spaces = new Map<string, SpaceIndex<MemoryMeta>>();
  const serializer = new Serializer();
  const watchers = new Watchers();
  let closed = false;

  const spaceOf = (space: string) => {
    let index = spaces.get(space);
    if (!index) spaces.set(space, (index = createSpaceIndex<MemoryMeta>(idempotency)));
    forgetTombstones(index, expiredTombstones(index, now(), retentionMs));
    return index;
  };
  const documentOf = (key: string, meta: MemoryMeta): StoredDocument => ({
    key,
    version: meta.version,
    text: meta.deleted ? null : meta.text,
    overrode: meta.overrode,
    cursor: meta.cursor,
    updatedAt: meta.updatedAt,
  });
  const open = () => {
    if (closed) throw new Error('redux-autosave: memoryStore is closed');
  };

  async function write(request: WriteRequest): Promise<WriteResult> {
    const { space, key, idempotency: idem } = request;
    const index = spaceOf(space);
    const meta = index.documents.get(key);
    const outcome = await planWrite(request, {
      current: meta ?? null,
      usage: { ...index.usage },
      recorded: idem && index.idempotency.get(key, idem.key, now()),
      readCurrent: async () => documentOf(key, meta!),
    });
    if (!isPlan(outcome)) return outcome;
    const at = now();
    const cursor = index.cursor + 1;
    recordDocument(index, key, {
      version: outcome.version,
      cursor,
      bytes: outcome.bytes,
      deleted: outcome.text === null,
      updatedAt: at,
      overrode: outcome.overrode,
      text: outcome.text,
      ...(request.client ? { client: request.client } : {}),
    });
    if (idem) index.idempotency.add(key, idem.key, { fingerprint: idem.fingerprint, answer: answerOf(outcome), at });
    watchers.wake(space);
    return outcome.text === null ? { status: 'written', version: outcome.version, cursor, deleted: true } : { status: 'written', version: outcome.version, cursor };
  }

  return {
    retentionMs,
    async get(space, key) {
      open();
      const meta = spaces.get(space)?.documents.get(key);
      return meta ? documentOf(key, meta) : null;
    },
    write(request) {
      open();
      return serializer.run(request.space, () => write(request));
    },
    async list(space, options) {
      open();
      return listLive(spaceOf(space), options);
    },
    async changes(space, after, limit) {
      open();
      return changesSince(spaceOf(space), after, limit);
    },
    watch: (space, wake) => watchers.watch(space, wake),
    async usage(space) {
      open();
      return { ...(spaces.get(space)?.usage ?? { bytes: 0, documents: 0 }) };
    },
    async close() {
      closed = true;
      await serializer.idle();
    },
  };
}
