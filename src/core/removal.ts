import { storageError } from '../errors';
import { INTERNAL_PREFIX } from '../keys';
import { withRetry } from '../retry';
import type { DocumentState } from './document';
import { historyPrefix, keptCopies } from './kept';
import { clearJournal, journalKey, localStore } from './journal';
import type { Runtime } from './runtime';

/**
 * Deletes a stored document and what is kept about it (its journal entry,
 * its sync bookkeeping). The state may still hold it: what it holds counts
 * as clean, so only a new edit saves it again.
 */
export async function removeDocument(rt: Runtime, doc: DocumentState): Promise<void> {
  const { key } = doc;
  doc.schedule.cancel();
  const removeLocal = () =>
    rt.queue.run(key, async () => {
      try {
        await withRetry(() => rt.config.storage.removeItem(key), rt.config.retry, rt.sleep);
        for (const kept of await keptCopies(rt, historyPrefix(key))) await rt.config.storage.removeItem(kept.storageKey);
      } catch (error) {
        throw storageError(key, 'write', error);
      }
      clearJournal(rt, key);
      // The status goes with the document, in the same turn; a document an
      // edit made since (saved after this removal) keeps its own.
      const current = rt.documents.get(key);
      if (current !== undefined && current !== doc) return;
      rt.documents.delete(key);
      rt.dispatch(rt.actions.removed({ key }));
    });
  // With a remote, the engine runs it between pushes and pulls of the key: one under way would write it back.
  const engine = await rt.engine;
  await (engine ? engine.forget(key, removeLocal) : removeLocal());
}

/**
 * Removes everything the instance stored: every document of its
 * collections, the outbox and bases, quarantined copies and the journal.
 * Nothing waiting is written afterwards: schedules stop, saves queued
 * behind a running one find their document purged, and the running ones
 * finish before anything is removed. The remote keeps its copies.
 */
export async function purgeAll(rt: Runtime): Promise<void> {
  const purged = [...rt.documents.values()];
  rt.documents.clear();
  for (const doc of purged) {
    doc.purged = true;
    doc.schedule.cancel();
  }
  await Promise.all(purged.map((doc) => rt.queue.settled(doc.key)));
  const isOwn = (key: string) => isOwnKey(rt, key);
  const keys = (await rt.config.storage.keys()).filter(isOwn);
  try {
    await Promise.all(keys.map((key) => withRetry(() => rt.config.storage.removeItem(key), rt.config.retry, rt.sleep)));
  } catch (error) {
    throw storageError('(purge)', 'write', error);
  }
  clearJournals(rt, isOwn);
  (await rt.engine)?.reset();
  rt.dispatch(rt.actions.purged());
}

/** Whether a stored key is this instance's: a document of its collections, or bookkeeping of one. */
function isOwnKey(rt: Runtime, key: string): boolean {
  const documentKey = key.startsWith(INTERNAL_PREFIX) ? key.slice(key.indexOf('/', INTERNAL_PREFIX.length) + 1) : key;
  const collection = documentKey.slice(0, documentKey.indexOf(':'));
  return rt.config.collections.some((c) => c.name === collection);
}

/** Clears the journal entries of every key `isOwn` claims. Only `purge()` runs it: here, not in journal.ts, which every page loads. */
function clearJournals(rt: Runtime, isOwn: (key: string) => boolean): void {
  const journal = localStore();
  const prefix = journalKey(rt, '');
  try {
    const keys = journal ? Array.from({ length: journal.length }, (_, i) => journal.key(i)) : [];
    for (const key of keys) if (key?.startsWith(prefix) && isOwn(key.slice(prefix.length))) journal!.removeItem(key);
  } catch {
    // nothing to clear
  }
}
