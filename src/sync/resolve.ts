import { resolveSides } from '../conflict';
import { AutosaveError, messageOf, RemoteError } from '../errors';
import type { RemoteDocument } from '../types/remote';
import type { MergeConflicts } from '../types/status';
import { retryPush, syncFailed, synced } from './failure';
import { deepEqual, threeWayMerge } from './merge';
import { baseFor, baseRecord, dropEntry, setBase, setLandedBase } from './outbox';
import { mayClose, type Base, type KeySync, type Sync } from './state';

/**
 * A remote copy must be valid and be the document of its key: a server that
 * answers one key with another's document would otherwise have this device
 * take it in as its own, and push it on under the other key. True (and the
 * status says why) when it is refused.
 */
export function refused(s: Sync, ks: KeySync, theirs: RemoteDocument): boolean {
  const checked = s.port.decode(ks.key, theirs.data);
  if (checked.ok) return false;
  syncFailed(
    s,
    ks,
    new RemoteError(
      `redux-autosave: the remote's copy of ${ks.key} (version ${theirs.version}) was refused and the local copy kept: ${checked.error.message}`,
      { key: ks.key },
    ),
  );
  return true;
}

/**
 * Both sides changed since `base`: the local copy (`local`, wire form) and
 * the remote's (`theirs`). Ends it under the `conflict` option; `close`
 * closes the outbox entry when nothing of ours is left to send.
 */
export async function resolve(
  s: Sync,
  ks: KeySync,
  base: Base | null,
  local: unknown,
  theirs: RemoteDocument,
  close: () => Promise<void>,
): Promise<void> {
  // Another tab took a newer remote copy in while this push was on the wire:
  // the base it was sent on is stale, and a merge on it would take that
  // tab's copy for a local edit. Pushed again, from what is stored now.
  const record = await baseRecord(s, ks);
  const stored = await s.port.readStored(ks.key);
  const now = baseFor(record, stored?.checksum);
  if ((now?.version ?? null) !== (base?.version ?? null)) {
    ks.pushAgain = true;
    return;
  }
  // Not a real conflict when one side is still the base (our own earlier
  // push, say): the other side is the answer, with no strategy needed.
  if (base && deepEqual(theirs.data, base.data)) {
    await setBase(s, ks, theirs);
    ks.pushAgain = true;
    return;
  }
  if (deepEqual(local, theirs.data)) {
    if (stored) await setLandedBase(s, ks, theirs, base?.version ?? null, stored.checksum);
    else await setBase(s, ks, theirs);
    await close();
    synced(s, ks, theirs.version);
    return;
  }
  const sides = { base: base?.data ?? null, local, remote: theirs.data, key: ks.key };
  let resolution;
  try {
    resolution = await resolveSides(s.port.conflict, sides);
  } catch (error) {
    syncFailed(s, ks, new RemoteError(`redux-autosave: the conflict resolver for ${ks.key} threw: ${messageOf(error)}`, { key: ks.key, cause: error }));
    return;
  }
  if (resolution.manual) {
    ks.conflict = { base: sides.base, local, remote: theirs };
    s.port.dispatch(s.port.actions.conflictDetected({ key: ks.key, conflict: { base: sides.base, local, remote: theirs.data } }));
    return;
  }
  await takeResolved(s, ks, resolution.document, theirs, local, 'before-merge', resolution.conflicts);
}

/**
 * Makes `document` (wire form) the local copy, based on `theirs`: checked
 * first, merged once more with what was saved or edited meanwhile, restored,
 * written, and pushed again when it differs from the remote.
 */
export async function takeResolved(
  s: Sync,
  ks: KeySync,
  document: unknown,
  theirs: RemoteDocument,
  local: unknown,
  reason: 'before-remote' | 'before-merge',
  clashes: MergeConflicts = [],
  answered = false,
): Promise<void> {
  const { key } = ks;
  const checked = s.port.decode(key, document);
  if (!checked.ok) {
    syncFailed(s, ks, new RemoteError(`redux-autosave: the resolved copy of ${key} is not valid, so nothing was overwritten: ${checked.error.message}`, { key }));
    return;
  }
  // The remote's copy becomes the base of every copy stored from now on
  // that is made from it: stored with the first such copy, tied to its
  // checksum (a write that fails leaves the old base standing, and the next
  // write that succeeds takes it). The push the write sets off waits for
  // this turn to end.
  const base = { version: theirs.version, data: theirs.data };
  let applied;
  try {
    applied = await s.port.applyRemote(key, document, local, reason, base, answered);
  } catch (error) {
    // The local copy could not be read (a storage fault, or a copy changed
    // behind its checksum): nothing was taken in. A push waiting tries
    // again after a backoff; it meets the same 412 and merges again.
    applied = { ok: false as const, error: error as AutosaveError, shown: true };
    if (!(error instanceof AutosaveError)) s.port.report(error);
    if (ks.entry) retryPush(s, ks);
  }
  if (!applied.ok) {
    if ('stale' in applied) {
      // Another tab stored a copy meanwhile, perhaps on another remote base:
      // made again from what is stored now, by a push that meets the same
      // 412 and merges on the base stored with that copy.
      void s.push(key);
    } else if (!applied.shown) notMerged(s, ks, applied.error);
    return;
  }
  // (A copy merged with another tab's at the write keeps the stored base.)
  if (applied.based) await setBase(s, ks, base);
  ks.conflict = null;
  // The clashes this merge decided for the local value go with the next push;
  // those the remote's writer decided against this device are reported here.
  if (clashes.length > 0) ks.overrode = clashes;
  const conflicts = theirs.overrode ? [...clashes, ...theirs.overrode] : clashes;
  const writeEventsBefore = ks.writeEvents;
  const now = await s.port.readStored(key);
  if (now && deepEqual(now.data, theirs.data) && mayClose(ks, writeEventsBefore)) {
    // Nothing of ours is left to send: the remote copy is the truth.
    await dropEntry(s, ks);
    synced(s, ks, theirs.version, { pendingSync: false, conflicts });
    return;
  }
  synced(s, ks, theirs.version, { pendingSync: true, conflicts });
  ks.pushAgain = true;
}

/** The remote's copy could not be merged with this device's: the status says why, the local copy stands. */
function notMerged(s: Sync, ks: KeySync, error: AutosaveError): void {
  syncFailed(
    s,
    ks,
    new RemoteError(`redux-autosave: the remote's copy of ${ks.key} was not taken in, the local copy stands: ${error.message}`, { key: ks.key, cause: error }),
  );
}

/** Ends a manual conflict with the app's choice; the caller pushes the result. */
export async function decide(s: Sync, ks: KeySync, choice: 'local' | 'remote' | 'merge' | { document: unknown }): Promise<void> {
  const { conflict } = ks;
  if (!conflict || !s.port.has(ks.key)) throw new Error(`redux-autosave: resolveConflict(): ${ks.key} has no conflict to resolve`);
  const local = (await s.port.readStored(ks.key))?.data ?? conflict.local;
  let document: unknown;
  if (choice === 'local') document = local;
  else if (choice === 'remote') document = conflict.remote.data;
  else if (choice === 'merge') document = threeWayMerge(conflict.base, local, conflict.remote.data).merged;
  else {
    // The app's own document, in the state's form: stored form first, like every side here.
    const wire = s.port.toWire(ks.key, choice.document);
    if (!wire.ok) throw wire.error;
    document = wire.data;
  }
  await takeResolved(s, ks, document, conflict.remote, conflict.local, 'before-merge', [], true);
}
