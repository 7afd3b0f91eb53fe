import { storedChecksum, unwrap, wrap } from '../envelope';
import { newerRelease } from './newer';
import { AutosaveError, isQuotaError, storageError } from '../errors';
import { withRetry } from '../retry';
import { failDocument, hasUnsavedEdit, transition, type DocumentState } from './document';
import { clearJournal } from './journal';
import { checksumFor, prepare, readSchema, type Prepared } from './prepare';
import type { Runtime } from './runtime';
import { loadRare } from './lazy';

/**
 * Saves the document's newest copy, after what its queue already holds.
 * Callers asking while a save waits in the queue share it; resolves the
 * error when it was not saved (the status shows it too).
 */
export function saveDocument(rt: Runtime, doc: DocumentState): Promise<AutosaveError | undefined> {
  doc.schedule.cancel();
  return (doc.queuedSave ??= rt.queue.run(doc.key, () => {
    doc.queuedSave = null;
    return saveLatest(rt, doc);
  }));
}

async function saveLatest(rt: Runtime, doc: DocumentState): Promise<AutosaveError | undefined> {
  if (doc.purged) return undefined;
  if (doc.storedByNewerRelease) {
    return failDocument(rt, doc, new AutosaveError('migration', `redux-autosave: ${doc.key} is stored by a newer release of redux-autosave; not written over it (reload the page)`, { key: doc.key, retryable: false }));
  }
  if (!hasUnsavedEdit(doc)) {
    // Changed and changed back (an undo, say): nothing new to write, but the
    // status must say the stored copy is current again.
    if (doc.phase === 'pending' || doc.phase === 'error') {
      // (A copy another tab stored may be what stands: not known to be pushed.)
      transition(rt, doc, { type: 'settled', savedAt: doc.savedAt ?? Date.now(), pendingSync: rt.engine !== undefined });
      const engine = await rt.engine;
      engine?.stored(doc.key);
      engine?.adopted(doc.key);
    }
    return undefined;
  }
  return writeDocument(rt, doc, doc.latest);
}

/**
 * Validates and writes `document` as the stored copy of the document's key,
 * holding the key's lock (Web Locks across tabs, a lock file across
 * processes): a copy another tab stored meanwhile is taken in first, a copy
 * a load could not verify is kept aside first, and the copy replaced goes to
 * the history when one is due. Failed writes are tried again under the
 * `retry` policy. `quiet`: a copy from elsewhere, written while the state
 * holds no edit; the status does not pass through `saving`.
 */
export async function writeDocument(rt: Runtime, doc: DocumentState, document: unknown, quiet = false): Promise<AutosaveError | undefined> {
  const { key, collection } = doc;
  try {
    await readSchema(collection);
  } catch (error) {
    return failDocument(rt, doc, storageError(key, 'write', error));
  }
  let prepared = prepare(doc, document, rt.config.maxDocumentBytes);
  if (prepared instanceof AutosaveError) return failDocument(rt, doc, prepared);
  if (!quiet) transition(rt, doc, { type: 'saveStarted' });
  let written: { savedAt: number; sum: string } | undefined;
  let settledAt: number | undefined;
  const engine = await rt.engine;
  try {
    await withRetry(
      () =>
        rt.tabs!.withLock(key, async () => {
          try {
            // With a remote, the outbox learns of the document before the
            // write: a tab closed between the two still pushes it after
            // reload. (Counted as begun even when that fails: endWrite evens it.)
            await engine?.beginWrite(key);
            const found = await checkStoredCopy(rt, doc);
            if (found?.settledAt !== undefined) {
              settledAt = found.settledAt; // theirs already holds everything
              return;
            }
            if (found) {
              document = doc.latest;
              prepared = prepare(doc, document, rt.config.maxDocumentBytes);
              if (prepared instanceof AutosaveError) throw prepared;
            }
            // A disposed instance writes nothing more: its tab announces no
            // copy, so the others would go on showing theirs as stored (a read
            // of another tab's copy under way at dispose() ends in a save).
            if (!rt.disposed) {
              await keepReplacedCopy(rt, doc, (prepared as Prepared).wire);
              written = await store(rt, doc, prepared as Prepared);
            }
          } finally {
            engine?.endWrite(key);
          }
        }),
      rt.config.retry,
      rt.sleep,
    );
  } catch (error) {
    return failDocument(rt, doc, storageError(key, 'write', error));
  }
  const remoteBase = written ? doc.remoteBase : undefined;
  if (written) {
    doc.writtenBase = remoteBase;
    doc.remoteBase = undefined;
    doc.clean = document;
    doc.savedAt = written.savedAt;
    doc.storedChecksum = written.sum;
    clearJournal(rt, key);
    rt.tabs!.announce({ type: 'saved', key, checksum: written.sum });
    transition(rt, doc, { type: 'written', savedAt: written.savedAt, pendingSync: engine !== undefined });
  } else {
    // Another tab's copy now stands here: not known to be on the remote yet.
    transition(rt, doc, { type: 'settled', savedAt: settledAt ?? doc.savedAt ?? Date.now(), pendingSync: settledAt !== undefined && engine !== undefined });
  }
  if (!rt.disposed) engine?.stored(key, remoteBase);
  if (!rt.disposed && settledAt !== undefined) engine?.adopted(key);
  return undefined;
}

