import { createListenerMiddleware, type ListenerMiddlewareInstance } from '@reduxjs/toolkit';
import { checksum, unwrap } from '../envelope';
import { AutosaveError, messageOf, RemoteError, toSaveError } from '../errors';
import { INTERNAL_PREFIX } from '../keys';
import { backoffDelay } from '../retry';
import type { ConflictStrategy, RemoteDocument } from '../types';
import { threeWayMerge } from './merge';
import type { SyncContext, SyncTracker } from './context';

const OUTBOX = `${INTERNAL_PREFIX}outbox/`;
/** 412s in a row (each backing off longer) before a push gives up until the next change. */
const MAX_CONFLICTS_IN_A_ROW = 8;
const BASE = `${INTERNAL_PREFIX}base/`;

/** A document saved locally and not yet pushed. Persisted, so a reload finishes the push. */
interface OutboxEntry {
  /** Checksum of the copy the idempotency key was made for; `null` before the first try. */
  checksum: string | null;
  idempotencyKey: string | null;
}

/** The last copy both sides agreed on: the base of a three-way merge. */
interface Base {
  version: string;
  data: unknown;
}

export interface SyncEngine {
  middleware: ListenerMiddlewareInstance['middleware'];
  /** Called before a document is written locally: records it in the outbox first. */
  beforeWrite(key: string): Promise<void>;
  /** Called when that write is over, written or not (once per `beforeWrite`). */
  afterWrite(key: string): void;
  /** After `load` restored (or missed) the local copy: reconcile with the remote. */
  afterLoad(key: string, timeoutMs: number): Promise<unknown>;
  resolveConflict(key: string, choice: 'local' | 'remote' | 'merge' | { document: unknown }): Promise<void>;
  forget(key: string): Promise<void>;
  /** `purge()` removed every document and all bookkeeping: forget what memory holds of them. */
  reset(): void;
  /** This tab now pushes for all: push what the outbox holds. */
  drain(): void;
  /** Another tab saved `key`: the tab that pushes sends it. */
  savedElsewhere(key: string): void;
  /** Another tab pushed `key` at `version`. */
  syncedElsewhere(key: string, version: string): void;
  /** The page goes away: send what is not pushed yet, with keepalive requests. */
  finalPush(dirtyKeys: string[]): void;
  dispose(): void;
}

