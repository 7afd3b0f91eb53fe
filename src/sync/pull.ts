import { RemoteError } from '../errors';
import type { RemoteDocument } from '../types/remote';
import { retryPush, syncFailed, synced } from './failure';
import { deepEqual } from './merge';
import { baseFor, baseRecord, dropEntry, newEntry, outboxReady, setBase, setEntry, storedEntry } from './outbox';
import { refused, resolve, takeResolved } from './resolve';
import { keySync, mayClose, type BaseRecord, type KeySync, type Sync } from './state';

/** Fetches the remote copy and takes it in: as it is when only the remote changed since the base, resolved when both did. */
export async function pull(s: Sync, key: string): Promise<void> {
  if (!s.port.has(key) || s.disposed) return;
  const ks = keySync(s, key);
  ks.known = true;
  // The request, too, waits its turn: an answer fetched before a push of
  // ours landed would be older than our base, and taking it would undo the push.
  let pushFirst = false;
  await s.turns
    .run(key, async () => {
      // Another tab sharing the storage may push meanwhile: an answer sent
      // before its push landed is older than the base it stores, and taking
      // it would undo that push everywhere. The base is read before the
      // request and again after: moved, the answer is not believed, and
      // asked for once more.
      for (let tries = 0; tries < 2; tries++) {
        const before = await baseRecord(s, ks);
        let theirs: RemoteDocument | null;
        try {
          theirs = await s.port.remote.pull(key);
        } catch (error) {
          return syncFailed(s, ks, error);
        }
        if (s.disposed || ks.entry?.deleted) return;
        if (sameRecord(before, await baseRecord(s, ks))) {
          pushFirst = (await takeIn(s, ks, theirs)) === PUSH_FIRST;
          return;
        }
      }
    })
    .catch((error: unknown) => {
      // Storage failed under the reconciliation: the local copy stands; a
      // push waiting tries again after a backoff, otherwise the next pull,
      // push or syncNow() does.
      s.port.report(error);
      if (ks.entry) retryPush(s, ks);
    });
  if (pushFirst && !s.disposed) {
    await s.push(key);
    return pull(s, key);
  }
}

const sameRecord = (a: BaseRecord | null, b: BaseRecord | null) => a?.version === b?.version && a?.next?.version === b?.next?.version;

async function takeIn(s: Sync, ks: KeySync, theirs: RemoteDocument | null): Promise<typeof PUSH_FIRST | void> {
  const { port } = s;
  const { key } = ks;
  const writeEventsBefore = ks.writeEvents;
  const close = async () => {
    if (mayClose(ks, writeEventsBefore)) await dropEntry(s, ks);
    else if (ks.writesRunning === 0) void s.push(key); // waits its turn, after this pull
  };
  await outboxReady(s);
  // What another tab sharing the storage saved counts too.
  ks.entry ??= await storedEntry(s, key);
  // A removal waiting to be sent: the remote's copy must not come back.
  if (ks.entry?.deleted) return;
  const record = await baseRecord(s, ks);
  const local = await port.readStored(key);
  const base = baseFor(record, local?.checksum);
  if (!theirs) {
    // Never pushed (or saved before a remote was configured): send it.
    if (!base && !ks.entry && local) {
      await setEntry(s, ks, await newEntry(s));
      void s.push(key);
    }
    return;
  }
  if (refused(s, ks, theirs)) return;
  // Nothing stored here (a removal that could not reach the remote, a
  // storage cleared): the remote's copy is the document.
  if (!local) return takeResolved(s, ks, theirs.data, theirs, null, 'before-remote');
  const sameVersion = base !== null && base.version === theirs.version;
  if (sameVersion && !deepEqual(base.data, theirs.data)) {
    // A server that never bumps versions: taking this as "nothing new" would
    // leave two devices apart for good, each saying `saved`.
    port.report(
      new RemoteError(
        `redux-autosave: the server answered ${key} at version ${theirs.version} with content other than it had at that version: it must give every write a new version; treated as a conflict`,
        { key },
      ),
    );
  } else if (sameVersion) {
    // The remote has nothing new. A stored copy that is not its base with no
    // entry to push it (saved while the outbox could not be read, the page
    // closed before it could be read again) is not in step: it gets an entry
    // and is pushed, never called synced.
    if (!ks.entry && !deepEqual(local.data, base.data)) {
      await setEntry(s, ks, await newEntry(s));
      void s.push(key);
      return;
    }
    // It answered, so it is not offline (a push still waiting says so itself).
    if (!ks.pushing && !(ks.retry && ks.entry)) {
      synced(s, ks, base.version);
      if (ks.entry) void s.push(key);
    }
    return;
  }
  // Changed here: an entry waits, an edit is not saved yet, or the stored
  // copy is not its base (saved while the outbox could not be read).
  const localChanged = ks.entry !== null || port.hasUnsavedEdit(key) || (base !== null && !deepEqual(local.data, base.data));
  if (base && !localChanged) return takeResolved(s, ks, theirs.data, theirs, local.data, 'before-remote');
  if (deepEqual(local.data, theirs.data)) {
    await setBase(s, ks, theirs);
    await close();
    return synced(s, ks, theirs.version, { pendingSync: false, conflicts: theirs.overrode });
  }
  // A push that was never answered (its reply lost, the page closed), of
  // the stored copy or of one before it, may have landed: then what it
  // brought is the remote's, no edit of this device's to win a clash with.
  // It is sent again first (a server answers the repeat from its
  // Idempotency-Key memory), and the remote copy taken in after, on the base
  // that gives. Once per push, and only where this tab pushes.
  const { entry } = ks;
  const again = (ks.unanswered ?? entry?.unanswered)?.idempotencyKey ?? (entry?.checksum === local.checksum ? entry.idempotencyKey : null);
  if (again && ks.sentAgain !== again && port.leading()) {
    ks.sentAgain = again;
    return PUSH_FIRST;
  }
  await resolve(s, ks, base, local.data, theirs, close);
}

/** What `takeIn` answers when an unanswered push must be sent again before the remote copy is taken in. */
const PUSH_FIRST = 'push first';
