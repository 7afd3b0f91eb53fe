import { checksum } from '../envelope';
import { RemoteError } from '../errors';
import { backoffDelay } from '../retry';
import { syncFailed, retryPush, synced } from './failure';
import { deepEqual } from './merge';
import { baseFor, baseRecord, dropBase, dropEntry, forgetStored, newEntry, outboxKeys, outboxReady, setBase, setEntry, setLandedBase } from './outbox';
import { refused, resolve } from './resolve';
import { keySync, mayClose, pause, type KeySync, type OutboxEntry, type Sync } from './state';

/** The precondition of a push sent again only to learn whether it landed: no server makes this version. */
const NO_VERSION = 'redux-autosave:asks-whether-it-landed';

/** 412s in a row (each backing off longer) before a push gives up until the next change. */
const MAX_CONFLICTS_IN_A_ROW = 8;

/**
 * Pushes the key's local copy, and again while newer copies come; a call
 * while a push runs joins it. Only the leading tab pushes (where Web Locks
 * choose it); the others keep their outbox entries in the shared storage.
 */
export function push(s: Sync, key: string): Promise<void> {
  if (s.disposed || !s.port.leading()) return Promise.resolve();
  const ks = keySync(s, key);
  if (ks.pushing) {
    ks.pushAgain = true;
    return ks.pushing;
  }
  if (ks.retry) clearTimeout(ks.retry.timer);
  const run = (async () => {
    do {
      ks.pushAgain = false;
      await s.turns.run(key, () => pushOnce(s, ks));
      if (ks.pushAgain && ks.conflictsInARow > 1) {
        const { baseDelayMs, maxDelayMs } = s.port.retryDelays;
        await pause(s, backoffDelay(ks.conflictsInARow - 1, baseDelayMs, maxDelayMs));
      }
    } while (ks.pushAgain && !s.disposed);
  })()
    .catch((error: unknown) => {
      // The storage failed under the push, not the remote: try again later
      // without saying the remote is down.
      s.port.report(error);
      retryPush(s, ks);
    })
    .finally(() => {
      ks.pushing = null;
    });
  ks.pushing = run;
  return run;
}

