// The core's one door to the sync engine: `import()` of it (only with a
// remote, so apps without one never download it), and the port it is given.
import { loadMerge } from '../conflict';
import type { CollectionConfig } from '../options';
import type { Applied, SyncEngine, SyncPort } from '../types/sync';
import { documentFor, hasUnsavedEdit, restoreInto, type DocumentState } from './document';
import type { Runtime } from './runtime';
import { AutosaveError, messageOf } from '../errors';
import { storageKey } from '../keys';
import type { Checked } from '../types/sync';
import { toWire, validate } from './schema';
import { readSchema } from './prepare';
import { writeDocument } from './save';
import { unwrap } from '../envelope';
import type { StoredCopy } from '../types/sync';

/** Loads the engine and hands it the port; what it misses before then is in the persisted outbox. */
export function startSync(rt: Runtime): Promise<SyncEngine | undefined> {
  const port = createPort(rt);
  // The port encodes documents for the remote: the schemas are read first.
  const engine = Promise.all(rt.config.collections.map(readSchema))
    .then(() => import('../sync/engine'))
    .then((sync) => sync.createSyncEngine(port));
  return engine.catch((error: unknown) => {
    rt.report(error);
    return undefined;
  });
}

function createPort(rt: Runtime): SyncPort {
  const { config } = rt;
  const collectionOf = (key: string): CollectionConfig | undefined =>
    config.collections.find((collection) => collection.name === key.slice(0, key.indexOf(':')));
  const docOf = (key: string): DocumentState => documentFor(rt, collectionOf(key)!, key);

  async function applyRemote(doc: DocumentState, copy: unknown, basedOn: unknown, reason: 'before-remote' | 'before-merge', base: unknown, fold: boolean): Promise<Applied> {
    const { key, collection } = doc;
    // A closed page writes nothing more (its engine may finish a pull after dispose()).
    if (rt.disposed) return { ok: false, error: new AutosaveError('storage', `redux-autosave: ${key}: the instance was disposed`, { key }), shown: true };
    const { threeWayMerge, deepEqual, shareUnchanged } = await loadMerge();
    // Merged in the stored (wire) form, as every copy here is; decoded once at the end.
    let next = copy;
    // A copy saved since `basedOn` was read is newer. The engine makes the
    // copy again from it; an answer to a conflict folds it in, its side winning.
    const stored = await readStored(rt, doc);
    if (stored && !deepEqual(stored.data, basedOn)) {
      if (!fold) return { ok: false, stale: true };
      next = threeWayMerge(basedOn, stored.data, next).merged;
    }
    // So is an edit not saved yet. What it is an edit of: the remote copy an
    // earlier pull took in, when that copy's write failed and it is still
    // unsaved (what differs from it is ours; what differs from the stored
    // copy includes that remote copy's own changes, which are not), else
    // the copy last stored.
    const edited = hasUnsavedEdit(doc);
    const takenIn = doc.remoteBase as { data: unknown } | undefined;
    if (edited && (takenIn !== undefined || doc.clean !== undefined)) {
      const clean: Checked = takenIn !== undefined ? { ok: true, data: takenIn.data } : wireForMerge(collection, doc.clean, key);
      const latest = wireForMerge(collection, doc.latest, key);
      if (!clean.ok) return { ok: false, error: clean.error, shown: false };
      if (!latest.ok) return { ok: false, error: latest.error, shown: false };
      next = threeWayMerge(clean.data, latest.data, next).merged;
    }
    const decoded = decodeFor(collection, key, next);
    if (!decoded.ok) return { ok: false, error: decoded.error, shown: false };
    // The schema parsed a new object tree: what did not change keeps the
    // state's own objects, so only the components of what changed re-render.
    const document = shareUnchanged(doc.latest, decoded.data);
    // The remote's copy as it is, over a saved copy with no edit of ours: the
    // status stays `saved` (no `saving` for a change made elsewhere). A merge
    // is ours to push, and says so as any save does.
    const quiet = doc.phase === 'clean' && reason === 'before-remote' && next === copy;
    restoreInto(rt, doc, document, 'unsaved', true);
    doc.remoteBase = base;
    // The copy this write replaces goes to the history if the remote's lacks some of it.
    doc.replacing = reason;
    doc.writtenBase = undefined;
    const error = await writeDocument(rt, doc, document, quiet);
    // Another tab's copy met at the write and merged in leaves the copy
    // stored not made from the remote's: its base is not `base`.
    return error ? { ok: false, error, shown: true } : { ok: true, based: doc.writtenBase === base };
  }

  return {
    storage: config.storage,
    remote: config.remote!,
    conflict: config.conflict,
    retryDelays: config.retryDelays,
    actions: rt.actions,
    dispatch: rt.dispatch,
    report: rt.report,
    has: (key) => collectionOf(key) !== undefined,
    readStored: (key) => readStored(rt, docOf(key)),
    decode: (key, wire) => decodeFor(collectionOf(key)!, key, wire),
    toWire: (key, document) => wireForMerge(collectionOf(key)!, document, key),
    current(key) {
      const doc = rt.documents.get(key);
      if (!doc || doc.latest === undefined) return undefined;
      return toWire(doc.collection, doc.latest, `redux-autosave: ${key} is not valid`, key);
    },
    hasUnsavedEdit: (key) => hasUnsavedEdit(rt.documents.get(key)),
    applyRemote(key, copy, basedOn, reason, base, fold) {
      const doc = docOf(key);
      return rt.queue.run(key, () => applyRemote(doc, copy, basedOn, reason, base, fold));
    },
    leading: () => rt.tabs!.leading,
    announce: (message) => rt.tabs!.announce(message),
  };
}

