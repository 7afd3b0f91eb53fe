// What other tabs sharing the storage stored: a tab hears of each save on
// the BroadcastChannel (and finds unannounced ones itself before it writes).
import { TAB_PROTOCOL, type TabMessage } from '../crossTab';
import { unwrap, type Envelope } from '../envelope';
import { AutosaveError, RetriesExhausted } from '../errors';
import { backoffDelay, withRetry } from '../retry';
import type { DocumentState } from './document';
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
  doc.announced = message.checksum;
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
  takeInAnnounced(rt, doc, message.checksum, read, 1);
}

/**
 * Reads the copy another tab announced and takes it in, in the document's
 * turn. A storage that fails for longer than the `retry` option's tries is
 * tried again later, with its backoff and no limit, until the copy is read
 * or this tab's own save replaced it: giving up would leave this tab showing
 * its older copy as saved for as long as it stays open without an edit.
 */
function takeInAnnounced(rt: Runtime, doc: DocumentState, checksum: string, read: () => Promise<Envelope | undefined>, attempt: number): void {
  rt.queue
    .run(doc.key, async () => {
      if (rt.disposed || doc.storedChecksum === checksum) return;
      const theirs = await withRetry(read, rt.config.retry, rt.sleep);
      doc.announced = undefined; // read: a save may write over it now
      if (theirs && theirs.checksum !== doc.storedChecksum) await (await loadRare()).takeInOtherTabsCopy(rt, doc, theirs);
    })
    .catch((error: unknown) => {
      if (rt.disposed) return;
      if (attempt === 1) rt.report(error);
      const cause = error instanceof RetriesExhausted ? error.lastError : error;
      // (A newer release's copy stays one: no try reads it.)
      if ((cause as { retryable?: unknown } | null)?.retryable === false) return;
      const { baseDelayMs, maxDelayMs } = rt.config.retryDelays;
      const timer = setTimeout(() => {
        if (!rt.disposed) takeInAnnounced(rt, doc, checksum, read, attempt + 1);
      }, backoffDelay(attempt, baseDelayMs, maxDelayMs));
      // In Node, a wait for a storage that may never read again does not keep the process alive.
      (timer as { unref?: () => void }).unref?.();
    });
}