async function pushOnce(s: Sync, ks: KeySync): Promise<void> {
  const { port } = s;
  const { key } = ks;
  // Counted first: a save at any point from here on means another push.
  const writeEventsBefore = ks.writeEvents;
  await outboxReady(s);
  // A push landed but the storage failed to store its base: that comes first
  // (unless another tab has stored a base since: reading drops it then).
  if (ks.landed) {
    await baseRecord(s, ks);
    if (ks.landed) await setBase(s, ks, ks.landed.base);
  }
  if (!port.has(key) || ks.conflict) return;
  // A copy stored while the outbox could not be read has no entry: one is
  // made when the stored copy is not the base.
  if (!ks.entry && !(await unpushed(s, ks))) return;
  const found = ks.entry!;
  ks.known = true;
  // The entry closes only when no save came since this push began: a newer
  // copy keeps it open, and the loop in push() sends that copy (a write
  // still running pushes again itself once it is saved).
  const close = async () => {
    if (mayClose(ks, writeEventsBefore)) await dropEntry(s, ks);
    else if (ks.writesRunning === 0) ks.pushAgain = true;
  };
  // Made as someone else than who is signed in now: it waits for them.
  if (port.remote.principal && found.principal !== undefined && found.principal !== ((await port.remote.principal()) ?? null)) {
    return syncFailed(
      s,
      ks,
      new RemoteError(`redux-autosave: ${key} was changed while another user was signed in; it is pushed when that user signs in again`, { key, code: 'auth' }),
    );
  }
  if (found.deleted) return sendRemoval(s, ks);
  // The base is read before the local copy: another tab storing a copy taken
  // from the remote writes the copy first and its base after, so a base read
  // first is never newer than the copy read after it (an older one only
  // costs a 412 and a merge; a newer one would send an old copy over the
  // remote's edits).
  const record = await baseRecord(s, ks);
  const local = await port.readStored(key);
  if (!local) return close();
  // One idempotency key per copy: a retry of the same copy (after a lost
  // reply, or a reload) reuses it; a newer copy gets a new one.
  let entry = found;
  if (entry.checksum !== local.checksum || !entry.idempotencyKey) {
    entry = { ...entry, checksum: local.checksum, idempotencyKey: `${s.clientId}:${++s.seq}` };
    await setEntry(s, ks, entry);
  }
  const base = baseFor(record, local.checksum);
  const earlier = ks.unanswered ?? entry.unanswered;
  if (earlier && earlier.idempotencyKey !== entry.idempotencyKey) {
    // Asked, not sent: the same request under a precondition no version
    // meets. A server that applied it answers from its Idempotency-Key
    // memory (200 and the version it made); one that never did, 412, and
    // applies nothing, so saves made offline still go up as one push.
    let answer;
    try {
      answer = await port.remote.push(key, earlier.data, {
        baseVersion: NO_VERSION,
        idempotencyKey: earlier.idempotencyKey,
        overrode: earlier.overrode ?? undefined,
        base: earlier.base ?? undefined,
      });
    } catch (error) {
      // Unreachable: asked again later. Any answer else: not known, and not asked again.
      if (!(error instanceof RemoteError && error.status !== undefined)) return syncFailed(s, ks, error);
      answer = undefined;
    }
    entry = await answered(s, ks, entry);
    if (answer?.ok) {
      await setLandedBase(s, ks, { version: answer.version, data: earlier.data }, base?.version ?? null, local.checksum);
      ks.pushAgain = true;
      return;
    }
  }
  if (base && deepEqual(local.data, base.data)) {
    // The remote already has this copy (it came from there): nothing to send.
    await close();
    return synced(s, ks, base.version);
  }
  let result;
  const { data } = local;
  try {
    const overrode = ks.overrode ?? undefined;
    result = await port.remote.push(key, data, { baseVersion: base?.version ?? null, idempotencyKey: entry.idempotencyKey!, overrode, base: base ?? undefined });
  } catch (error) {
    if (error instanceof RemoteError && error.status === 404 && base) {
      // The remote lost the document (its data was reset): create it again.
      await dropBase(s, ks);
      ks.pushAgain = true;
      return;
    }
    // No answer, or a server error (a gateway's 502 or 504 may come after the
    // server applied it): it may have landed. A 4xx refused it.
    const status = error instanceof RemoteError ? error.status : undefined;
    if (status === undefined || status >= 500) {
      const unanswered = { idempotencyKey: entry.idempotencyKey!, data, base, overrode: ks.overrode };
      ks.unanswered = unanswered;
      if (entry.unanswered?.idempotencyKey !== unanswered.idempotencyKey) await setEntry(s, ks, { ...entry, unanswered }).catch(port.report);
    }
    return syncFailed(s, ks, error);
  }
  entry = await answered(s, ks, entry);
  ks.retry = null;
  if (result.ok) {
    ks.conflictsInARow = 0;
    ks.overrode = null;
    await setLandedBase(s, ks, { version: result.version, data }, base?.version ?? null, local.checksum);
    await close();
    port.announce({ type: 'synced', key, version: result.version });
    return synced(s, ks, result.version);
  }
  const theirs = result.conflict;
  if (base && theirs.version === base.version) {
    // The server refused If-Match "v" while holding v itself: it compares the
    // header with its quotes left on, or ignores it. Every push would meet
    // the same 412; trying again is a hot loop.
    return syncFailed(
      s,
      ks,
      new RemoteError(
        `redux-autosave: the server answered 412 to a push of ${key} with If-Match "${base.version}", naming that same version as its current one: it does not compare If-Match correctly (quotes left on?). Nothing more is pushed for ${key}; fix the server`,
        { key, status: 412 },
      ),
    );
  }
  if (++ks.conflictsInARow > MAX_CONFLICTS_IN_A_ROW) {
    const inARow = ks.conflictsInARow - 1;
    ks.conflictsInARow = 0;
    return syncFailed(
      s,
      ks,
      new RemoteError(`redux-autosave: ${key} met ${inARow} conflicts (412) in a row without a push landing; stopped trying until the next change or syncNow()`, {
        key,
        status: 412,
      }),
    );
  }
  if (refused(s, ks, theirs)) return;
  await resolve(s, ks, base, local.data, theirs, close);
}