/**
 * What is stored now, before this tab writes over it: a copy a load could
 * not verify is kept aside; a copy another tab (or process) stored that this
 * one has not seen is taken in (merged with this tab's edit). Only the
 * checksum is read unless it differs: a document of megabytes is not parsed
 * again for every save. Says whether another tab's copy was found, and
 * `settledAt` when it already held everything.
 */
async function checkStoredCopy(rt: Runtime, doc: DocumentState): Promise<{ settledAt?: number } | undefined> {
  const { storage, crossTab } = rt.config;
  const { key, collection } = doc;
  if (doc.storedUnverified) {
    const stored = await storage.getItem(key);
    if (stored != null) await (await loadRare()).copyAside(rt, key, stored);
    doc.storedUnverified = false;
  }
  if (!crossTab || doc.storedChecksum === undefined) return undefined;
  const stored = await storage.getItem(key);
  const unwrapped = stored == null || storedChecksum(stored) === doc.storedChecksum ? undefined : unwrap(stored, key, collection.version);
  if (unwrapped && !unwrapped.ok) {
    if (unwrapped.code === 'newer') throw newerRelease(rt, doc, unwrapped.message);
    // What this read made nothing of may be the copy another tab announced
    // (reads giving garbage): written over unseen, its edits would be lost.
    // A storage error, so the write is tried again under `retry`.
    if (doc.announced) throw storageError(key, 'read', unwrapped.message);
  }
  doc.announced = undefined;
  const theirs = unwrapped?.ok && unwrapped.envelope.version === collection.version ? unwrapped.envelope : undefined;
  if (!theirs || theirs.checksum === doc.storedChecksum) return undefined;
  await (await loadRare()).takeInOtherTabsCopy(rt, doc, theirs);
  return hasUnsavedEdit(doc) ? {} : { settledAt: theirs.savedAt };
}

/**
 * The history: a save at least `everyMs` after the last kept copy keeps the
 * copy it replaces, and a write of a copy from elsewhere keeps it when it
 * holds content the new one lacks. Best effort: a failure is told, never
 * stops the save.
 */
async function keepReplacedCopy(rt: Runtime, doc: DocumentState, next: unknown): Promise<void> {
  const { keep, everyMs } = doc.collection.history;
  // The timer runs from the last copy kept, or from when the copy about to be
  // replaced was saved: deciding reads nothing.
  const since = doc.historyKeptAt ?? doc.savedAt;
  const reason = doc.replacing ?? (since !== null && Date.now() - since >= everyMs ? 'periodic' : undefined);
  doc.replacing = undefined;
  if (keep === 0 || reason === undefined) return;
  try {
    await (await loadRare()).keepReplaced(rt, doc, reason, next);
  } catch (error) {
    rt.report(error);
  }
}

/** Writes the envelope. A full storage first gives up kept copies, oldest first, and the write is tried once more. */
async function store(rt: Runtime, doc: DocumentState, { json, wire }: Prepared): Promise<{ savedAt: number; sum: string }> {
  const { storage, storageFormat } = rt.config;
  const savedAt = Date.now();
  const sum = checksumFor(storageFormat, json);
  const envelope = wrap(storageFormat, wire, json, sum, doc.collection.version, savedAt, storage.stringsOnly === true);
  // A copy made from a remote copy taken in: its base is stored first, tied to this checksum.
  if (doc.remoteBase !== undefined) await (await rt.engine)?.beforeStore(doc.key, doc.remoteBase, sum);
  try {
    await storage.setItem(doc.key, envelope);
  } catch (error) {
    if (!isQuotaError(error) || (await (await loadRare()).makeRoom(rt, doc.key, json.length)) === 0) throw error;
    await storage.setItem(doc.key, envelope);
  }
  return { savedAt, sum };
}

/** Saves every changed document now; rejects with an AggregateError of those that failed. */
export async function flushAll(rt: Runtime): Promise<void> {
  rt.wake();
  const dirty = [...rt.documents.values()].filter((doc) => hasUnsavedEdit(doc) || doc.schedule.scheduled || doc.queuedSave !== null);
  const errors = (await Promise.all(dirty.map((doc) => saveDocument(rt, doc)))).filter((e): e is AutosaveError => e !== undefined);
  if (errors.length > 0) {
    throw new AggregateError(
      errors,
      `redux-autosave: ${errors.length} of ${dirty.length} documents could not be saved: ${errors.map((e) => `${e.key} (${e.code})`).join(', ')}`,
    );
  }
}
