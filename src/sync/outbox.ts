// The engine's bookkeeping in storage: the outbox (what is saved and not
// pushed yet) and the bases (the last copy each key agreed on with the
// remote). Written before it is believed: what only memory knows would be
// gone after a reload.
import { INTERNAL_PREFIX } from '../keys';
import { keySync, type Base, type KeySync, type OutboxEntry, type Sync } from './state';

const OUTBOX = `${INTERNAL_PREFIX}outbox/`;
const BASE = `${INTERNAL_PREFIX}base/`;

/**
 * A fresh entry: a copy to push, its idempotency key made at the first try,
 * made as whoever the remote says is signed in now.
 */
export async function newEntry(s: Sync, deleted = false): Promise<OutboxEntry> {
  const entry: OutboxEntry = { checksum: null, idempotencyKey: null };
  if (s.port.remote.principal) entry.principal = (await s.port.remote.principal()) ?? null;
  if (deleted) entry.deleted = true;
  return entry;
}

/** Resolves once the outbox the last session left is read; a read that failed is tried again by the next caller. */
export function outboxReady(s: Sync): Promise<void> {
  return (s.outboxRead ??= readOutbox(s).catch((error: unknown) => {
    s.outboxRead = undefined;
    throw error;
  }));
}

/** Reads every stored outbox entry into memory. */
export async function readOutbox(s: Sync): Promise<void> {
  const { storage } = s.port;
  const keys = (await storage.keys()).filter((key) => key.startsWith(OUTBOX));
  for (const outboxKey of keys) {
    const entry = (await storage.getItem(outboxKey)) as OutboxEntry | null;
    if (entry) keySync(s, outboxKey.slice(OUTBOX.length)).entry = entry;
  }
}

/** The keys with an outbox entry. */
export function outboxKeys(s: Sync): string[] {
  return [...s.keys.values()].filter((ks) => ks.entry !== null).map((ks) => ks.key);
}

export const setEntry = (s: Sync, ks: KeySync, entry: OutboxEntry) => put(s, ks, 'entry', entry);
export const dropEntry = (s: Sync, ks: KeySync) => drop(s, ks, 'entry');
export const setBase = (s: Sync, ks: KeySync, base: Base) => put(s, ks, 'base', { version: base.version, data: base.data });
/** The remote lost the document (its data was reset): the next push creates it again. */
export const dropBase = (s: Sync, ks: KeySync) => drop(s, ks, 'base');

const PREFIX = { entry: OUTBOX, base: BASE } as const;

async function put<K extends keyof typeof PREFIX>(s: Sync, ks: KeySync, kind: K, value: NonNullable<KeySync[K]>): Promise<void> {
  await s.port.storage.setItem(PREFIX[kind] + ks.key, value);
  ks[kind] = value;
}

async function drop(s: Sync, ks: KeySync, kind: keyof typeof PREFIX): Promise<void> {
  ks[kind] = null;
  await s.port.storage.removeItem(PREFIX[kind] + ks.key);
}

/** Reads the stored entry (another tab may have written it) when memory has none. */
export async function storedEntry(s: Sync, key: string): Promise<OutboxEntry | null> {
  return ((await s.port.storage.getItem(OUTBOX + key)) as OutboxEntry | null) ?? null;
}

export async function baseOf(s: Sync, ks: KeySync): Promise<Base | null> {
  if (ks.base === undefined) ks.base = ((await s.port.storage.getItem(BASE + ks.key)) as Base | null) ?? null;
  return ks.base;
}

/** Removes a key's stored bookkeeping (`remove()`). */
export async function forgetStored(s: Sync, key: string): Promise<void> {
  await s.port.storage.removeItem(OUTBOX + key);
  await s.port.storage.removeItem(BASE + key);
}