/** A push got its answer: no unanswered one is kept any more. Returns the entry as it now stands. */
async function answered(s: Sync, ks: KeySync, entry: OutboxEntry): Promise<OutboxEntry> {
  ks.unanswered = null;
  if (!entry.unanswered) return entry;
  const { unanswered: _, ...rest } = entry;
  await setEntry(s, ks, rest);
  return rest;
}

/** Whether the stored copy differs from its base with no entry to push it: an entry is made for it. */
async function unpushed(s: Sync, ks: KeySync): Promise<boolean> {
  if (!ks.known) return false;
  const record = await baseRecord(s, ks);
  const local = await s.port.readStored(ks.key);
  const base = baseFor(record, local?.checksum);
  if (!local || !base || deepEqual(local.data, base.data)) return false;
  await setEntry(s, ks, await newEntry(s));
  return true;
}

/**
 * Sends a removal: the remote's copy becomes a tombstone. A newer version
 * there (another device wrote after this one's base) does not stop it: the
 * removal was asked for, so it is sent again against that version.
 */
async function sendRemoval(s: Sync, ks: KeySync): Promise<void> {
  const { port } = s;
  const remove = port.remote.remove!;
  let entry = ks.entry!;
  if (!entry.idempotencyKey) {
    entry = { ...entry, idempotencyKey: `${s.clientId}:${++s.seq}` };
    await setEntry(s, ks, entry);
  }
  const baseVersion = ks.removeAgainst ?? baseFor(await baseRecord(s, ks), undefined)?.version ?? null;
  let result;
  try {
    result = await remove(ks.key, { baseVersion, idempotencyKey: entry.idempotencyKey! });
  } catch (error) {
    // The document has no status any more: a removal that waits says nothing.
    if (error instanceof RemoteError && (error.status === 405 || error.status === 501)) {
      // A server that cannot delete (an earlier protocol): the removal stays local, as it was.
      port.report(error);
    } else {
      if (error instanceof RemoteError && error.retryable) retryPush(s, ks, error.retryAfterMs);
      else port.report(error);
      return;
    }
  }
  ks.retry = null;
  if (!result) result = { ok: true as const };
  if (!result.ok) {
    ks.removeAgainst = result.conflict.version;
    ks.pushAgain = true;
    return;
  }
  s.keys.delete(ks.key);
  await forgetStored(s, ks.key);
  port.dispatch(port.actions.removalSent({ key: ks.key }));
}

/** Pushes every key the outbox holds. */
export function pushAll(s: Sync): void {
  for (const key of outboxKeys(s)) void s.push(key);
}

/**
 * The page goes away: what is at hand is sent with keepalive requests, at
 * once (a page going away has no time to read storage). Browsers cap
 * keepalive bodies at 64 KB in all.
 */
export function finalPush(s: Sync, dirtyKeys: string[]): void {
  const { port } = s;
  // Shared by all keys: a remote that sizes its requests (patches) takes its
  // bytes from it; for one that does not, a document goes only if it fits whole.
  const keepaliveBudget = { bytes: KEEPALIVE_BYTES };
  for (const key of new Set([...outboxKeys(s), ...dirtyKeys])) {
    const ks = s.keys.get(key);
    if (!ks || ks.base === undefined || ks.conflict) continue;
    const base = baseFor(ks.base, undefined);
    const wire = port.current(key);
    if (!wire?.ok) continue;
    const json = JSON.stringify(wire.data);
    if (!port.remote.sizesKeepalive && json.length > keepaliveBudget.bytes) continue;
    const { entry } = ks;
    const idempotencyKey = entry?.idempotencyKey && entry.checksum === checksum(json) ? entry.idempotencyKey : `${s.clientId}:${++s.seq}`;
    port.remote.push(key, wire.data, { baseVersion: base?.version ?? null, idempotencyKey, keepalive: true, base: base ?? undefined, keepaliveBudget }).catch(() => {});
    if (!port.remote.sizesKeepalive) keepaliveBudget.bytes -= json.length;
  }
}

/** Browsers refuse keepalive requests past 64 KB in flight in all; what is left is for headers. */
const KEEPALIVE_BYTES = 60_000;
