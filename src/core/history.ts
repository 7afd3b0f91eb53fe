// Kept copies of documents (history): written on a timer by saves, and
// before a copy from elsewhere replaces one. Loaded when first needed (see
// rare.ts). Each copy is stored verbatim under a key that carries what
// `history()` lists — when it was saved and kept, why, its size — so the list
// is read from key names alone, and two tabs keeping copies at once never
// overwrite each other's index.
import { unwrap, wrap } from '../envelope';
import { AutosaveError, isQuotaError } from '../errors';
import { DEFAULTS } from '../defaults';
import type { HistoryReason, HistoryVersion } from '../types/instance';
import { isObject } from '../util/check';
import { migrate } from './migrate';
import { checksumFor, prepare } from './prepare';
import { restoreInto, transition, type DocumentState } from './document';
import type { Runtime } from './runtime';
import { validate } from './schema';
import { utf8Length } from './sizes';
import { makeRoom } from './usage';
import { HISTORY, historyPrefix, keptCopies } from './kept';
import { envelopeOf } from './stored';

export async function listHistory(rt: Runtime, key: string): Promise<HistoryVersion[]> {
  return (await keptCopies(rt, historyPrefix(key))).map(({ versionId, savedAt, bytes, reason }) => ({ versionId, savedAt, bytes, reason }));
}

/**
 * Whether `next` holds everything `old` does: every field `old` has, with the
 * same value (arrays of objects with ids compared item by item). A copy
 * about to be replaced by one that does not is worth keeping.
 */
export function holdsAll(next: unknown, old: unknown): boolean {
  if (Object.is(next, old)) return true;
  if (Array.isArray(old)) {
    if (!Array.isArray(next)) return false;
    const ids = (items: unknown[]) => (items.every((item) => isObject(item) && 'id' in item) ? new Map(items.map((item) => [(item as { id: unknown }).id, item])) : undefined);
    const oldById = ids(old);
    const nextById = oldById && ids(next);
    if (oldById && nextById) return [...oldById].every(([id, item]) => nextById.has(id) && holdsAll(nextById.get(id), item));
    // Other lists: every item of the old one is somewhere in the new one (an append drops nothing).
    const primitives = new Set(next.filter((item) => typeof item !== 'object' || item === null));
    return old.every((item) => (typeof item !== 'object' || item === null ? primitives.has(item) : next.some((candidate) => holdsAll(candidate, item))));
  }
  if (isObject(old)) return isObject(next) && Object.keys(old).every((name) => Object.hasOwn(next, name) && holdsAll(next[name], old[name]));
  return false;
}

/**
 * Keeps the stored copy of the document before `next` (wire form) replaces
 * it: on the timer (`periodic`), or for `reason` when the stored copy holds
 * content `next` lacks. Best effort: the caller reports a failure and writes
 * on. Runs under the document's lock.
 */
export async function keepReplaced(rt: Runtime, doc: DocumentState, reason: HistoryReason, next: unknown): Promise<void> {
  // On the timer, the copy replaced is the one this tab holds as stored (any
  // other tab's newer copy was taken in just before): kept without a read.
  if (reason === 'periodic') return keepClean(rt, doc, 'periodic');
  const stored = await rt.config.storage.getItem(doc.key);
  const old = stored == null ? undefined : envelopeOf(doc, stored);
  if (!old || holdsAll(next, old.data)) return;
  await keepCopy(rt, doc, stored, old.savedAt, reason);
}

/** Keeps the copy this tab holds as stored (`doc.clean`), made into the envelope storage has of it. */
async function keepClean(rt: Runtime, doc: DocumentState, reason: HistoryReason, unless?: unknown): Promise<void> {
  if (doc.clean === undefined) return;
  const clean = prepare(doc, doc.clean, rt.config.maxDocumentBytes);
  if (clean instanceof AutosaveError || (unless !== undefined && holdsAll(unless, clean.wire))) return;
  const format = rt.config.storageFormat;
  const savedAt = doc.savedAt ?? Date.now();
  const stored = wrap(format, clean.wire, clean.json, checksumFor(format, clean.json), doc.collection.version, savedAt, rt.config.storage.stringsOnly === true);
  await keepCopy(rt, doc, stored, savedAt, reason);
}

