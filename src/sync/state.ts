import { KeyedQueue } from '../util/keyedQueue';
import type { RemoteDocument } from '../types/remote';
import type { SyncPort } from '../types/sync';

/** A document saved locally and not yet pushed. Persisted, so a reload finishes the push. */
export interface OutboxEntry {
  /** Checksum of the copy the idempotency key was made for; `null` before the first try. */
  checksum: string | null;
  idempotencyKey: string | null;
  /** Who the edit was made as (`RemoteAdapter.principal`): it is pushed only under them. Absent where the remote names none. */
  principal?: string | null;
  /** A removal to send (`remove()`), not a copy. */
  deleted?: true;
  /** A push of an earlier copy that got no answer: kept until it is sent again (see `KeySync.unanswered`). */
  unanswered?: Unanswered;
}

/** A push that got no answer: it may have landed. */
export interface Unanswered {
  idempotencyKey: string;
  data: unknown;
  base: Base | null;
  /** What the push said it overrode: sent again as it was. */
  overrode?: (string | number)[][] | null;
}

/** The last copy both sides agreed on: the base of a three-way merge. */
export interface Base {
  version: string;
  data: unknown;
}

/**
 * A base as stored: with `next`, the base of the copy whose checksum it
 * names, written before that copy (see setNextBase); `none` when there was
 * no base before it.
 */
export interface BaseRecord extends Base {
  next?: Base & { checksum: string };
  none?: true;
}

/** A conflict waiting for `resolveConflict` (`conflict: 'manual'`). */
export interface PendingConflict {
  base: unknown;
  local: unknown;
  remote: RemoteDocument;
}

/** What the engine knows of one key. */
export interface KeySync {
  readonly key: string;
  /** Loaded or saved in this session: a pull refreshes it. */
  known: boolean;
  /** The outbox entry, as stored; `null` when there is none (nothing to push). */
  entry: OutboxEntry | null;
  /** The base record as last read or written (read afresh before each use; the page-close push uses this copy). */
  base: BaseRecord | null | undefined;
  /** A removal met a newer version: sent again against it. */
  removeAgainst: string | null;
  /**
   * Counts every local write starting or ending, and every copy stored. A
   * push or pull closes the outbox entry only if the count has not moved
   * since it read the local copy, and no write is running: a newer copy, or
   * one being written, still needs the entry (the page may close before it
   * could open it again).
   */
  writeEvents: number;
  writesRunning: number;
  /** The push loop running for this key, if any. */
  pushing: Promise<void> | null;
  /** Push once more when the running loop's try ends. */
  pushAgain: boolean;
  /** A push waiting out a backoff: its timer, and how many tries in a row failed. */
  retry: { timer: ReturnType<typeof setTimeout>; attempt: number } | null;
  conflict: PendingConflict | null;
  /**
   * 412s in a row with no push landing between them. Another device writing
   * as fast as this one merges is normal once; a run of them backs off, and
   * a long run is a server that never lets a push land.
   */
  conflictsInARow: number;
  /** Paths this device's last merge decided for its own value: said with the next push, so the other devices learn. */
  overrode: (string | number)[][] | null;
  /**
   * A push that landed whose new base the storage failed to store: `base`
   * stands for the stored record while that record is still the one the
   * push was made on (`over`, the version the stored copy of checksum
   * `checksum` went with), and is stored before anything else is pushed.
   * Merging on the older base would take this device's pushed values for
   * edits of its own, and set back what other devices wrote since.
   */
  landed: { base: Base; over: string | null; checksum: string } | null;
  /** The idempotency key of the unanswered push a pull last sent again before taking a remote copy in. */
  sentAgain?: string;
  /**
   * The last push that got no answer (a lost reply, a timeout, an error):
   * it may have landed. Before a newer copy is pushed, it is sent again as
   * it was (the server answers a repeat from its Idempotency-Key memory), so
   * what it brought becomes the base, not an edit of this device's. Kept
   * with the outbox entry too, for the next page.
   */
  unanswered?: Unanswered | null;
}

/** The engine's state: one `KeySync` per key, and what all keys share. */
export interface Sync {
  readonly port: SyncPort;
  /** Names this page in idempotency keys, `{clientId}:{seq}`. */
  readonly clientId: string;
  seq: number;
  readonly keys: Map<string, KeySync>;
  /** A push and a pull of one key never overlap: a push beside a merge being written would send the older copy on the merge's new base. */
  readonly turns: KeyedQueue;
  /** Waits between conflicting pushes, cancelled by `dispose()`. */
  readonly pauses: Set<{ timer: ReturnType<typeof setTimeout>; done: () => void }>;
  /** The outbox as the last session left it, read once (again after a failed read). */
  outboxRead: Promise<void> | undefined;
  disposed: boolean;
  /** Starts (or joins) the push loop of a key; wired by the engine. */
  push(key: string): Promise<void>;
}

export function keySync(s: Sync, key: string): KeySync {
  let ks = s.keys.get(key);
  if (!ks) {
    ks = {
      key,
      known: false,
      entry: null,
      base: undefined,
      removeAgainst: null,
      writeEvents: 0,
      writesRunning: 0,
      pushing: null,
      pushAgain: false,
      retry: null,
      conflict: null,
      conflictsInARow: 0,
      overrode: null,
      landed: null,
    };
    s.keys.set(key, ks);
  }
  return ks;
}

/** Whether the outbox entry may close, given `writeEvents` as it was before the local copy was read. */
export function mayClose(ks: KeySync, writeEventsBefore: number): boolean {
  return ks.writesRunning === 0 && ks.writeEvents === writeEventsBefore;
}

export function pause(s: Sync, ms: number): Promise<void> {
  return new Promise((done) => {
    const entry = { timer: setTimeout(() => (s.pauses.delete(entry), done()), ms), done };
    s.pauses.add(entry);
  });
}

export function createSync(port: SyncPort, push: Sync['push'] = () => Promise.resolve()): Sync {
  return {
    port,
    clientId: randomId(),
    seq: 0,
    keys: new Map(),
    turns: new KeyedQueue(),
    pauses: new Set(),
    outboxRead: undefined,
    disposed: false,
    push,
  };
}

function randomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID ? crypto.randomUUID() : `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}
