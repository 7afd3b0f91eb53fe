// Taking in a copy another tab (or process) stored: loaded when one is first
// found, since most page loads never meet one.
import { loadMerge, resolveSides } from '../conflict';
import type { Envelope } from '../envelope';
import { hasUnsavedEdit, restoreInto, transition, type DocumentState } from './document';
import { keepShown } from './history';
import type { Runtime } from './runtime';
import { validate } from './schema';

/**
 * Takes in a copy another tab stored: restored when this tab has no edit of
 * its own, otherwise merged with the edit under the `conflict` strategy
 * (theirs playing "remote", the last copy both tabs agreed on the base;
 * `'manual'` merges too: tabs of one user are not asked to choose).
 */
export async function takeInOtherTabsCopy(rt: Runtime, doc: DocumentState, envelope: Envelope): Promise<void> {
  const { key, collection } = doc;
  const theirs = validate(collection, envelope.data, `redux-autosave: ${key}: another tab stored a copy that is not valid`, key);
  if (!theirs.ok) return void rt.report(theirs.error);
  doc.storedChecksum = envelope.checksum;
  doc.savedAt = envelope.savedAt;
  if (!hasUnsavedEdit(doc)) {
    // The copy this tab showed goes to the history when theirs lacks some of it.
    await keepShown(rt, doc, envelope.data).catch(rt.report);
    restoreInto(rt, doc, theirs.data, 'stored', true);
    // Their copy may not be on the remote yet: pending until the engine knows.
    transition(rt, doc, { type: 'loaded', savedAt: envelope.savedAt, pendingSync: rt.engine !== undefined });
    (await rt.engine)?.adopted(key);
    return;
  }
  const strategy = rt.config.conflict === 'manual' ? 'merge' : rt.config.conflict;
  let merged: unknown;
  try {
    // What this tab's copy is an edit of: the copy it last stored, and a
    // copy taken from the remote and not stored yet, where it agrees with
    // that copy. What it took from there is not its edit: theirs is stored on
    // another remote base, and may be older, which a merge on the stored copy
    // alone would undo (the remote copy comes back with the next 412 or pull).
    const takenIn = doc.remoteBase as { data: unknown } | undefined;
    const remoteCopy = takenIn === undefined ? undefined : validate(collection, takenIn.data, '', key);
    const base = remoteCopy?.ok ? (await loadMerge()).mergeBase(doc.latest, doc.clean, remoteCopy.data) : (doc.clean ?? null);
    // An edit made while the merge loads is in `doc.latest` when it runs.
    const resolution = await resolveSides(strategy, { base, local: doc.latest, remote: theirs.data, key });
    merged = resolution.manual ? doc.latest : resolution.document;
  } catch (error) {
    rt.report(error);
    merged = doc.latest;
  }
  if (!validate(collection, merged, '', key).ok) merged = doc.latest;
  doc.clean = theirs.data;
  // The result is theirs and this tab's edits: the stored base, theirs, stands.
  doc.remoteBase = undefined;
  // The merge's write replaces their copy: kept if the merge dropped some of it.
  doc.replacing = 'before-merge';
  restoreInto(rt, doc, merged, 'unsaved', true);
  if (hasUnsavedEdit(doc)) doc.schedule.touch();
}