/** Stores `stored` (an envelope, as the storage keeps it) as a kept copy of the document, then holds the history to its limits. */
export async function keepCopy(rt: Runtime, doc: DocumentState, stored: unknown, savedAt: number, reason: HistoryReason): Promise<void> {
  const keptAt = Date.now();
  const bytes = typeof stored === 'string' ? utf8Length(stored) : utf8Length(JSON.stringify(stored));
  const versionId = `${savedAt}~${keptAt}~${reason}~${bytes}~${Math.random().toString(36).slice(2, 8)}`;
  const storageKey = historyPrefix(doc.key) + versionId;
  try {
    await rt.config.storage.setItem(storageKey, stored);
  } catch (error) {
    // A full storage: older kept copies make room for this one, else none is kept.
    if (!isQuotaError(error) || (await makeRoom(rt, doc.key, bytes)) === 0) throw error;
    await rt.config.storage.setItem(storageKey, stored);
  }
  if (reason === 'periodic') doc.historyKeptAt = keptAt;
  // The limits are held after, off the save's path; it only lists and removes kept copies.
  holdToLimits(rt, doc).catch(rt.report);
}

/** `keep` timed copies and a few others per document; the collection's copies under `maxBytes`, the oldest going first. */
async function holdToLimits(rt: Runtime, doc: DocumentState): Promise<void> {
  const { keep, maxBytes } = doc.collection.history;
  const own = await keptCopies(rt, historyPrefix(doc.key));
  const periodic = own.filter((kept) => kept.reason === 'periodic');
  const others = own.filter((kept) => kept.reason !== 'periodic');
  const over = [...periodic.slice(keep), ...others.slice(DEFAULTS.historyBeforeOthers)];
  for (const kept of over) await rt.config.storage.removeItem(kept.storageKey);
  const all = await keptCopies(rt, `${HISTORY}${doc.collection.name}:`);
  let total = all.reduce((sum, kept) => sum + kept.bytes, 0);
  for (const kept of all.reverse()) {
    if (total <= maxBytes) break;
    await rt.config.storage.removeItem(kept.storageKey);
    total -= kept.bytes;
  }
}

/** A kept copy as the document it was: checksum checked, migrated, validated. */
export async function readKept(rt: Runtime, doc: DocumentState, versionId: string): Promise<unknown> {
  const { key, collection } = doc;
  const stored = await rt.config.storage.getItem(historyPrefix(key) + versionId);
  if (stored == null) throw new AutosaveError('storage', `redux-autosave: ${key} has no kept copy ${JSON.stringify(versionId)}`, { key, retryable: false });
  const unwrapped = unwrap(stored, key, collection.version);
  if (!unwrapped.ok) throw new AutosaveError(unwrapped.code === 'newer' ? 'migration' : unwrapped.code, `redux-autosave: kept copy of ${unwrapped.message}`, { key });
  const data = migrate(unwrapped.envelope.data, unwrapped.envelope.version, collection.version, collection.migrations, key);
  const checked = validate(collection, data, `redux-autosave: the kept copy ${versionId} of ${key} does not match the schema`, key);
  if (!checked.ok) throw checked.error;
  return checked.data;
}

/**
 * Another tab's copy replaces the one this tab showed, with no edit of this
 * tab's in between: the copy shown is kept when it holds content theirs lacks.
 */
export async function keepShown(rt: Runtime, doc: DocumentState, theirs: unknown): Promise<void> {
  if (doc.collection.history.keep > 0) await keepClean(rt, doc, 'before-tab', theirs);
}

/**
 * Puts a kept copy into the state as a new edit (saved and pushed like any
 * other); the copy its save replaces is kept first, so the restore can be
 * undone. The history itself is never rewritten.
 */
export async function restoreKept(rt: Runtime, doc: DocumentState, versionId: string): Promise<void> {
  const document = await readKept(rt, doc, versionId);
  doc.replacing = 'before-restore';
  restoreInto(rt, doc, document, 'unsaved');
  if (doc.latest !== document) doc.latest = document;
  doc.schedule.touch();
  transition(rt, doc, { type: 'edited' });
}
