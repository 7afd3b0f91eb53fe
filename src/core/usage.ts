// What the instance has stored (usage), and freeing room (prune): loaded
// when first needed (see rare.ts). Current copies and unsent outbox entries
// are never removed here.
import { AutosaveError, messageOf } from '../errors';
import { INTERNAL_PREFIX } from '../keys';
import type { PruneOptions, StorageUsage } from '../types/instance';
import { HISTORY, keptCopies } from './kept';
import type { Runtime } from './runtime';
import { collectionOfKey } from './sizes';

const QUARANTINE = `${INTERNAL_PREFIX}quarantine/`;
const OUTBOX = [`${INTERNAL_PREFIX}outbox/`, `${INTERNAL_PREFIX}base/`];

interface StorageManager {
  estimate?(): Promise<{ usage?: number; quota?: number }>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}
const storageManager = () => (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;

export async function usage(rt: Runtime): Promise<StorageUsage> {
  const { sizes } = rt.config;
  await sizes.loaded();
  const own = new Set(rt.config.collections.map((c) => c.name));
  const result: StorageUsage = { total: 0, documents: {}, history: 0, quarantine: 0, outbox: 0 };
  for (const [key, bytes] of sizes.bytes) {
    if (!own.has(collectionOfKey(key)) || key.startsWith(HISTORY)) continue;
    if (!key.startsWith(INTERNAL_PREFIX)) result.documents[key] = bytes;
    else if (key.startsWith(QUARANTINE)) result.quarantine += bytes;
    else if (OUTBOX.some((prefix) => key.startsWith(prefix))) result.outbox += bytes;
    else continue;
    result.total += bytes;
  }
  // Kept copies carry their size in their key: listed, not read, wherever they were written.
  for (const kept of await keptCopies(rt, HISTORY)) {
    if (!own.has(collectionOfKey(kept.storageKey))) continue;
    result.history += kept.bytes;
    result.total += kept.bytes;
  }
  const manager = storageManager();
  try {
    const estimate = await manager?.estimate?.();
    if (estimate) result.estimate = { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 };
    const persisted = await manager?.persisted?.();
    if (persisted !== undefined) result.persisted = persisted;
  } catch {
    // a browser that refuses to say: the instance's own figures stand
  }
  return result;
}

export async function requestPersistence(): Promise<boolean> {
  try {
    return (await storageManager()?.persist?.()) ?? false;
  } catch {
    return false;
  }
}

/** Removes kept copies by the options (and quarantined copies older than asked); resolves the bytes freed. */
export async function prune(rt: Runtime, options: PruneOptions = {}): Promise<number> {
  const { storage, sizes } = rt.config;
  let freed = 0;
  const drop = async (key: string, bytes: number) => {
    await storage.removeItem(key);
    freed += bytes;
  };
  const now = Date.now();
  for (const collection of rt.config.collections) {
    const keep = options.keepVersions ?? collection.history.keep;
    const byDocument = new Map<string, Awaited<ReturnType<typeof keptCopies>>>();
    for (const kept of await keptCopies(rt, `${HISTORY}${collection.name}:`)) {
      const key = kept.storageKey.slice(HISTORY.length, kept.storageKey.lastIndexOf('/'));
      byDocument.set(key, [...(byDocument.get(key) ?? []), kept]);
    }
    for (const copies of byDocument.values()) {
      for (const [i, kept] of copies.entries()) {
        if (i >= keep || (options.olderThanMs !== undefined && now - kept.savedAt > options.olderThanMs)) await drop(kept.storageKey, kept.bytes);
      }
    }
  }
  if (options.quarantineOlderThanMs !== undefined) {
    // A quarantined copy carries no time in its key: its envelope's savedAt tells when it was written.
    for (const key of (await storage.keys()).filter((k) => k.startsWith(QUARANTINE) && rt.config.collections.some((c) => collectionOfKey(k) === c.name))) {
      const savedAt = Number((await storage.getItem(key).catch(() => null) as { savedAt?: unknown } | null)?.savedAt ?? 0);
      if (now - savedAt > options.quarantineOlderThanMs) await drop(key, sizes.bytes.get(key) ?? 0);
    }
  }
  if (freed > 0) await sizes.persist();
  return freed;
}

/**
 * The storage is full: kept copies go, oldest first across every document,
 * until `needed` bytes are free or none is left; resolves the bytes freed
 * and tells `onError` what went.
 */
export async function makeRoom(rt: Runtime, key: string, needed: number): Promise<number> {
  const all = (await keptCopies(rt, HISTORY)).filter((kept) => rt.config.collections.some((c) => collectionOfKey(kept.storageKey) === c.name));
  let freed = 0;
  let removed = 0;
  for (const kept of all.reverse()) {
    if (freed >= needed) break;
    try {
      await rt.config.storage.removeItem(kept.storageKey);
    } catch (error) {
      rt.report(new AutosaveError('storage', `redux-autosave: could not remove a kept copy to make room: ${messageOf(error)}`, { key, cause: error }));
      break;
    }
    freed += kept.bytes;
    removed++;
  }
  if (removed > 0) {
    rt.report(
      new AutosaveError('storage', `redux-autosave: the storage was full: ${removed} kept ${removed === 1 ? 'copy' : 'copies'} (${freed} bytes) removed to save ${key}`, {
        key,
        retryable: false,
      }),
    );
  }
  return freed;
}
