import { AutosaveError, messageOf, RemoteError, toSaveError } from '../errors';
import { backoffDelay } from '../retry';
import type { KeySync, Sync } from './state';

/**
 * The key's removal went through while a push or pull of it was on the wire:
 * what that request ends with is about a document that is gone, so it says
 * nothing (a status would bring the document back into the slice, offline
 * with changes to push that no push would ever send) and tries nothing again.
 */
const dropped = (s: Sync, ks: KeySync) => s.keys.get(ks.key) !== ks;

/** Pushes the key again after the next backoff delay of its run, and no sooner than `atLeastMs` (a `Retry-After`). */
export function retryPush(s: Sync, ks: KeySync, atLeastMs = 0): void {
  if (s.disposed || dropped(s, ks)) return;
  const attempt = (ks.retry?.attempt ?? 0) + 1;
  const { baseDelayMs, maxDelayMs } = s.port.retryDelays;
  const delay = Math.max(atLeastMs, backoffDelay(attempt, baseDelayMs, maxDelayMs));
  ks.retry = { attempt, timer: setTimeout(() => void s.push(ks.key), delay) };
}

/**
 * A push or pull of the key failed. A remote that cannot be reached (or is
 * overloaded) is `offline` and tried again with the backoff of the `retry`
 * option and no limit on tries, as long as something waits to be pushed;
 * any other failure is an `error` with code `remote`, told to `onError`.
 */
export function syncFailed(s: Sync, ks: KeySync, error: unknown): void {
  if (dropped(s, ks)) return;
  const { port } = s;
  const remoteError =
    error instanceof AutosaveError
      ? error
      : new RemoteError(`redux-autosave: sync of ${ks.key} failed: ${messageOf(error)}`, { key: ks.key, cause: error, retryable: true, offline: true });
  const pendingSync = ks.entry !== null;
  if (remoteError.retryable) {
    if (pendingSync) retryPush(s, ks, (remoteError as RemoteError).retryAfterMs);
    port.dispatch(port.actions.syncFailed({ key: ks.key, error: toSaveError(remoteError), offline: true, pendingSync }));
  } else {
    ks.retry = null;
    port.dispatch(port.actions.syncFailed({ key: ks.key, error: toSaveError(remoteError), offline: false, pendingSync }));
    port.report(remoteError);
  }
}

/** In step with the remote at `version`. */
export function synced(s: Sync, ks: KeySync, version: string, extra: { pendingSync?: boolean; conflicts?: (string | number)[][] } = {}): void {
  if (dropped(s, ks)) return;
  const { port } = s;
  port.dispatch(
    port.actions.synced({ key: ks.key, version, syncedAt: Date.now(), pendingSync: extra.pendingSync ?? ks.entry !== null, conflicts: extra.conflicts }),
  );
}
