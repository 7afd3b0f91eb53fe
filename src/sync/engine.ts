import type { SyncEngine, SyncPort } from '../types/sync';
import type { Base } from './state';
import { baseFor, baseRecord, dropEntry, forgetStored, newEntry, outboxReady, readOutbox, setBase, setEntry, setNextBase, settleNext, storedEntry } from './outbox';
import { deepEqual } from './merge';
import { endLive, reconsider, startLive } from './live';
import { pull } from './pull';
import { finalPush, push, pushAll } from './push';
import { decide } from './resolve';
import { createSync, keySync, type Sync } from './state';

/**
 * The client sync engine: pushes what is saved locally, pulls what others
 * changed, and ends conflicts. Loaded by the core with `import()`, and only
 * with a remote; it sees the core through `port` alone.
 */
export function createSyncEngine(port: SyncPort): SyncEngine {
  const s: Sync = createSync(port);
  s.push = (key) => push(s, key);
  const pullKnown = () => {
    for (const ks of s.keys.values()) if (ks.known) void pull(s, ks.key);
  };
  const unlisten = listenForNetwork(() => port.dispatch(port.actions.syncNow()), pullKnown);

  // A reload finishes what the last session left in the outbox. A read that
  // failed is tried again by the next push, pull or syncNow().
  outboxReady(s).then(() => pushAll(s), port.report);
  // The remote's changes, watched by the leading tab alone (the others take
  // in what it pulls and stores, as any copy another tab saves).
  const live = port.remote.watch ? startLive(s) : undefined;

  return {
    async beginWrite(key) {
      // Counted at once: a push or pull running meanwhile must not close the
      // entry this write relies on (the page may close before the write ends).
      const ks = keySync(s, key);
      ks.writesRunning++;
      ks.writeEvents++;
      ks.known = true;
      // A base stored ahead for the copy this write replaces (`next`), left
      // unsettled by a page closed after that copy's write, is its base now:
      // the new copy is an edit of that copy, not of the older base.
      await settleNext(s, ks).catch(port.report);
      try {
        await outboxReady(s);
      } catch (error) {
        // The outbox cannot be read now: the save goes on (the local copy
        // matters most), and the entry is left as it is, unread, rather
        // than written over; the push finds the copy once it can read again.
        port.report(error);
        return;
      }
      // A removal waiting to be sent gives way to the new copy, which replaces the remote's.
      if (!ks.entry || ks.entry.deleted) await setEntry(s, ks, await newEntry(s));
    },

    endWrite(key) {
      const ks = keySync(s, key);
      ks.writesRunning = Math.max(0, ks.writesRunning - 1);
      ks.writeEvents++;
    },

    beforeStore(key, base, checksum) {
      return setNextBase(s, keySync(s, key), base as Base, checksum);
    },

    stored(key, base) {
      if (s.disposed) return;
      const ks = keySync(s, key);
      ks.known = true;
      ks.writeEvents++;
      // A push that ran while this copy was being written may have found the
      // older copy and closed the entry: a stored copy always has one.
      void (async () => {
        // A copy made from a remote copy: its base (stored ahead as `next`) becomes the base.
        if (base !== undefined) await setBase(s, ks, base as Base).catch(port.report);
        // (Not while the outbox cannot be read: the entry there is not written over.)
        if (s.outboxRead && (!ks.entry || ks.entry.deleted)) await setEntry(s, ks, await newEntry(s)).catch(port.report);
        void s.push(key);
      })();
    },

    async afterLoad(key, timeoutMs) {
      await outboxReady(s).catch(port.report);
      let timer: ReturnType<typeof setTimeout> | undefined;
      // An unreachable remote must not hold the app's start: after
      // `timeoutMs` the local copy stands and the pull finishes later.
      await Promise.race([pull(s, key), new Promise((done) => (timer = setTimeout(done, timeoutMs)))]);
      clearTimeout(timer);
    },

    async resolveConflict(key, choice) {
      const ks = keySync(s, key);
      await decide(s, ks, choice);
      if (!ks.conflict) void s.push(key);
    },

    async forget(key, removeLocal) {
      const ks = keySync(s, key);
      if (ks.retry) clearTimeout(ks.retry.timer);
      ks.retry = null;
      // In the key's turn: a push or pull under way finishes first, and one
      // asked for meanwhile finds the removal (a pull never brings it back).
      await s.turns.run(key, async () => {
        if (!port.remote.remove) {
          await removeLocal();
          s.keys.delete(key);
          return forgetStored(s, key);
        }
        // The remote's copy goes too, through the outbox: a removal made
        // offline is sent later. Written before the local copy goes: a
        // document gone with its base left behind would count as in step
        // with the remote, and never come back on a pull.
        await outboxReady(s);
        const before = ks.entry;
        await setEntry(s, ks, await newEntry(s, true));
        try {
          await removeLocal();
        } catch (error) {
          await (before ? setEntry(s, ks, before) : dropEntry(s, ks)).catch(port.report);
          throw error;
        }
        ks.conflict = null;
        ks.known = false;
      });
      // One try now (bounded by the remote's timeout); offline, it is sent later.
      if (port.remote.remove) await s.push(key);
    },

    async listRemote(prefix) {
      if (!port.remote.list) throw new Error('redux-autosave: listRemote() needs a remote that can list (httpRemote, or a RemoteAdapter with list)');
      return (await port.remote.list(prefix)).map((item) => item.key);
    },

    reset() {
      for (const ks of s.keys.values()) if (ks.retry) clearTimeout(ks.retry.timer);
      s.keys.clear();
    },

    syncNow() {
      pushAll(s);
      for (const ks of s.keys.values()) if (ks.known && !ks.entry) void pull(s, ks.key);
    },

    drain() {
      void outboxReady(s)
        .then(() => readOutbox(s))
        .then(() => pushAll(s), port.report);
      if (live) reconsider(live);
    },

    savedElsewhere(key) {
      if (!port.leading()) return;
      void outboxReady(s)
        .then(async () => {
          // Another tab saved: whatever this tab's push of the copy before
          // did to the entry, the new copy needs one.
          const ks = keySync(s, key);
          const entry = await storedEntry(s, key);
          if (!ks.entry) await setEntry(s, ks, entry ?? (await newEntry(s)));
          ks.writeEvents++;
          await s.push(key);
        })
        .catch(port.report);
    },

    adopted(key) {
      if (s.disposed) return;
      const ks = keySync(s, key);
      s.turns
        .run(key, async () => {
          // (A conflict waiting for its answer stays: synced() would end it.)
          if (ks.conflict) return;
          const local = await port.readStored(key);
          const base = baseFor(await baseRecord(s, ks), local?.checksum);
          if (local && base && deepEqual(local.data, base.data) && !ks.conflict) port.dispatch(port.actions.inStep({ key, version: base.version }));
        })
        .then(() => s.push(key), port.report);
    },

    syncedElsewhere(key, version) {
      // The base and outbox entry were changed in the shared storage by the
      // tab that pushed: forget this tab's copies of them in memory.
      const ks = s.keys.get(key);
      if (!ks) return;
      ks.base = undefined;
      ks.entry = null;
      if (ks.known) port.dispatch(port.actions.synced({ key, version, syncedAt: Date.now(), pendingSync: false }));
    },

    finalPush: (dirtyKeys) => finalPush(s, dirtyKeys),

    dispose() {
      s.disposed = true;
      for (const entry of s.pauses) {
        clearTimeout(entry.timer);
        entry.done();
      }
      s.pauses.clear();
      unlisten();
      if (live) endLive(live);
      for (const ks of s.keys.values()) {
        if (ks.retry) clearTimeout(ks.retry.timer);
        ks.retry = null;
      }
    },
  };
}

// `online` drains at once; a page shown again pulls what others changed.
function listenForNetwork(onOnline: () => void, onVisible: () => void): () => void {
  const win = typeof window === 'undefined' ? undefined : window;
  const doc = typeof document === 'undefined' ? undefined : document;
  if (!win?.addEventListener || !doc?.addEventListener) return () => {};
  const onVisibility = () => {
    if (doc.visibilityState === 'visible') onVisible();
  };
  win.addEventListener('online', onOnline);
  doc.addEventListener('visibilitychange', onVisibility);
  return () => {
    win.removeEventListener('online', onOnline);
    doc.removeEventListener('visibilitychange', onVisibility);
  };
}

// One startup chunk, not one per set of lazy chunks that share a module: see startupChunk.ts.
export { startupModules } from '../startupChunk';
