// The engine's bookkeeping in storage: the outbox (what is saved and not
// pushed yet) and the bases (the last copy each key agreed on with the
// remote). Written before it is believed: what only memory knows would be
// gone after a reload.
import { INTERNAL_PREFIX } from '../keys';
import { keySync, type Base, type KeySync, type OutboxEntry, type Sync } from './state';

const OUTBOX = `${INTERNAL_PREFIX}outbox/`;
const BASE = `${INTERNAL_PREFIX}base/`;

/** A fresh entry: a copy to push, its idempotency key made at the first try. */
export const NEW_ENTRY: OutboxEntry = { checksum: null, idempotencyKey: null };

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

export async function setEntry(s: Sync, ks: KeySync, entry: OutboxEntry): Promise<void> {
  await s.port.storage.setItem(OUTBOX + ks.key, entry);
  ks.entry = entry;
}

export async function dropEntry(s: Sync, ks: KeySync): Promise<void> {
  ks.entry = null;
  await s.port.storage.removeItem(OUTBOX + ks.key);
}

/** Reads the stored entry (another tab may have written it) when memory has none. */
export async function storedEntry(s: Sync, key: string): Promise<OutboxEntry | null> {
  return ((await s.port.storage.getItem(OUTBOX + key)) as OutboxEntry | null) ?? null;
}

export async function baseOf(s: Sync, ks: KeySync): Promise<Base | null> {
  if (ks.base === undefined) ks.base = ((await s.port.storage.getItem(BASE + ks.key)) as Base | null) ?? null;
  return ks.base;
}

export async function setBase(s: Sync, ks: KeySync, base: Base): Promise<void> {
  await s.port.storage.setItem(BASE + ks.key, base);
  ks.base = base;
}

/** The remote lost the document (its data was reset): the next push creates it again. */
export async function dropBase(s: Sync, ks: KeySync): Promise<void> {
  ks.base = null;
  await s.port.storage.removeItem(BASE + ks.key);
}

/** Removes a key's stored bookkeeping (`remove()`). */
export async function forgetStored(s: Sync, key: string): Promise<void> {
  await s.port.storage.removeItem(OUTBOX + key);
  await s.port.storage.removeItem(BASE + key);
}