/**
 * A document of the state in wire form for merging: as it is when the
 * schema has no codec (even while invalid: an unsaved edit is never dropped
 * for that), encoded otherwise.
 */
export function wireForMerge(collection: CollectionConfig, document: unknown, key: string): Checked {
  if (!collection.roundTrip?.encodes) return { ok: true, data: document };
  return toWire(collection, document, `redux-autosave: ${key} is not valid`, key);
}

/** A copy from elsewhere (the remote, a merge): valid, decoded, and the document of this very key. */
export function decodeFor(collection: CollectionConfig, key: string, wire: unknown): Checked {
  const checked = validate(collection, wire, `redux-autosave: ${key} is not valid`, key);
  if (!checked.ok || !collection.id) return checked;
  let id: unknown;
  try {
    id = collection.id(checked.data);
  } catch (error) {
    id = `(id() threw: ${messageOf(error)})`;
  }
  const theirs = typeof id === 'string' || typeof id === 'number' ? storageKey(collection.name, id) : String(id);
  if (theirs === key) return checked;
  return {
    ok: false,
    error: new AutosaveError('remote', `redux-autosave: a copy for ${key} is the document ${JSON.stringify(theirs)}, not ${key}`, { key }),
  };
}

// One startup chunk, not one per set of lazy chunks that share a module: see startupChunk.ts.
export { startupModules } from '../startupChunk';

/**
 * The stored copy of a document, checked: `undefined` when there is none;
 * throws when it cannot be read soundly or is of another schema version
 * (a load migrates it first).
 */
async function readStored(rt: Runtime, doc: DocumentState): Promise<StoredCopy | undefined> {
  const stored = await rt.config.storage.getItem(doc.key);
  if (stored == null) return undefined;
  const unwrapped = unwrap(stored, doc.key, doc.collection.version);
  if (!unwrapped.ok) throw new AutosaveError(unwrapped.code === 'newer' ? 'migration' : unwrapped.code, `redux-autosave: ${unwrapped.message}`, { key: doc.key });
  if (unwrapped.envelope.version !== doc.collection.version) {
    throw new AutosaveError('migration', `redux-autosave: ${doc.key} is stored at another version; load it first`, { key: doc.key });
  }
  return { data: unwrapped.envelope.data, checksum: unwrapped.envelope.checksum };
}
