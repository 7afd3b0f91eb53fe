// What other tabs sharing the storage stored: a tab hears of each save on
// the BroadcastChannel (and finds unannounced ones itself before it writes).
import { TAB_PROTOCOL, type TabMessage } from '../crossTab';
import { unwrap } from '../envelope';
import { AutosaveError } from '../errors';
import { withRetry } from '../retry';
import { loadRare } from './lazy';
import { newerRelease } from './newer';
import type { Runtime } from './runtime';
import { envelopeOf } from './stored';


/** A message from another tab of the origin. */
export function onTabMessage(rt: Runtime, message: TabMessage): void {
  if (rt.disposed || !rt.api) return;
  // A tab of a newer release speaks a language this one does not know: act on nothing it says.
  if ((message.protocol ?? 1) > TAB_PROTOCOL) {
    rt.report(newerRelease(rt, undefined, `another tab runs a newer release of redux-autosave (tab protocol ${message.protocol}); reload the page to update`));
    return;
  }
  if (message.type === 'synced') {
    rt.engine?.then((engine) => engine?.syncedElsewhere(message.key, message.version));
    return;
  }
  // The tab that pushes learns here of what the others saved.
  rt.engine?.then((engine) => engine?.savedElsewhere(message.key));
  const doc = rt.documents.get(message.key);
  if (!doc || doc.latest === undefined || doc.storedChecksum === message.checksum) return;
  // The copy announced is read again when the read fails or gives what the
  // other tab cannot have written (a storage fault): a tab that gave up here
  // would show the older copy until its own next save.
  const read = async () => {
    const stored = await rt.config.storage.getItem(doc.key);
    const unwrapped = stored == null ? undefined : unwrap(stored, doc.key, doc.collection.version);
    if (unwrapped && !unwrapped.ok) {
      const retryable = unwrapped.code !== 'newer'; // (a newer release's copy stays one)
      throw new AutosaveError('storage', `redux-autosave: ${doc.key}: the copy another tab announced could not be read: ${unwrapped.message}`, { key: doc.key, retryable });
    }
    return envelopeOf(doc, stored);
  };
  rt.queue
    .run(doc.key, async () => {
      const theirs = await withRetry(read, rt.config.retry, rt.sleep);
      if (theirs && theirs.checksum !== doc.storedChecksum) await (await loadRare()).takeInOtherTabsCopy(rt, doc, theirs);
    })
    .catch(rt.report);
}
