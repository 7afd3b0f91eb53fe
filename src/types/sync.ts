// The one port between the local autosave (src/core) and the sync engine
// (src/sync, loaded with `import()` only when there is a remote). Neither
// side imports the other: both are written against these interfaces.
import type { AutosaveError } from '../errors';
import type { TabMessage } from '../crossTab';
import type { AutosaveStorage, ConflictStrategy } from './options';
import type { RemoteAdapter } from './remote';
import type { AutosaveActions } from './status';

/** A copy checked by the schema: `data` in the state's form, or the error. */
export type Checked = { ok: true; data: unknown } | { ok: false; error: AutosaveError };

/** A stored copy, unwrapped: the document in its stored (wire) form. */
export interface StoredCopy {
  data: unknown;
  checksum: string;
}

/** What `applyRemote` did; `stale`: nothing, the stored copy moved since `basedOn` was read, and the copy is to be made again from it. */
export type Applied = { ok: true; based: boolean } | { ok: false; error: AutosaveError; shown: boolean } | { ok: false; stale: true };

/** What the core gives the engine. Keys are storage keys, `{collection}:{id}`. */
export interface SyncPort {
  storage: AutosaveStorage;
  remote: RemoteAdapter;
  conflict: ConflictStrategy;
  retryDelays: { baseDelayMs: number; maxDelayMs: number };
  actions: AutosaveActions;
  dispatch(action: { type: string }): void;
  report(error: unknown): void;
  /** Whether `key` belongs to a collection of this instance. */
  has(key: string): boolean;
  /** The stored copy of `key`; `undefined` when there is none. Throws when it cannot be read soundly. */
  readStored(key: string): Promise<StoredCopy | undefined>;
  /** A copy in wire form (the remote's, a merge's): valid, decoded, and the document of `key`. */
  decode(key: string, wire: unknown): Checked;
  /**
   * A document of the state's form (the app's choice in `resolveConflict`)
   * in wire form: as it is without codecs, encoded otherwise.
   */
  toWire(key: string, document: unknown): Checked;
  /** The state's copy of `key` in wire form, validated as a save would; `undefined` when the state has none. */
  current(key: string): Checked | undefined;
  /** Whether the state holds an edit of `key` that storage does not have yet. */
  hasUnsavedEdit(key: string): boolean;
  /**
   * Makes `copy` (wire form) the local copy of `key`, in the document's
   * queue: merged with an unsaved edit, restored into the state, written.
   * A copy stored since `basedOn` was read is merged in with `fold` (an
   * answer the user gave to a conflict shown earlier stands); without it,
   * nothing is applied and `stale` says so: another tab may have stored it
   * on another remote base, and what it took from there would count as its
   * edits. `shown` tells whether
   * the status already shows an error (a failed write) or not (a copy that
   * could not be merged or decoded: the engine reports it). `base` (the
   * engine's, opaque here) goes with every write of the document from now
   * until one succeeds: `beforeStore` before it, `stored` after.
   */
  applyRemote(key: string, copy: unknown, basedOn: unknown, reason: 'before-remote' | 'before-merge', base: unknown, fold: boolean): Promise<Applied>;
  /** True while this tab is the one that pushes (always, where Web Locks are missing). */
  leading(): boolean;
  announce(message: TabMessage): void;
}

/** What the engine gives the core. */
export interface SyncEngine {
  /** A local write of `key` begins: the outbox learns of it first, so a closed tab still pushes after reload. */
  beginWrite(key: string): Promise<void>;
  /** That write is over, written or not (once per `beginWrite`). */
  endWrite(key: string): void;
  /**
   * A copy of `key` made from a remote copy taken in (`base`, as given to
   * `applyRemote`) is about to be stored with checksum `checksum`: the base
   * goes with it, so a page closed right after the write still pushes it on
   * that base.
   */
  beforeStore(key: string, base: unknown, checksum: string): Promise<void>;
  /** `key`'s stored copy is the state's (a write, or an edit undone): push it when it differs from the remote's. `base` as for `beforeStore`. */
  stored(key: string, base?: unknown): void;
  /** After `load` restored (or missed) the local copy: reconcile with the remote, waiting at most `timeoutMs`. */
  afterLoad(key: string, timeoutMs: number): Promise<void>;
  resolveConflict(key: string, choice: 'local' | 'remote' | 'merge' | { document: unknown }): Promise<void>;
  /**
   * `remove()`: runs `removeLocal` once no push or pull of `key` is under
   * way (none then writes the document back), then the remote's copy goes
   * too (through the outbox); without `remote.remove`, only the bookkeeping.
   */
  forget(key: string, removeLocal: () => Promise<void>): Promise<void>;
  /** The keys the remote holds that begin with `prefix`. */
  listRemote(prefix: string): Promise<string[]>;
  /** `purge()` removed everything: forget what memory holds. */
  reset(): void;
  /** `actions.syncNow()`: push what waits, pull what others changed. */
  syncNow(): void;
  /** This tab now pushes for all: push what the outbox holds. */
  drain(): void;
  /** Another tab saved `key`: the tab that pushes sends it. */
  savedElsewhere(key: string): void;
  /**
   * This tab took in a copy another tab stored: it is pushed (by the tab that
   * pushes), and said synced at once if it is the remote's copy already.
   */
  adopted(key: string): void;
  /** Another tab pushed `key` at `version`. */
  syncedElsewhere(key: string, version: string): void;
  /** The page goes away: send what is not pushed yet, with keepalive requests. */
  finalPush(dirtyKeys: string[]): void;
  dispose(): void;
}
