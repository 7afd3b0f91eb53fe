// The engine's bookkeeping in storage: the outbox (what is saved and not
// pushed yet) and the bases (the last copy each key agreed on with the
// remote). Written before it is believed: what only memory knows would be
// gone after a reload.
import { AutosaveError } from '../errors';
import { INTERNAL_PREFIX } from '../keys';
import { isObject } from '../util/check';
import { keySync, type Base, type BaseRecord, type KeySync, type OutboxEntry, type Sync } from './state';

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
    const entry = await readChecked(s, outboxKey, asEntry);
    if (entry) keySync(s, outboxKey.slice(OUTBOX.length)).entry = entry;
  }
}

/** A read that came back as something else is read again a few times (a storage's brief fault) before it throws. */
async function readChecked<T>(s: Sync, storageKey: string, check: (value: unknown, storageKey: string) => T): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return check(await s.port.storage.getItem(storageKey), storageKey);
    } catch (error) {
      if (attempt >= READ_ATTEMPTS) throw error;
    }
  }
}
const READ_ATTEMPTS = 3;

const isKey = (value: unknown) => value === null || typeof value === 'string';

/**
 * A stored entry, checked: a read that came back as something else (a
 * storage fault) throws, and the caller tries again later; believing it
 * would lose the idempotency key of a push whose reply was lost.
 */
function asEntry(value: unknown, storageKey: string): OutboxEntry | null {
  if (value === null || value === undefined) return null;
  if (isObject(value) && isKey(value.checksum) && isKey(value.idempotencyKey)) return value as unknown as OutboxEntry;
  throw unreadable(storageKey);
}

/** A stored base, checked the same way: a garbage base would make merges take the wrong side. */
function asBase(value: unknown, storageKey: string): BaseRecord | null {
  if (value === null || value === undefined) return null;
  const isBase = (b: unknown): b is BaseRecord => isObject(b) && typeof b.version === 'string' && 'data' in b;
  if (isBase(value) && (value.next === undefined || (isBase(value.next) && typeof value.next.checksum === 'string'))) return value;
  throw unreadable(storageKey);
}

const unreadable = (storageKey: string) =>
  new AutosaveError('storage', `redux-autosave: the sync record ${storageKey} read back as something else; tried again later`, { key: storageKey });

/** The keys with an outbox entry. */
export function outboxKeys(s: Sync): string[] {
  return [...s.keys.values()].filter((ks) => ks.entry !== null).map((ks) => ks.key);
}

export const setEntry = (s: Sync, ks: KeySync, entry: OutboxEntry) => put(s, ks, 'entry', entry);
export const dropEntry = (s: Sync, ks: KeySync) => drop(s, ks, 'entry');
export const setBase = (s: Sync, ks: KeySync, base: Base) => put(s, ks, 'base', { version: base.version, data: base.data });
/**
 * Stores `base`, a copy the remote now holds, as the base of the stored copy
 * of checksum `checksum`, whose base was `over` (its version). Should the
 * storage fail, it stands in memory for that record until it is stored
 * (`KeySync.landed`): a merge on the older base would take what the remote
 * already has for this device's own edits.
 */
export async function setLandedBase(s: Sync, ks: KeySync, base: Base, over: string | null, checksum: string): Promise<void> {
  ks.landed = { base: { version: base.version, data: base.data }, over, checksum };
  await setBase(s, ks, ks.landed.base);
}
/**
 * Before a copy taken from the remote is stored: the base it goes with,
 * tied to its checksum, is stored first. A page closed between the copy's
 * write and its base's then still pushes it on the right base; a write that
 * failed leaves a `next` no stored copy matches, and the old base stands.
 */
export async function setNextBase(s: Sync, ks: KeySync, next: Base, checksum: string): Promise<void> {
  // The record as this turn read it, when a fresh read fails (the pull or
  // push that took the copy in read it just before).
  const current = await baseRecord(s, ks).catch((error: unknown) => {
    if (ks.base === undefined) throw error;
    return ks.base;
  });
  await put(s, ks, 'base', { version: current?.version ?? '', data: current?.data ?? null, next: { version: next.version, data: next.data, checksum }, ...(current ? {} : { none: true }) });
}
/**
 * The record's `next` becomes its base when the stored copy is the one it
 * names: a page closed between that copy's write and settling its base.
 * Read only while the record is unknown or names a copy ahead.
 */
export async function settleNext(s: Sync, ks: KeySync): Promise<void> {
  if (ks.base !== undefined && !ks.base?.next) return;
  const record = await baseRecord(s, ks);
  if (record?.next && (await s.port.readStored(ks.key))?.checksum === record.next.checksum) await setBase(s, ks, record.next);
}
/** The remote lost the document (its data was reset): the next push creates it again. */
export const dropBase = (s: Sync, ks: KeySync) => drop(s, ks, 'base');

const PREFIX = { entry: OUTBOX, base: BASE } as const;

// A disposed engine writes nothing: a push that was under way when the page
// closed must not put back an entry another tab has closed since.
async function put<K extends keyof typeof PREFIX>(s: Sync, ks: KeySync, kind: K, value: NonNullable<KeySync[K]>): Promise<void> {
  if (s.disposed) return;
  await s.port.storage.setItem(PREFIX[kind] + ks.key, value);
  ks[kind] = value;
  if (kind === 'base') ks.landed = null;
}

async function drop(s: Sync, ks: KeySync, kind: keyof typeof PREFIX): Promise<void> {
  if (s.disposed) return;
  ks[kind] = null;
  await s.port.storage.removeItem(PREFIX[kind] + ks.key);
}

/** Reads the stored entry (another tab may have written it) when memory has none. */
export async function storedEntry(s: Sync, key: string): Promise<OutboxEntry | null> {
  return readChecked(s, OUTBOX + key, asEntry);
}

/**
 * The stored base record, read afresh: another tab sharing the storage may
 * have moved it since this one last looked.
 */
export async function baseRecord(s: Sync, ks: KeySync): Promise<BaseRecord | null> {
  const stored = await readChecked(s, BASE + ks.key, asBase);
  const { landed } = ks;
  // A push's base the storage failed to store stands for the record it was
  // to replace; a record moved since (another tab stored one) stands itself.
  if (landed && (baseFor(stored, landed.checksum)?.version ?? null) !== landed.over) ks.landed = null;
  ks.base = ks.landed ? { version: ks.landed.base.version, data: ks.landed.base.data } : stored;
  return ks.base;
}

/** The base that goes with the stored copy whose checksum is `checksum` (see setNextBase). */
export function baseFor(record: BaseRecord | null, checksum: string | undefined): Base | null {
  if (!record) return null;
  if (record.next && record.next.checksum === checksum) return { version: record.next.version, data: record.next.data };
  return record.none ? null : { version: record.version, data: record.data };
}

/** Removes a key's stored bookkeeping (`remove()`). */
export async function forgetStored(s: Sync, key: string): Promise<void> {
  await s.port.storage.removeItem(OUTBOX + key);
  await s.port.storage.removeItem(BASE + key);
}
