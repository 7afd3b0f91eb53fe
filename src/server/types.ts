/**
 * The storage behind the sync server. One interface for every store — memory,
 * files, Postgres, Redis — so the handler never knows which it runs on.
 *
 * Every operation takes the `space` (the user id `authorize` returned) apart
 * from the `key`: a store keeps it in a field, a column or a hash tag of its
 * own, never glued to the key, so no user id or key can reach another space.
 *
 * ```ts
 * const store: SyncStore = fileStore('./.sync-data');
 * const result = await store.write({
 *   space: 'user-1', key: 'project:p1',
 *   precondition: { ifNoneMatch: ['*'] },
 *   change: { kind: 'put', text: '{"title":"Pilot"}' },
 * });
 * if (result.status === 'written') console.log(result.version); // "1-9f2c1a7e03b4"
 * ```
 */
export interface SyncStore {
  /** The current copy of a document, a tombstone (`text: null`) after a delete, or `null`. */
  get(space: string, key: string): Promise<StoredDocument | null>;
  /**
   * The one atomic step of every change: idempotency lookup, precondition,
   * quota, the new copy, the idempotency record and the space's next cursor,
   * applied together or not at all. Expected failures come back as values.
   */
  write(request: WriteRequest): Promise<WriteResult>;
  /** The space's live documents whose key starts with `prefix`, in key order, after `after`. */
  list(space: string, options: ListOptions): Promise<ListPage>;
  /**
   * What changed in the space after `after` (a cursor): the latest change of
   * each key, in cursor order. `reset` when `after` is older than the
   * store's retention (or from another life of the store): pull everything.
   */
  changes(space: string, after: number, limit: number): Promise<ChangesPage>;
  /**
   * Calls `wake` after each change to `space`, with no data: the watcher then
   * reads `changes()`. Across processes this is LISTEN/NOTIFY or a stream; a
   * lost wake-up costs latency, never a change. Returns the unsubscribe,
   * with `ready` when the subscription takes a while to reach the database
   * (changes written before it are then read, not waited for).
   */
  watch?(space: string, wake: () => void): (() => void) & { ready?: Promise<void> };
  /** Live documents and their bytes (UTF-8 of the stored text), for quotas. */
  usage(space: string): Promise<SpaceUsage>;
  /** How long tombstones (and so cursors) are kept, for `_capabilities`. */
  readonly retentionMs: number;
  /** Finishes writes under way, then releases files, locks and connections. */
  close(): Promise<void>;
}

/** A JSON path, as the client's `mergeConflicts` lists them: `['shots', 2, 'prompt']`. */
export type JsonPath = (string | number)[];

export interface StoredDocument {
  key: string;
  /** `"<counter>-<random>"`, assigned by the store; never issued twice. */
  version: string;
  /** The document's JSON text exactly as it was sent; `null` for a tombstone. */
  text: string | null;
  /** The paths the writer's merge took its own side on, when it said so. */
  overrode: JsonPath[] | null;
  /** The space's cursor this version was written at. */
  cursor: number;
  /** When the store wrote it (ms since the epoch). */
  updatedAt: number;
}

/**
 * The request's precondition, as sent: `If-Match` versions or `If-None-Match`
 * versions, `'*'` meaning any existing document. A tombstone is no document
 * for `'*'`, but `If-Match` with its exact version revives it on purpose.
 */
export type Precondition = { ifMatch: string[] } | { ifNoneMatch: string[] };

export type Change =
  /** The whole new document, as JSON text. */
  | { kind: 'put'; text: string; overrode?: JsonPath[] | null }
  /**
   * A copy computed from exactly the current one, inside the step (a JSON
   * Patch): `produce` sees the copy the precondition was checked against.
   */
  | { kind: 'derive'; produce: (current: StoredDocument) => Produced; overrode?: JsonPath[] | null }
  /** A tombstone: a later `get` finds `text: null`, `list` skips it, `changes` reports `deleted`. */
  | { kind: 'delete' };

export type Produced = { status: 'ok'; text: string } | { status: 'refused'; detail: unknown };

export interface WriteRequest {
  space: string;
  key: string;
  precondition: Precondition;
  change: Change;
  /** Recorded with the write; a later write with the same key replays its answer. */
  idempotency?: { key: string; fingerprint: string };
  /** Refused as `over-quota` when the write would take the space past either. */
  limits?: { maxBytes?: number; maxDocuments?: number };
  /** The writer's `X-Autosave-Client` id, kept with the change: a client skips the events of its own writes. */
  client?: string;
}

/** What a replay answers: the first answer of a write that was applied. */
export interface IdempotentAnswer {
  version: string;
  deleted?: true;
}

export type WriteResult =
  | { status: 'written'; version: string; cursor: number; deleted?: true }
  | { status: 'replayed'; answer: IdempotentAnswer }
  /** The Idempotency-Key was used for a request with another body. */
  | { status: 'key-reused' }
  /** The precondition did not hold: `current` is the copy it was checked against. */
  | { status: 'precondition-failed'; current: StoredDocument | null }
  /** A `derive` change refused the current copy. */
  | { status: 'refused'; detail: unknown }
  | { status: 'over-quota'; usage: SpaceUsage; limit: 'bytes' | 'documents' };

export interface ListOptions {
  prefix: string;
  /** Continue after this key (the previous page's `next`). */
  after?: string;
  limit: number;
}

export interface ListPage {
  items: { key: string; version: string; bytes: number; updatedAt: number }[];
  /** Present when there may be more: pass it as `after`. */
  next?: string;
}

export interface ChangeEntry {
  cursor: number;
  key: string;
  version: string;
  deleted?: true;
  /** The `X-Autosave-Client` id the write came with, when it came with one. */
  client?: string;
}

export type ChangesPage =
  | { status: 'changes'; changes: ChangeEntry[]; cursor: number }
  | { status: 'reset'; cursor: number };

export interface SpaceUsage {
  bytes: number;
  documents: number;
}

/** How long and how many idempotency records a store keeps per space. */
export interface IdempotencyRetention {
  /** @default 86_400_000 (a day) */
  maxAgeMs?: number;
  /** A client retries its latest pushes; a forgotten key's retry is a 412, never a second write. @default 1000 */
  maxPerSpace?: number;
}

/** Options every embedded store takes. */
export interface StoreOptions {
  /**
   * How long a tombstone is kept: a client whose cursor is older is told to
   * pull everything (`reset`).
   * @default 2_592_000_000 (30 days)
   */
  retentionMs?: number;
  idempotency?: IdempotencyRetention;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}