export function createSyncEngine(ctx: SyncContext): SyncEngine {
  const { storage, remote, actions } = ctx;
  const clientId = randomId();
  let seq = 0;
  const outbox = new Map<string, OutboxEntry>();
  const bases = new Map<string, Base | null>();
  /**
   * Bumped when a local write starts and when it ends: an outbox entry is
   * closed only if no write ran since the local copy was read, and none is
   * running (a write already under way found the entry open and relies on it).
   */
  const saves = new Map<string, number>();
  const writing = new Map<string, number>();
  const bump = (key: string) => saves.set(key, (saves.get(key) ?? 0) + 1);
  /** Whether the entry may close, given the count taken before the local copy was read. */
  const settled = (key: string, savesBefore: number) => !writing.get(key) && (saves.get(key) ?? 0) === savesBefore;
  const pushes = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const waits = new Map<string, { timer: ReturnType<typeof setTimeout>; attempt: number }>();
  const conflicts = new Map<string, { base: unknown; local: unknown; remote: RemoteDocument }>();
  // A push and a pull of one key never overlap: a push running beside a
  // merge being written would send the older copy on the merge's new base.
  const turns = new Map<string, Promise<unknown>>();
  function inTurn<R>(key: string, task: () => Promise<R>): Promise<R> {
    const run = (turns.get(key) ?? Promise.resolve()).then(task);
    const done = run.then(
      () => {},
      () => {},
    );
    turns.set(key, done);
    done.then(() => {
      if (turns.get(key) === done) turns.delete(key);
    });
    return run;
  }
  /**
   * 412s in a row per key with no push landing between them. Another
   * device writing as fast as this one merges is normal once; a run of them
   * backs off, and a long run is a server that never lets a push land.
   */
  const conflictRuns = new Map<string, number>();
  const pauses = new Set<{ timer: ReturnType<typeof setTimeout>; done: () => void }>();
  function pause(ms: number): Promise<void> {
    return new Promise((done) => {
      const entry = { timer: setTimeout(() => (pauses.delete(entry), done()), ms), done };
      pauses.add(entry);
    });
  }
  /** Keys this session has loaded or saved: the ones a pull refreshes. */
  const known = new Set<string>();
  let disposed = false;

  const listener = createListenerMiddleware();
  listener.startListening({
    actionCreator: actions.saveSucceeded,
    effect: async ({ payload: { key } }) => {
      known.add(key);
      bump(key);
      // A push that ran while this copy was being written may have found the
      // older copy and closed the entry: a saved copy always has one.
      if (!outbox.has(key)) {
        try {
          await setEntry(key, { checksum: null, idempotencyKey: null });
        } catch (error) {
          ctx.report(error);
        }
      }
      void push(key);
    },
  });
  listener.startListening({
    actionCreator: actions.syncNow,
    effect: () => syncAll(),
  });

  const unlisten = listenForNetwork(
    () => ctx.dispatch(actions.syncNow()),
    () => {
      for (const key of known) void pull(key);
    },
  );

  // A reload finishes what the last session left in the outbox. A read that
  // failed is tried again by the next push, pull or syncNow().
  let outboxRead: Promise<void> | undefined;
  const started = () =>
    (outboxRead ??= readOutbox().catch((error) => {
      outboxRead = undefined;
      throw error;
    }));
  started().then(() => {
    for (const key of outbox.keys()) void push(key);
  }, ctx.report);

  async function baseOf(key: string): Promise<Base | null> {
    if (!bases.has(key)) bases.set(key, ((await storage.getItem(BASE + key)) as Base | null) ?? null);
    return bases.get(key)!;
  }

  // Bookkeeping is written before it is believed: what only memory knows
  // would be gone after a reload.
  async function setBase(key: string, base: Base): Promise<void> {
    await storage.setItem(BASE + key, base);
    bases.set(key, base);
  }

  async function setEntry(key: string, entry: OutboxEntry): Promise<void> {
    await storage.setItem(OUTBOX + key, entry);
    outbox.set(key, entry);
  }

  async function readOutbox(): Promise<void> {
    const keys = (await storage.keys()).filter((key) => key.startsWith(OUTBOX));
    for (const outboxKey of keys) {
      const entry = (await storage.getItem(outboxKey)) as OutboxEntry | null;
      if (entry) outbox.set(outboxKey.slice(OUTBOX.length), entry);
    }
  }

  async function dropEntry(key: string): Promise<void> {
    outbox.delete(key);
    await storage.removeItem(OUTBOX + key);
  }

  /** The local stored copy, or `undefined` when there is none; throws when it cannot be read soundly. */
  async function readLocal(tracker: SyncTracker): Promise<{ data: unknown; checksum: string } | undefined> {
    const stored = await storage.getItem(tracker.key);
    if (stored == null) return undefined;
    const unwrapped = unwrap(stored, tracker.key, tracker.collection.version);
    if (!unwrapped.ok) throw new AutosaveError(unwrapped.code, `redux-autosave: ${unwrapped.message}`, { key: tracker.key });
    if (unwrapped.envelope.version !== tracker.collection.version) {
      throw new AutosaveError('migration', `redux-autosave: ${tracker.key} is stored at another version; load it first`, { key: tracker.key });
    }
    return { data: unwrapped.envelope.data, checksum: unwrapped.envelope.checksum };
  }

  /** Tries the push again later, with backoff, without saying the remote is down (the storage was). */
  function later(key: string, error: unknown): void {
    ctx.report(error);
    retryPush(key);
  }

  /** Pushes `key` again after the next backoff delay of its run (and no sooner than `atLeastMs`). */
  function retryPush(key: string, atLeastMs = 0): void {
    if (disposed) return;
    const attempt = (waits.get(key)?.attempt ?? 0) + 1;
    const delay = Math.max(atLeastMs, backoffDelay(attempt, ctx.retryDelays.baseDelayMs, ctx.retryDelays.maxDelayMs));
    waits.set(key, { attempt, timer: setTimeout(() => void push(key), delay) });
  }

  function push(key: string): Promise<void> {
    // One tab pushes for all (where Web Locks choose it); the others keep
    // their outbox entries in the shared storage for it.
    if (disposed || !ctx.leading()) return Promise.resolve();
    const running = pushes.get(key);
    if (running) {
      again.add(key);
      return running;
    }
    const wait = waits.get(key);
    if (wait) clearTimeout(wait.timer);
    const run = (async () => {
      do {
        again.delete(key);
        await pushOnce(key);
        const conflictsInARow = conflictRuns.get(key) ?? 0;
        if (again.has(key) && conflictsInARow > 1) {
          await pause(backoffDelay(conflictsInARow - 1, ctx.retryDelays.baseDelayMs, ctx.retryDelays.maxDelayMs));
        }
      } while (again.has(key) && !disposed);
    })()
      .catch((error) => later(key, error))
      .finally(() => pushes.delete(key));
    pushes.set(key, run);
    return run;
  }

  function pushOnce(key: string): Promise<void> {
    return inTurn(key, () => pushNow(key));
  }

  async function pushNow(key: string): Promise<void> {
    // Counted first: a save at any point from here on means another push.
    const savesBefore = saves.get(key) ?? 0;
    await started();
    const tracker = ctx.tracker(key);
    if (!tracker || conflicts.has(key) || !outbox.has(key)) return;
    known.add(key);
    // The entry closes only when no save came since this push began: a
    // newer copy keeps it open, and the loop in push() sends that copy (a
    // write still running pushes again itself once it is saved).
    const close = async () => {
      if (settled(key, savesBefore)) await dropEntry(key);
      else if (!writing.get(key)) again.add(key);
    };
    const local = await readLocal(tracker);
    if (!local) {
      await close();
      return;
    }
    let entry = outbox.get(key)!;
    // One idempotency key per copy: a retry of the same copy (after a lost
    // reply, or a reload) reuses it; a newer copy gets a new one.
    if (entry.checksum !== local.checksum || !entry.idempotencyKey) {
      entry = { checksum: local.checksum, idempotencyKey: `${clientId}:${++seq}` };
      await setEntry(key, entry);
    }
    const base = await baseOf(key);
    if (base && sameJson(local.data, base.data)) {
      // The remote already has this copy (it came from there): nothing to send.
      await close();
      ctx.dispatch(actions.synced({ key, version: base.version, syncedAt: Date.now(), pendingSync: outbox.has(key) }));
      return;
    }
    let result;
    try {
      result = await remote.push(key, local.data, { baseVersion: base?.version ?? null, idempotencyKey: entry.idempotencyKey! });
    } catch (error) {
      if (error instanceof RemoteError && error.status === 404 && base) {
        // The remote lost the document (its data was reset): create it again.
        bases.set(key, null);
        await storage.removeItem(BASE + key);
        again.add(key);
        return;
      }
      failed(key, error);
      return;
    }
    waits.delete(key);
    if (result.ok) {
      conflictRuns.delete(key);
      await setBase(key, { version: result.version, data: local.data });
      await close();
      ctx.announce({ type: 'synced', key, version: result.version });
      ctx.dispatch(actions.synced({ key, version: result.version, syncedAt: Date.now(), pendingSync: outbox.has(key) }));
      return;
    }
    const theirs = result.conflict;
    if (base && theirs.version === base.version) {
      // The server refused If-Match "v" while holding v itself: it compares
      // the header with its quotes left on, or ignores it. Every push would
      // meet the same 412; trying again is a hot loop.
      failed(
        key,
        new RemoteError(
          `redux-autosave: the server answered 412 to a push of ${key} with If-Match "${base.version}", naming that same version as its current one: it does not compare If-Match correctly (quotes left on?). Nothing more is pushed for ${key}; fix the server`,
          { key, status: 412 },
        ),
      );
      return;
    }
    const inARow = (conflictRuns.get(key) ?? 0) + 1;
    conflictRuns.set(key, inARow);
    if (inARow > MAX_CONFLICTS_IN_A_ROW) {
      conflictRuns.delete(key);
      failed(
        key,
        new RemoteError(
          `redux-autosave: ${key} met ${inARow - 1} conflicts (412) in a row without a push landing; stopped trying until the next change or syncNow()`,
          { key, status: 412 },
        ),
      );
      return;
    }
    if (refused(key, tracker, theirs)) return;
    await resolve(key, tracker, base, local.data, theirs, close);
  }

  /**
   * A remote copy must be valid and be the document of `key`: a server that
   * answers one key with another's document would otherwise have this
   * device take it in as its own, and push it on under the other key.
   */
  function refused(key: string, tracker: SyncTracker, theirs: RemoteDocument): boolean {
    const checked = ctx.validate(tracker, theirs.data);
    if (checked.ok) return false;
    failed(
      key,
      new RemoteError(`redux-autosave: the remote's copy of ${key} (version ${theirs.version}) was refused and the local copy kept: ${checked.error.message}`, {
        key,
      }),
    );
    return true;
  }

  function failed(key: string, error: unknown): void {
    const remoteError =
      error instanceof AutosaveError
        ? error
        : new RemoteError(`redux-autosave: sync of ${key} failed: ${messageOf(error)}`, { key, cause: error, retryable: true, offline: true });
    const pendingSync = outbox.has(key);
    if (remoteError.retryable) {
      // Unreachable or overloaded: keep trying, as long as the document is
      // dirty, with the backoff of the `retry` option and no limit on tries.
      if (pendingSync) retryPush(key, (remoteError as RemoteError).retryAfterMs);
      ctx.dispatch(actions.syncFailed({ key, error: toSaveError(remoteError), offline: true, pendingSync }));
    } else {
      waits.delete(key);
      ctx.dispatch(actions.syncFailed({ key, error: toSaveError(remoteError), offline: false, pendingSync }));
      ctx.report(remoteError);
    }
  }

  async function resolve(
    key: string,
    tracker: SyncTracker,
    base: Base | null,
    local: unknown,
    theirs: RemoteDocument,
    close: () => Promise<void>,
  ): Promise<void> {
    // Not a real conflict when one side is still the base (our own earlier
    // push, say): the other side is the answer, with no strategy needed.
    if (base && sameJson(theirs.data, base.data)) {
      await setBase(key, theirs);
      again.add(key);
      return;
    }
    if (sameJson(local, theirs.data)) {
      await setBase(key, theirs);
      await close();
      ctx.dispatch(actions.synced({ key, version: theirs.version, syncedAt: Date.now(), pendingSync: outbox.has(key) }));
      return;
    }
    const strategy = ctx.conflict;
    if (strategy === 'manual') {
      conflicts.set(key, { base: base?.data ?? null, local, remote: theirs });
      ctx.dispatch(actions.conflictDetected({ key, conflict: { base: base?.data ?? null, local, remote: theirs.data } }));
      return;
    }
    let resolved: unknown;
    let clashes: (string | number)[][] = [];
    try {
      if (strategy === 'merge') ({ merged: resolved, conflicts: clashes } = threeWayMerge(base?.data ?? null, local, theirs.data));
      else resolved = pick(strategy, { base: base?.data ?? null, local, remote: theirs.data, key });
    } catch (error) {
      failed(key, new RemoteError(`redux-autosave: the conflict resolver for ${key} threw: ${messageOf(error)}`, { key, cause: error }));
      return;
    }
    await apply(key, tracker, resolved, theirs, local, clashes);
  }

  /**
   * Makes `document` the local copy, based on `theirs`: validated first,
   * merged once more with any edit made meanwhile, restored into the state,
   * written, and pushed when it differs from the remote.
   */
  async function apply(
    key: string,
    tracker: SyncTracker,
    document: unknown,
    theirs: RemoteDocument,
    local: unknown,
    clashes: (string | number)[][] = [],
  ): Promise<void> {
    const checked = ctx.validate(tracker, document);
    if (!checked.ok) {
      failed(
        key,
        new RemoteError(`redux-autosave: the resolved copy of ${key} is not valid, so nothing was overwritten: ${checked.error.message}`, {
          key,
        }),
      );
      return;
    }
    // In memory, the base moves first, so the push that the write below sets
    // off finds the remote's version; it is stored only once the merged copy
    // is, so a reload in between merges again instead of pushing the older
    // local copy over the remote's edits.
    const previousBase = await baseOf(key);
    bases.set(key, theirs);
    const written = await ctx.enqueue(tracker, async () => {
      // Merged in the stored (wire) form, as every copy here is; decoded once at the end.
      let next = document;
      // A copy saved since `local` was read is newer: fold it in, its side winning.
      const stored = await readLocal(tracker);
      if (stored && !sameJson(stored.data, local)) next = threeWayMerge(local, stored.data, next).merged;
      // So is an edit not saved yet.
      if (tracker.latest !== undefined && tracker.latest !== tracker.clean && tracker.clean !== undefined) {
        const clean = ctx.wireOf(tracker, tracker.clean);
        const latest = ctx.wireOf(tracker, tracker.latest);
        if (!clean.ok) return notMerged(key, clean.error);
        if (!latest.ok) return notMerged(key, latest.error);
        next = threeWayMerge(clean.data, latest.data, next).merged;
      }
      const decoded = next === document ? checked : ctx.validate(tracker, next);
      if (!decoded.ok) return notMerged(key, decoded.error);
      ctx.restore(tracker, decoded.data);
      return ctx.writeDocument(tracker, decoded.data);
    }).catch((error: unknown) => error);
    if (written) {
      // Not written (already on the status): keep merging against the old base.
      bases.set(key, previousBase);
      if (!(written instanceof AutosaveError)) ctx.report(written);
      return;
    }
    await setBase(key, theirs);
    conflicts.delete(key);
    const savesBefore = saves.get(key) ?? 0;
    const now = await readLocal(tracker);
    if (now && sameJson(now.data, theirs.data) && settled(key, savesBefore)) {
      // Nothing of ours is left to send: the remote copy is the truth.
      await dropEntry(key);
      ctx.dispatch(actions.synced({ key, version: theirs.version, syncedAt: Date.now(), pendingSync: false, conflicts: clashes }));
      return;
    }
    ctx.dispatch(actions.synced({ key, version: theirs.version, syncedAt: Date.now(), pendingSync: true, conflicts: clashes }));
    again.add(key);
  }

  /** The remote's copy could not be merged with this device's: the status says why, the local copy stands. */
  function notMerged(key: string, error: AutosaveError): AutosaveError {
    const refusal = new RemoteError(`redux-autosave: the remote's copy of ${key} was not taken in, the local copy stands: ${error.message}`, {
      key,
      cause: error,
    });
    failed(key, refusal);
    return refusal;
  }

  /** Fetches the remote copy and takes it when only the remote changed since the base. */
  async function pull(key: string): Promise<void> {
    const tracker = ctx.tracker(key);
    if (!tracker || disposed) return;
    known.add(key);
    // The request, too, waits its turn: an answer fetched before a push of
    // ours landed would be older than our base, and taking it would undo the push.
    await inTurn(key, async () => {
      let theirs: RemoteDocument | null;
      try {
        theirs = await remote.pull(key);
      } catch (error) {
        failed(key, error);
        return;
      }
      await reconcile(key, tracker, theirs);
    }).catch((error) => {
      // Storage failed under the reconciliation: the local copy stands; the
      // next pull, push or syncNow() tries again.
      ctx.report(error);
    });
  }

  async function reconcile(key: string, tracker: SyncTracker, theirs: RemoteDocument | null): Promise<void> {
    const savesBefore = saves.get(key) ?? 0;
    const close = async () => {
      if (settled(key, savesBefore)) await dropEntry(key);
      else if (!writing.get(key)) void push(key); // waits its turn, after this pull
    };
    await started();
    const base = await baseOf(key);
    if (!theirs) {
      // Never pushed (or saved before a remote was configured): send it.
      if (!base && !outbox.has(key) && (await readLocal(tracker))) {
        await setEntry(key, { checksum: null, idempotencyKey: null });
        void push(key);
      }
      return;
    }
    if (refused(key, tracker, theirs)) return;
    const sameVersion = base !== null && base.version === theirs.version;
    if (sameVersion && !sameJson(base.data, theirs.data)) {
      // A server that never bumps versions: taking this as "nothing new"
      // would leave two devices apart for good, each saying `saved`.
      ctx.report(
        new RemoteError(
          `redux-autosave: the server answered ${key} at version ${theirs.version} with content other than it had at that version: it must give every write a new version; treated as a conflict`,
          { key },
        ),
      );
    } else if (sameVersion) {
      // The remote has nothing new; it answered, so it is not offline (a
      // push still waiting says so itself).
      if (!pushes.has(key) && !(waits.has(key) && outbox.has(key))) {
        ctx.dispatch(actions.synced({ key, version: base.version, syncedAt: Date.now(), pendingSync: outbox.has(key) }));
        if (outbox.has(key)) void push(key);
      }
      return;
    }
    const local = await readLocal(tracker);
    const localChanged = outbox.has(key) || tracker.latest !== tracker.clean;
    if (!local || (base && !localChanged)) {
      await apply(key, tracker, theirs.data, theirs, local?.data ?? null);
      return;
    }
    if (sameJson(local.data, theirs.data)) {
      await setBase(key, theirs);
      await close();
      ctx.dispatch(actions.synced({ key, version: theirs.version, syncedAt: Date.now(), pendingSync: false }));
      return;
    }
    await resolve(key, tracker, base, local.data, theirs, close);
  }

  function syncAll(): void {
    for (const key of outbox.keys()) void push(key);
    for (const key of known) if (!outbox.has(key)) void pull(key);
  }

  return {
    middleware: listener.middleware,

    async beforeWrite(key) {
      // Counted at once: a push or pull running meanwhile must not close the
      // entry this write relies on (the page may close before the write's
      // saveSucceeded could open it again).
      writing.set(key, (writing.get(key) ?? 0) + 1);
      bump(key);
      await started();
      known.add(key);
      if (!outbox.has(key)) await setEntry(key, { checksum: null, idempotencyKey: null });
    },

    afterWrite(key) {
      const left = (writing.get(key) ?? 1) - 1;
      if (left > 0) writing.set(key, left);
      else writing.delete(key);
      bump(key);
    },

    async afterLoad(key, timeoutMs) {
      await started().catch(ctx.report);
      let timer: ReturnType<typeof setTimeout> | undefined;
      // An unreachable remote must not hold the app's start: after
      // `timeoutMs` the local copy stands and the pull finishes later.
      await Promise.race([pull(key), new Promise((done) => (timer = setTimeout(done, timeoutMs)))]);
      clearTimeout(timer);
    },

    async resolveConflict(key, choice) {
      const conflict = conflicts.get(key);
      const tracker = ctx.tracker(key);
      if (!conflict || !tracker) throw new Error(`redux-autosave: resolveConflict(): ${key} has no conflict to resolve`);
      const local = (await readLocal(tracker))?.data ?? conflict.local;
      let document: unknown;
      if (choice === 'local') document = local;
      else if (choice === 'remote') document = conflict.remote.data;
      else if (choice === 'merge') document = threeWayMerge(conflict.base, local, conflict.remote.data).merged;
      else {
        // The app's own document, in the state's form: stored form first, like every side here.
        const wire = ctx.wireOf(tracker, choice.document);
        if (!wire.ok) throw wire.error;
        document = wire.data;
      }
      await apply(key, tracker, document, conflict.remote, conflict.local);
      if (!conflicts.has(key)) void push(key);
    },

    async forget(key) {
      const wait = waits.get(key);
      if (wait) clearTimeout(wait.timer);
      waits.delete(key);
      conflicts.delete(key);
      conflictRuns.delete(key);
      known.delete(key);
      bases.delete(key);
      saves.delete(key);
      await dropEntry(key);
      await storage.removeItem(BASE + key);
    },

    reset() {
      for (const wait of waits.values()) clearTimeout(wait.timer);
      for (const map of [waits, conflicts, conflictRuns, bases, saves, outbox]) map.clear();
      known.clear();
      again.clear();
    },

    drain() {
      void started().then(readOutbox).then(() => {
        for (const key of outbox.keys()) void push(key);
      }, ctx.report);
    },

    savedElsewhere(key) {
      if (!ctx.leading()) return;
      void started()
        .then(async () => {
          // Another tab saved: whatever this tab's push of the copy before
          // did to the entry, the new copy needs one.
          const entry = (await storage.getItem(OUTBOX + key)) as OutboxEntry | null;
          if (!outbox.has(key)) await setEntry(key, entry ?? { checksum: null, idempotencyKey: null });
          bump(key);
          await push(key);
        })
        .catch(ctx.report);
    },

    syncedElsewhere(key, version) {
      // The base and outbox entry were changed in the shared storage by the
      // tab that pushed: forget this tab's cached copies of them.
      bases.delete(key);
      outbox.delete(key);
      if (known.has(key)) ctx.dispatch(actions.synced({ key, version, syncedAt: Date.now(), pendingSync: false }));
    },

    finalPush(dirtyKeys) {
      for (const key of new Set([...outbox.keys(), ...dirtyKeys])) {
        const tracker = ctx.tracker(key);
        const base = bases.get(key);
        // Only what is at hand now: a page going away has no time to read storage.
        if (!tracker || tracker.latest === undefined || base === undefined || conflicts.has(key)) continue;
        const wire = ctx.toWire(tracker, tracker.latest);
        if (!wire.ok) continue;
        const json = JSON.stringify(wire.data);
        // Browsers cap keepalive bodies at 64 KB in all.
        if (json.length > 60_000) continue;
        const entry = outbox.get(key);
        const idempotencyKey =
          entry?.idempotencyKey && entry.checksum === checksum(json) ? entry.idempotencyKey : `${clientId}:${++seq}`;
        remote
          .push(key, wire.data, { baseVersion: base?.version ?? null, idempotencyKey, keepalive: true })
          .catch(() => {});
      }
    },

    dispose() {
      disposed = true;
      for (const entry of pauses) {
        clearTimeout(entry.timer);
        entry.done();
      }
      pauses.clear();
      unlisten();
      listener.clearListeners();
      for (const wait of waits.values()) clearTimeout(wait.timer);
      waits.clear();
    },
  };
}

function pick(strategy: Exclude<ConflictStrategy, 'merge' | 'manual'>, context: { base: unknown; local: unknown; remote: unknown; key: string }): unknown {
  if (strategy === 'local') return context.local;
  if (strategy === 'remote') return context.remote;
  return strategy(context);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function randomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
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

