// What other tabs sharing the storage stored: a tab hears of each save on
// the BroadcastChannel, and finds unannounced ones itself before it writes.
import { TAB_PROTOCOL, type TabMessage } from '../crossTab';
import { newerRelease } from './newer';
import { resolveSides } from '../conflict';
import type { Envelope } from '../envelope';
import { hasUnsavedEdit, restoreInto, transition, type DocumentState } from './document';
import type { Runtime } from './runtime';
import { validate } from './schema';
import { envelopeOf } from './stored';

const noop = () => {};

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
    restoreInto(rt, doc, theirs.data, 'stored', true);
    transition(rt, doc, { type: 'loaded', savedAt: envelope.savedAt });
    return;
  }
  const strategy = rt.config.conflict === 'manual' ? 'merge' : rt.config.conflict;
  let merged: unknown;
  try {
    // An edit made while the merge loads is in `doc.latest` when it runs.
    const resolution = await resolveSides(strategy, { base: doc.clean ?? null, local: doc.latest, remote: theirs.data, key });
    merged = resolution.manual ? doc.latest : resolution.document;
  } catch (error) {
    rt.report(error);
    merged = doc.latest;
  }
  if (!validate(collection, merged, '', key).ok) merged = doc.latest;
  doc.clean = theirs.data;
  restoreInto(rt, doc, merged, 'unsaved', true);
  if (hasUnsavedEdit(doc)) doc.schedule.touch();
}

/** A message from another tab of the origin. */
export function onTabMessage(rt: Runtime, message: TabMessage): void {
  if (rt.disposed || !rt.api) return;
  // A tab of a newer release speaks a language this one does not know: act on nothing it says.
  if ((message.protocol ?? 1) > TAB_PROTOCOL) {
    rt.report(newerRelease(rt, undefined, `another tab runs a newer release of redux-autosave (tab protocol ${message.protocol}); reload the page to update`));
    return;
  }
  if (message.type === 'synced') {
    rt.engine?.then((engine) => engine.syncedElsewhere(message.key, message.version), noop);
    return;
  }
  // The tab that pushes learns here of what the others saved.
  rt.engine?.then((engine) => engine.savedElsewhere(message.key), noop);
  const doc = rt.documents.get(message.key);
  if (!doc || doc.latest === undefined || doc.storedChecksum === message.checksum) return;
  rt.queue
    .run(doc.key, async () => {
      const theirs = envelopeOf(doc, await rt.config.storage.getItem(doc.key));
      if (theirs && theirs.checksum !== doc.storedChecksum) await takeInOtherTabsCopy(rt, doc, theirs);
    })
    .catch(rt.report);
}
