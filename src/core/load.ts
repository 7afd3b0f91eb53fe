import { unwrap } from '../envelope';
import { AutosaveError, messageOf, storageError, toSaveError } from '../errors';
import { withRetry } from '../retry';
import type { LoadResult } from '../types/instance';
import { failDocument, hasUnsavedEdit, NOTHING_STORED, restoreInto, transition, type DocumentState } from './document';
import { replayJournal } from './journal';
import { newerRelease } from './newer';
import { loadRare } from './lazy';
import { noteLoaded } from './sizes';
import type { Runtime } from './runtime';
import { validate } from './schema';

/**
 * Loads one document: reads it in its queue, then, with a remote, waits for
 * the pull (bounded by the remote's timeout) so a newer remote copy is
 * restored and a missing local one taken. Tells the slice where the load is.
 */
export async function loadDocument(rt: Runtime, doc: DocumentState): Promise<LoadResult<unknown>> {
  let result = await rt.queue.run(doc.key, () => readDocument(rt, doc));
  const engine = await rt.engine;
  if (engine && result.status !== 'error') {
    await engine.afterLoad(doc.key, rt.config.remoteTimeoutMs);
    if (result.status === 'loaded') engine.adopted(doc.key);
    const document = doc.latest;
    if (document !== undefined && (result.status === 'missing' || result.status === 'loaded')) {
      result = { status: 'loaded', document, restored: result.status === 'missing' || result.restored };
    }
  }
  const outcome = result.status === 'loaded' || result.status === 'missing' ? result.status : 'error';
  rt.dispatch(rt.actions.loadFinished({ key: doc.key, outcome }));
  return result;
}

/**
 * Reads, checks, migrates and validates the stored copy, and restores it.
 * A copy that cannot be loaded is kept aside first; a newer page-close
 * journal entry wins over the stored copy.
 */
async function readDocument(rt: Runtime, doc: DocumentState): Promise<LoadResult<unknown>> {
  const { key, collection } = doc;
  let stored: unknown;
  try {
    stored = await withRetry(() => rt.config.storage.getItem(key), rt.config.retry, rt.sleep);
  } catch (error) {
    return unverified(rt, doc, storageError(key, 'read', error));
  }
  const journaled = replayJournal(rt, doc, stored);
  if (journaled) return journaled;
  if (stored === null || stored === undefined) {
    doc.storedUnverified = false;
    // Known to be absent: a copy another tab or process stores meanwhile is
    // taken in before this one's first write, not written over.
    doc.storedChecksum = NOTHING_STORED;
    return { status: 'missing' };
  }
  const unwrapped = unwrap(stored, key, collection.version);
  if (!unwrapped.ok && unwrapped.code === 'newer') {
    return { status: 'error', error: toSaveError(failDocument(rt, doc, newerRelease(rt, doc, unwrapped.message))) };
  }
  if (!unwrapped.ok) {
    const error = new AutosaveError(unwrapped.code, `redux-autosave: ${unwrapped.message}`, { key });
    return keepAside(rt, doc, stored, unwrapped.code === 'corrupt' ? 'corrupt' : 'invalid', error);
  }
  const { envelope } = unwrapped;
  let data = envelope.data;
  if (envelope.version !== collection.version) {
    // Older copies are migrated by code loaded when one is first met; if it
    // cannot load, the copy is left as it is, and nothing writes over it.
    let rare: Awaited<ReturnType<typeof loadRare>>;
    try {
      rare = await loadRare();
    } catch (error) {
      return unverified(rt, doc, error as AutosaveError);
    }
    try {
      data = rare.migrateStored(data, envelope.version, collection.version, collection.migrations, key);
    } catch (error) {
      return keepAside(rt, doc, stored, 'invalid', error as AutosaveError);
    }
  }
  const parsed = validate(collection, data, `redux-autosave: ${key}: the stored copy does not match the schema`, key);
  if (!parsed.ok) return keepAside(rt, doc, stored, 'invalid', parsed.error);
  doc.storedUnverified = false;
  const document = parsed.data;
  // An edit made while the load was reading is newer than the stored copy:
  // keep it, and let its save write over the stored one.
  if (hasUnsavedEdit(doc)) return { status: 'loaded', document, restored: false };
  const threw = restoreInto(rt, doc, document, 'stored');
  if (threw !== undefined) {
    const failure = failDocument(
      rt,
      doc,
      new AutosaveError('validation', `redux-autosave: restoring ${key} threw: ${messageOf(threw)}`, { key, cause: threw }),
    );
    return { status: 'error', error: toSaveError(failure) };
  }
  doc.savedAt = envelope.savedAt;
  doc.storedChecksum = envelope.checksum;
  noteLoaded(rt.config.sizes, key, stored);
  // With a remote, the stored copy may not be pushed yet (another tab saved
  // it, or a removal came between): pending until the engine has looked.
  transition(rt, doc, { type: 'loaded', savedAt: envelope.savedAt, pendingSync: rt.engine !== undefined });
  return { status: 'loaded', document, restored: true };
}

/** Keeps a copy that cannot be loaded aside (its code loads on first use); if that code cannot load, nothing writes over the copy. */
async function keepAside(rt: Runtime, doc: DocumentState, stored: unknown, status: 'invalid' | 'corrupt', error: AutosaveError): Promise<LoadResult<unknown>> {
  try {
    return await (await loadRare()).quarantine(rt, doc, stored, status, error);
  } catch (failure) {
    return unverified(rt, doc, failure instanceof AutosaveError ? failure : new AutosaveError('storage', messageOf(failure), { key: doc.key }));
  }
}

/** The stored copy could not be read, migrated or kept aside (`error` says why): it is left as it is, and nothing writes over it unverified. */
function unverified(rt: Runtime, doc: DocumentState, error: AutosaveError): LoadResult<unknown> {
  doc.storedUnverified = true;
  return { status: 'error', error: toSaveError(failDocument(rt, doc, error)) };
}
