import type { Middleware, MiddlewareAPI } from '@reduxjs/toolkit';
import { prettifyError, safeEncode } from 'zod/v4/core';
import { checksum, migrate, storedChecksum, unwrap, wrap, type Envelope } from './envelope';
import { joinTabs, type CrossTab, type TabMessage } from './crossTab';
import { AutosaveError, isQuotaError, messageOf, toSaveError } from './errors';
import { DEFAULT_ID, INTERNAL_PREFIX, quarantinePrefix, storageKey } from './keys';
import { isDevelopment } from './dev';
import { readOptions, type CollectionConfig } from './options';
import { RetriesExhausted, withRetry } from './retry';
import { createSchedule, type SaveSchedule } from './scheduler';
import { where } from './roundTrip';
import { createStatusSlice } from './statusSlice';
import type { SyncContext } from './sync/context';
import type { SyncEngine } from './sync/engine';
import type {
  AutosaveInstance,
  AutosaveOptions,
  DisposeOptions,
  LoadResult,
  ValidationIssue,
} from './types';

/** What the instance knows of one stored document. */
interface Tracker {
  key: string;
  collection: CollectionConfig;
  /** The newest copy of the document seen in the state. */
  latest: unknown;
  /** The copy last written or restored: the document is dirty while `latest !== clean`. */
  clean: unknown;
  savedAt: number | null;
  schedule: SaveSchedule;
  /** Loads, saves and removals of one key run one after another, in order. */
  chain: Promise<unknown>;
  /** A save waiting in `chain`; callers asking for another share it. */
  queuedSave: Promise<AutosaveError | undefined> | null;
  /** `changed` was dispatched and no save has started since. */
  announced: boolean;
  /** The last save failed: the status shows an error until a save or an undo settles it. */
  failed: boolean;
  /**
   * A restore of this key is being dispatched: what the state now holds is
   * the stored copy (`'load'`), or a synced copy still to be written (`'sync'`).
   */
  restoring: 'load' | 'sync' | false;
  /** A load could not read or keep aside the stored copy: look before writing over it. */
  unverified: boolean;
  /**
   * Checksum of the stored copy this tab last wrote, loaded or took in from
   * another tab; `NOTHING_STORED` when a load found none; `undefined` when unknown.
   */
  storedChecksum: string | undefined;
  /** `purge()` removed this document: a save still queued writes nothing. */
  purged: boolean;
}

/** The collections whose options have an `id` function: their methods need the id. */
type CollectionsWithId<Documents> = {
  [K in keyof Documents]: Documents[K] extends { id: (...args: any[]) => unknown } ? K : never;
}[keyof Documents];

const noop = () => {};
/** `Tracker.storedChecksum` of a key a load found empty. */
const NOTHING_STORED = '';

/**
 * Creates the autosave for one store: a status slice to mount at
 * `reducerPath` and a middleware that saves the chosen documents.
 *
 * ```ts
 * const autosave = createAutosave({
 *   documents: {
 *     project: {
 *       select: (state: RootState) => state.project.current,
 *       schema: ProjectSchema,
 *       restore: projectSlice.actions.projectLoaded,
 *     },
 *   },
 * });
 * const store = configureStore({
 *   reducer: { project: projectReducer, [autosave.reducerPath]: autosave.reducer },
 *   middleware: (gDM) => gDM().concat(autosave.middleware),
 * });
 * await autosave.load('project');
 * ```
 */
export function createAutosave<
  T extends Record<string, unknown>,
  ReducerPath extends string = 'autosave',
  Documents extends AutosaveOptions<T, ReducerPath>['documents'] = AutosaveOptions<T, ReducerPath>['documents'],
>(
  options: AutosaveOptions<T, ReducerPath> & { documents: Documents },
): AutosaveInstance<T, ReducerPath, CollectionsWithId<Documents> & keyof T> {
  const config = readOptions(options);
  const { storage, retry, reducerPath } = config;
  const { slice, selectors } = createStatusSlice(
    reducerPath,
    config.collections.map((c) => c.name),
  );
  const { actions } = slice;
  const collections = new Map(config.collections.map((c) => [c.name, c]));
  const lastSelected: unknown[] = config.collections.map(() => undefined);
  const trackers = new Map<string, Tracker>();
  const sleeps = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void; reject: (error: unknown) => void }>();
  let api: MiddlewareAPI | undefined;
  /** Loaded on first use, and only with a remote, so apps without one never download it. */
  let syncEngine: Promise<SyncEngine> | undefined;
  let disposed = false;
  let unlisten = noop;
  let tabs: CrossTab | undefined;

  // Without onError, mistakes in the app's callbacks (a select that throws,
  // an id() that returns nothing) go to the console, as RTK's listener
  // middleware reports its listeners' errors; once per cause, so a hot path
  // cannot flood it. Save and load failures are on the status already.
  const logged = new Set<string>();
  function report(error: unknown): void {
    if (!config.onError) {
      if (error instanceof AutosaveError) return;
      const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (logged.has(cause) || logged.size >= 100) return;
      logged.add(cause);
      console.error('redux-autosave: a callback failed (pass `onError` to handle these yourself):', error);
      return;
    }
    try {
      config.onError(error);
    } catch (thrown) {
      // onError's own failure must not break a save; surface it the way an
      // uncaught error would, outside the pipeline.
      setTimeout(() => {
        throw thrown;
      }, 0);
    }
  }

  function dispatch(action: { type: string }): void {
    if (api && !disposed) api.dispatch(action);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        timer: setTimeout(() => {
          sleeps.delete(entry);
          resolve();
        }, ms),
        resolve,
        reject,
      };
      sleeps.add(entry);
    });
  }

  function trackerFor(collection: CollectionConfig, key: string): Tracker {
    let tracker = trackers.get(key);
    if (!tracker) {
      const created: Tracker = {
        key,
        collection,
        latest: undefined,
        clean: undefined,
        savedAt: null,
        schedule: createSchedule(collection.debounceMs, collection.maxWaitMs, () => {
          save(created).catch(noop);
        }),
        chain: Promise.resolve(),
        queuedSave: null,
        announced: false,
        failed: false,
        restoring: false,
        unverified: false,
        storedChecksum: undefined,
        purged: false,
      };
      trackers.set(key, (tracker = created));
    }
    return tracker;
  }

  function enqueue<R>(tracker: Tracker, task: () => Promise<R>): Promise<R> {
    const run = tracker.chain.then(task);
    tracker.chain = run.then(noop, noop);
    return run;
  }

  function keyOf(collection: CollectionConfig, document: unknown): string | undefined {
    if (!collection.id) return storageKey(collection.name, DEFAULT_ID);
    let id: unknown;
    try {
      id = collection.id(document);
    } catch (error) {
      report(error);
      return undefined;
    }
    if ((typeof id !== 'string' || id === '') && typeof id !== 'number') {
      report(
        new TypeError(
          `redux-autosave: \`documents.${collection.name}.id\` must return a non-empty string or a number, returned ${typeof id}`,
        ),
      );
      return undefined;
    }
    return storageKey(collection.name, id);
  }

  // The hot path: runs after every action. An action that changed no
  // document costs one select and one reference comparison per collection.
  function detectChanges(state: unknown): void {
    const list = config.collections;
    for (let i = 0; i < list.length; i++) {
      const collection = list[i];
      let document: unknown;
      try {
        document = collection.select(state);
      } catch (error) {
        report(error);
        continue;
      }
      if (document === lastSelected[i]) continue;
      lastSelected[i] = document;
      if (document === null || document === undefined) continue;
      const key = keyOf(collection, document);
      if (key === undefined) continue;
      const tracker = trackerFor(collection, key);
      if (document === tracker.latest) continue;
      tracker.latest = document;
      if (tracker.restoring) {
        if (tracker.restoring === 'load') tracker.clean = document;
      } else if (document !== tracker.clean || tracker.failed) {
        tracker.schedule.touch();
        if (!tracker.announced) {
          tracker.announced = true;
          dispatch(actions.changed({ key }));
        }
      }
    }
  }

  function fail(tracker: Tracker, error: AutosaveError): AutosaveError {
    tracker.announced = false;
    tracker.failed = true;
    dispatch(actions.failed({ key: tracker.key, error: toSaveError(error) }));
    report(error);
    return error;
  }

  function storageError(key: string, action: 'write' | 'read', error: unknown): AutosaveError {
    const cause = error instanceof RetriesExhausted ? error.lastError : error;
    if (cause instanceof AutosaveError) {
      // Raised inside an adapter (no storage here at all): give it the key.
      return cause.key === key
        ? cause
        : new AutosaveError(cause.code, cause.message, { key, cause, retryable: cause.retryable, issues: cause.issues });
    }
    const tries = error instanceof RetriesExhausted ? ` after ${error.attempts} ${error.attempts === 1 ? 'try' : 'tries'}` : '';
    const quota = isQuotaError(cause) ? 'storage quota exceeded: ' : '';
    return new AutosaveError(
      'storage',
      `redux-autosave: ${quota}could not ${action} ${key}${tries}: ${messageOf(cause)}`,
      { key, cause },
    );
  }

  /** Copies what is stored at the tracker's key to a quarantine key, once per distinct value. */
  async function keepAside(tracker: Tracker, stored: unknown): Promise<string> {
    let text: string;
    try {
      text = typeof stored === 'string' ? stored : JSON.stringify(stored) ?? String(stored);
    } catch {
      text = String(Date.now());
    }
    // Named by the value's checksum: keeping the same copy twice writes
    // nothing new. A different copy whose checksum collides takes the next
    // free suffix, so it never lands on an earlier one.
    const sum = checksum(text);
    const name = quarantinePrefix(tracker.key) + sum.slice(sum.indexOf(':') + 1);
    for (let n = 0; ; n++) {
      const aside = n === 0 ? name : `${name}-${n}`;
      const existing = await storage.getItem(aside);
      if (existing == null) {
        await storage.setItem(aside, stored);
        return aside;
      }
      if (sameText(existing, text)) return aside;
    }
  }

  async function write(tracker: Tracker): Promise<AutosaveError | undefined> {
    if (tracker.purged) return undefined;
    const document = tracker.latest;
    const { key } = tracker;
    if (document === tracker.clean || document === undefined) {
      // Changed and changed back (an undo, say): nothing new to write, but
      // the status must say the stored copy is current again.
      if (tracker.announced || tracker.failed) {
        tracker.announced = false;
        tracker.failed = false;
        dispatch(actions.saveSucceeded({ key, savedAt: tracker.savedAt ?? Date.now(), pending: false }));
      }
      return undefined;
    }
    return writeDocument(tracker, document);
  }

  /**
   * Checks and serializes a document for writing; the error when it must not
   * be written. `wire` is what is stored and pushed: the document itself, or
   * what its schema's codecs encode it to.
   */
  function prepare(tracker: Tracker, document: unknown): { json: string; wire: unknown } | AutosaveError {
    const { key, collection } = tracker;
    const checked = toWire(collection, document, `redux-autosave: ${key} is not valid, so it was not saved`, key);
    if (!checked.ok) return checked.error;
    const wire = checked.data;
    let json: string;
    try {
      json = JSON.stringify(wire);
    } catch (error) {
      return new AutosaveError('validation', `redux-autosave: ${key} cannot be serialized, so it was not saved: ${messageOf(error)}`, {
        key,
        cause: error,
        retryable: false,
      });
    }
    // Only the parts the schema leaves open can hold what JSON would change;
    // the check runs after stringify, which has proved the value acyclic.
    const problem = collection.roundTrip.check?.(wire);
    if (problem) {
      const message = `${problem.what} at ${where(problem.path)}, which JSON cannot carry`;
      return new AutosaveError(
        'validation',
        `redux-autosave: ${key} holds ${message}, so it was not saved (it would not load back as it is); store plain JSON values, or give that part a codec in the schema`,
        { key, retryable: false, issues: [{ code: 'not_json', path: problem.path, message: `${problem.what}, which JSON cannot carry` }] },
      );
    }
    const bytes = byteLength(json, config.maxDocumentBytes);
    if (bytes > config.maxDocumentBytes) {
      return new AutosaveError(
        'validation',
        `redux-autosave: ${key} is ${bytes} bytes serialized, over maxDocumentBytes (${config.maxDocumentBytes}); not saved`,
        { key, retryable: false },
      );
    }
    return { json, wire };
  }

  /** Validates and writes `document` as the stored copy of the tracker's key. */
  async function writeDocument(tracker: Tracker, document: unknown): Promise<AutosaveError | undefined> {
    const { key, collection } = tracker;
    let prepared = prepare(tracker, document);
    if (prepared instanceof AutosaveError) return fail(tracker, prepared);
    tracker.announced = false;
    dispatch(actions.saveStarted({ key }));
    let written: { savedAt: number; sum: string } | undefined;
    try {
      const engine = syncEngine && (await syncEngine);
      await withRetry(
        () =>
          tabs!.withLock(key, async () => {
            try {
              // With a remote, the outbox learns of the document before the
              // write: a tab closed between the two still pushes it after reload.
              if (engine) await engine.beforeWrite(key);
              if (tracker.unverified) {
                const stored = await storage.getItem(key);
                if (stored != null) await keepAside(tracker, stored);
                tracker.unverified = false;
              }
              // Another tab may have stored a copy this one has not seen yet:
              // take it in first, so this write never goes over it.
              if (config.crossTab && tracker.storedChecksum !== undefined) {
                const stored = await storage.getItem(key);
                // Only the checksum is read unless it differs: a document of
                // megabytes is not parsed again for every save.
                const theirs = storedChecksum(stored) === tracker.storedChecksum ? undefined : envelopeOf(tracker, stored);
                if (theirs && theirs.checksum !== tracker.storedChecksum) {
                  await absorb(tracker, theirs);
                  document = tracker.latest;
                  if (document === tracker.clean) return; // theirs already holds everything
                  prepared = prepare(tracker, document);
                  if (prepared instanceof AutosaveError) throw prepared;
                }
              }
              const { json, wire } = prepared as { json: string; wire: unknown };
              const savedAt = Date.now();
              const sum = checksum(json);
              await storage.setItem(key, wrap(wire, json, sum, collection.version, savedAt, storage.stringsOnly === true));
              written = { savedAt, sum };
            } finally {
              engine?.afterWrite(key);
            }
          }),
        retry,
        sleep,
      );
    } catch (error) {
      return fail(tracker, storageError(key, 'write', error));
    }
    if (!written) return undefined;
    tracker.clean = document;
    tracker.failed = false;
    tracker.savedAt = written.savedAt;
    tracker.storedChecksum = written.sum;
    clearJournal(key);
    tabs!.announce({ type: 'saved', key, checksum: written.sum });
    dispatch(
      actions.saveSucceeded({ key, savedAt: written.savedAt, pending: tracker.latest !== document, pendingSync: syncEngine !== undefined }),
    );
    return undefined;
  }

  /** The stored value as an envelope of this app's version, or `undefined`. */
  function envelopeOf(tracker: Tracker, stored: unknown): Envelope | undefined {
    if (stored === null || stored === undefined) return undefined;
    const unwrapped = unwrap(stored, tracker.key, tracker.collection.version);
    return unwrapped.ok && unwrapped.envelope.version === tracker.collection.version ? unwrapped.envelope : undefined;
  }

  /**
   * Takes in a copy another tab stored: restored when this tab has no edit of
   * its own, otherwise merged with the edit under the `conflict` strategy
   * (theirs playing "remote", the last copy both tabs agreed on the base).
   */
  async function absorb(tracker: Tracker, envelope: Envelope): Promise<void> {
    const { key, collection } = tracker;
    const theirs = validate(collection, envelope.data, `redux-autosave: ${key}: another tab stored a copy that is not valid`, key);
    if (!theirs.ok) return void report(theirs.error);
    tracker.storedChecksum = envelope.checksum;
    tracker.savedAt = envelope.savedAt;
    if (tracker.latest === undefined || tracker.latest === tracker.clean) {
      restoreInto(tracker, theirs.data, 'load');
      dispatch(actions.loaded({ key, savedAt: envelope.savedAt }));
      return;
    }
    const base = tracker.clean ?? null;
    let merged: unknown;
    try {
      const strategy = config.conflict;
      if (strategy === 'local') merged = tracker.latest;
      else if (strategy === 'remote') merged = theirs.data;
      else if (typeof strategy === 'function') merged = strategy({ base, local: tracker.latest, remote: theirs.data, key });
      else {
        // The merge is loaded only when two tabs' edits first meet; an edit
        // made while it loads is in `tracker.latest` when it runs.
        const { threeWayMerge } = await import('./sync/merge');
        merged = threeWayMerge(base, tracker.latest, theirs.data).merged;
      }
    } catch (error) {
      report(error);
      merged = tracker.latest;
    }
    if (!validate(collection, merged, '', key).ok) merged = tracker.latest;
    tracker.clean = theirs.data;
    restoreInto(tracker, merged, 'sync');
    if (tracker.latest !== tracker.clean) tracker.schedule.touch();
  }

  /**
   * Puts `document` into the state when its collection shows that key (or
   * none): a copy from elsewhere must not switch what the user is looking at.
   * `'load'` marks it as the stored copy; `'sync'` leaves it to be saved.
   */
  function restoreInto(tracker: Tracker, document: unknown, mode: 'load' | 'sync'): void {
    const { collection } = tracker;
    const shown = lastSelected[config.collections.indexOf(collection)];
    if (shown === null || shown === undefined || keyOf(collection, shown) === tracker.key) {
      tracker.restoring = mode;
      try {
        api!.dispatch(collection.restore(document));
      } catch (error) {
        report(error);
      } finally {
        tracker.restoring = false;
      }
    } else {
      tracker.latest = document;
      if (mode === 'load') tracker.clean = document;
    }
  }

  function onTabMessage(message: TabMessage): void {
    if (disposed || !api) return;
    if (message.type === 'synced') {
      syncEngine?.then((engine) => engine.syncedElsewhere(message.key, message.version), noop);
      return;
    }
    // The tab that pushes learns here of what the others saved.
    syncEngine?.then((engine) => engine.savedElsewhere(message.key), noop);
    const tracker = trackers.get(message.key);
    if (!tracker || tracker.latest === undefined || tracker.storedChecksum === message.checksum) return;
    enqueue(tracker, async () => {
      const theirs = envelopeOf(tracker, await storage.getItem(tracker.key));
      if (theirs && theirs.checksum !== tracker.storedChecksum) await absorb(tracker, theirs);
    }).catch(report);
  }

  function save(tracker: Tracker): Promise<AutosaveError | undefined> {
    tracker.schedule.cancel();
    return (tracker.queuedSave ??= enqueue(tracker, () => {
      tracker.queuedSave = null;
      return write(tracker);
    }));
  }

  async function quarantined(
    tracker: Tracker,
    stored: unknown,
    status: 'invalid' | 'corrupt',
    error: AutosaveError,
  ): Promise<LoadResult<never>> {
    let quarantineKey: string | null = null;
    try {
      quarantineKey = await withRetry(() => keepAside(tracker, stored), retry, sleep);
      tracker.unverified = false;
    } catch (asideError) {
      // The bad copy could not be kept aside: the next save tries again
      // before it writes over it.
      tracker.unverified = true;
      report(storageError(quarantinePrefix(tracker.key), 'write', asideError));
    }
    const where = quarantineKey
      ? `; the stored copy was kept aside at ${quarantineKey}`
      : '; the stored copy could not be kept aside yet and will be before anything is written over it';
    const kept = new AutosaveError(error.code, error.message + where, { key: tracker.key, issues: error.issues, cause: error });
    fail(tracker, kept);
    return { status, error: toSaveError(kept), quarantineKey };
  }

  async function read(tracker: Tracker): Promise<LoadResult<unknown>> {
    const { key, collection } = tracker;
    let stored: unknown;
    try {
      stored = await withRetry(() => storage.getItem(key), retry, sleep);
    } catch (error) {
      tracker.unverified = true;
      const failure = fail(tracker, storageError(key, 'read', error));
      return { status: 'error', error: toSaveError(failure) };
    }
    const journaled = replayJournal(tracker, stored);
    if (journaled) return journaled;
    if (stored === null || stored === undefined) {
      tracker.unverified = false;
      // Known to be absent: a copy another tab or process stores meanwhile
      // is taken in before this one's first write, not written over.
      tracker.storedChecksum = NOTHING_STORED;
      return { status: 'missing' };
    }
    const unwrapped = unwrap(stored, key, collection.version);
    if (!unwrapped.ok) {
      const error = new AutosaveError(unwrapped.code, `redux-autosave: ${unwrapped.message}`, { key });
      return quarantined(tracker, stored, unwrapped.code === 'corrupt' ? 'corrupt' : 'invalid', error);
    }
    const { envelope } = unwrapped;
    let data = envelope.data;
    try {
      data = migrate(data, envelope.version, collection.version, collection.migrations, key);
    } catch (error) {
      const failure =
        error instanceof AutosaveError ? error : new AutosaveError('migration', messageOf(error), { key, cause: error });
      return quarantined(tracker, stored, 'invalid', new AutosaveError('migration', `redux-autosave: ${failure.message}`, { key }));
    }
    const parsed = validate(collection, data, `redux-autosave: ${key}: the stored copy does not match the schema`, key);
    if (!parsed.ok) return quarantined(tracker, stored, 'invalid', parsed.error);
    tracker.unverified = false;
    const document = parsed.data;
    // An edit made while the load was reading is newer than the stored copy:
    // keep it, and let its save write over the stored one.
    if (tracker.latest !== tracker.clean) return { status: 'loaded', document, restored: false };
    tracker.restoring = 'load';
    try {
      api!.dispatch(collection.restore(document));
    } catch (error) {
      report(error);
      const failure = fail(
        tracker,
        new AutosaveError('validation', `redux-autosave: restoring ${key} threw: ${messageOf(error)}`, { key, cause: error }),
      );
      return { status: 'error', error: toSaveError(failure) };
    } finally {
      tracker.restoring = false;
    }
    tracker.savedAt = envelope.savedAt;
    tracker.storedChecksum = envelope.checksum;
    tracker.announced = false;
    dispatch(actions.loaded({ key, savedAt: envelope.savedAt }));
    return { status: 'loaded', document, restored: true };
  }

  // The page-close journal. A page that is going away runs no more tasks: an
  // IndexedDB write that waits for a lock, or for a microtask, may never
  // start. localStorage writes at once, so the last edits go there too, in
  // the handler itself, and the next load takes them if they are newer.
  const journalKey = (key: string) => `redux-autosave:journal:${storage.name ?? 'storage'}:${key}`;

  function localStore(): Storage | undefined {
    try {
      return (globalThis as { localStorage?: Storage }).localStorage;
    } catch {
      return undefined; // some private modes throw on access
    }
  }

  function writeJournal(): void {
    const journal = localStore();
    if (!journal) return;
    for (const tracker of trackers.values()) {
      if (tracker.latest === undefined || tracker.latest === tracker.clean) continue;
      const prepared = prepare(tracker, tracker.latest);
      if (prepared instanceof AutosaveError) continue;
      const sum = checksum(prepared.json);
      try {
        journal.setItem(journalKey(tracker.key), wrap(null, prepared.json, sum, tracker.collection.version, Date.now(), true) as string);
      } catch {
        // Full or refused: the flush started beside it is all there is.
      }
    }
  }

  /** Whether a stored key is this instance's: a document of its collections, or bookkeeping of one. */
  function isOwnKey(key: string): boolean {
    const documentKey = key.startsWith(INTERNAL_PREFIX) ? key.slice(key.indexOf('/', INTERNAL_PREFIX.length) + 1) : key;
    return collections.has(documentKey.slice(0, documentKey.indexOf(':')));
  }

  function clearJournals(): void {
    const journal = localStore();
    const prefix = journalKey('');
    try {
      const keys = journal ? Array.from({ length: journal.length }, (_, i) => journal.key(i)) : [];
      for (const key of keys) if (key?.startsWith(prefix) && isOwnKey(key.slice(prefix.length))) journal!.removeItem(key);
    } catch {
      // nothing to clear
    }
  }

  function clearJournal(key: string): void {
    try {
      localStore()?.removeItem(journalKey(key));
    } catch {
      // nothing to clear
    }
  }

  /** A journal entry newer than the stored copy is restored as an unsaved edit, and saved. */
  function replayJournal(tracker: Tracker, stored: unknown): LoadResult<unknown> | undefined {
    const journal = localStore();
    let text: string | null | undefined;
    try {
      text = journal?.getItem(journalKey(tracker.key));
    } catch {
      return undefined;
    }
    if (!text) return undefined;
    const entry = envelopeOf(tracker, text);
    const current = stored === null || stored === undefined ? undefined : envelopeOf(tracker, stored);
    const checked = entry && validate(tracker.collection, entry.data, '', tracker.key);
    if (!entry || !checked?.ok || (current && (current.savedAt > entry.savedAt || current.checksum === entry.checksum)) || tracker.latest !== tracker.clean) {
      clearJournal(tracker.key);
      return undefined;
    }
    tracker.storedChecksum = current?.checksum;
    tracker.restoring = 'sync';
    try {
      api!.dispatch(tracker.collection.restore(checked.data));
    } finally {
      tracker.restoring = false;
    }
    if (tracker.latest === undefined) tracker.latest = checked.data;
    tracker.schedule.touch();
    tracker.announced = true;
    dispatch(actions.changed({ key: tracker.key }));
    return { status: 'loaded', document: checked.data, restored: true };
  }

  function bind(store: MiddlewareAPI): void {
    if (api) {
      throw new Error(
        'redux-autosave: this autosave instance is already bound to a store; create one instance per store (call createAutosave inside your store factory for tests and SSR)',
      );
    }
    const state = store.getState() as Record<string, unknown> | undefined;
    if (state?.[reducerPath] === undefined) {
      throw new Error(
        `redux-autosave: the status reducer is not in the store; add \`[autosave.reducerPath]: autosave.reducer\` (state.${reducerPath}) to configureStore's reducer`,
      );
    }
    api = store;
    // Tabs of one origin sharing this storage: news of saves, locks for the
    // read-compare-write, and the choice of the one tab that pushes.
    tabs = joinTabs(
      `redux-autosave:${storage.name ?? 'storage'}`,
      onTabMessage,
      () => syncEngine?.then((engine) => engine.drain(), noop),
      config.crossTab,
      storage.lock,
    );
    // What the store starts with is clean: it is the app's initial state,
    // never a reason to write over a stored copy that has not been loaded.
    config.collections.forEach((collection, i) => {
      const document = safeSelect(collection, state);
      lastSelected[i] = document;
      if (document === null || document === undefined) return;
      const key = keyOf(collection, document);
      if (key === undefined) return;
      const tracker = trackerFor(collection, key);
      tracker.latest = tracker.clean = document;
    });
    unlisten = listenForPageHide((persisted) => {
      writeJournal();
      flush().catch(noop);
      // A page kept in the back-forward cache comes back: only a page that
      // really goes sends its last edits with a keepalive request.
      if (!persisted && syncEngine) {
        const dirty = [...trackers.values()].filter((t) => t.latest !== t.clean).map((t) => t.key);
        syncEngine.then((engine) => engine.finalPush(dirty), noop);
      }
    });
    if (config.remote) {
      const context = syncContext(config.remote);
      syncEngine = import('./sync/engine').then((sync) => sync.createSyncEngine(context));
      syncEngine.catch(report);
    }
  }

  function syncContext(remote: NonNullable<typeof config.remote>): SyncContext {
    return {
      storage,
      remote,
      conflict: config.conflict,
      retryDelays: config.retryDelays,
      actions,
      dispatch,
      report,
      tracker(key) {
        const collection = collections.get(key.slice(0, key.indexOf(':')));
        return collection && trackerFor(collection, key);
      },
      enqueue: (tracker, task) => enqueue(tracker as Tracker, task),
      validate: (tracker, wire) => fromRemote(tracker as Tracker, wire),
      toWire: (tracker, document) => toWire(tracker.collection, document, `redux-autosave: ${tracker.key} is not valid`, tracker.key),
      wireOf: (tracker, document) =>
        tracker.collection.roundTrip.encodes
          ? toWire(tracker.collection, document, `redux-autosave: ${tracker.key} is not valid`, tracker.key)
          : { ok: true, data: document },
      restore(tracker, document) {
        restoreInto(tracker as Tracker, document, 'sync');
        return tracker.latest;
      },
      leading: () => tabs!.leading,
      announce: (message) => tabs!.announce(message),
      writeDocument: (tracker, document) => writeDocument(tracker as Tracker, document),
    };
  }

  /** A copy from the remote: valid, decoded, and the document of this very key. */
  function fromRemote(tracker: Tracker, wire: unknown): Validated {
    const { key, collection } = tracker;
    const checked = validate(collection, wire, `redux-autosave: ${key} is not valid`, key);
    if (!checked.ok || !collection.id) return checked;
    let id: unknown;
    try {
      id = collection.id(checked.data);
    } catch (error) {
      id = `(id() threw: ${messageOf(error)})`;
    }
    const theirs = typeof id === 'string' || typeof id === 'number' ? storageKey(collection.name, id) : String(id);
    if (theirs === key) return checked;
    return {
      ok: false,
      error: new AutosaveError('remote', `redux-autosave: a copy for ${key} is the document ${JSON.stringify(theirs)}, not ${key}`, { key }),
    };
  }

  function safeSelect(collection: CollectionConfig, state: unknown): unknown {
    try {
      return collection.select(state);
    } catch (error) {
      report(error);
      return undefined;
    }
  }

  function ready(method: string): Error | undefined {
    if (disposed) return new Error(`redux-autosave: ${method}() was called after dispose()`);
    if (api) return undefined;
    // The reducer has seen actions: the store exists, without the middleware.
    return new Error(
      unbound.sawActions
        ? `redux-autosave: ${method}() was called, but autosave.middleware is not in the store that holds autosave.reducer; add it: configureStore({ …, middleware: (gDM) => gDM().concat(autosave.middleware) })`
        : `redux-autosave: ${method}() was called before the store was created, or on a store without autosave.middleware; add it: configureStore({ …, middleware: (gDM) => gDM().concat(autosave.middleware) })`,
    );
  }

  /**
   * The status reducer sees every action: seeing them while the middleware
   * never bound the instance means it was left out of the store, and every
   * edit would stay `idle` unsaved. Said once, in development builds.
   */
  const unbound = { sawActions: false, warned: false };
  const reducer: typeof slice.reducer = (state, action) => {
    if (!api && !action.type.startsWith('@@')) {
      unbound.sawActions = true;
      if (!unbound.warned && isDevelopment()) {
        unbound.warned = true;
        console.error(
          `redux-autosave: the store's reducer at state.${reducerPath} sees actions, but autosave.middleware is not in the store, so nothing is saved; add it: configureStore({ …, middleware: (gDM) => gDM().concat(autosave.middleware) })`,
        );
      }
    }
    return slice.reducer(state, action);
  };

  /** A document id left out where the collection has an `id` function: it would load `{collection}:default`. */
  function idFor(collection: CollectionConfig, id: string | number | undefined, method: string): string | number | undefined {
    if (id === undefined && collection.id && isDevelopment() && !missingIds.has(`${method}:${collection.name}`)) {
      missingIds.add(`${method}:${collection.name}`);
      console.error(
        `redux-autosave: ${method}(${JSON.stringify(collection.name)}) without an id means the document ${JSON.stringify(storageKey(collection.name, id))}, but \`documents.${collection.name}\` has an id function: pass the document's id`,
      );
    }
    return id;
  }
  const missingIds = new Set<string>();

  function collectionNamed(name: string, method: string): CollectionConfig {
    const collection = collections.get(name);
    if (!collection) {
      throw new TypeError(
        `redux-autosave: ${method}(): no collection named ${JSON.stringify(name)}; the collections are ${[...collections.keys()].join(', ')}`,
      );
    }
    return collection;
  }

  const loads = new Map<string, Promise<LoadResult<unknown>>>();

  async function loadDocument(tracker: Tracker): Promise<LoadResult<unknown>> {
    let result = await enqueue(tracker, () => read(tracker));
    if (syncEngine && result.status !== 'error') {
      // With a remote, the load waits for the pull (bounded by the remote's
      // timeout): a newer remote copy is restored, a missing local one taken.
      const engine = await syncEngine;
      await engine.afterLoad(tracker.key, config.remote!.timeoutMs ?? 15000);
      const document = tracker.latest;
      if (document !== undefined && (result.status === 'missing' || result.status === 'loaded')) {
        result = { status: 'loaded', document, restored: result.status === 'missing' || result.restored };
      }
    }
    const outcome = result.status === 'loaded' || result.status === 'missing' ? result.status : 'error';
    dispatch(actions.loadFinished({ key: tracker.key, outcome }));
    return result;
  }

  async function flush(): Promise<void> {
    const notReady = ready('flush');
    if (notReady) throw notReady;
    // "Now" includes writes waiting out a retry backoff: they try again at once.
    for (const pending of sleeps) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    sleeps.clear();
    const dirty = [...trackers.values()].filter(
      (t) => t.latest !== t.clean || t.schedule.scheduled || t.queuedSave !== null,
    );
    const errors = (await Promise.all(dirty.map(save))).filter((e): e is AutosaveError => e !== undefined);
    if (errors.length > 0) {
      throw new AggregateError(
        errors,
        `redux-autosave: ${errors.length} of ${dirty.length} documents could not be saved: ${errors
          .map((e) => `${e.key} (${e.code})`)
          .join(', ')}`,
      );
    }
  }

  const middleware: Middleware = (store) => {
    bind(store);
    return (next) => {
      const local = (action: unknown) => {
        const result = next(action);
        if (!disposed) detectChanges(store.getState());
        return result;
      };
      if (!syncEngine) return local;
      // The sync engine's listener middleware joins the chain once loaded;
      // what it misses before then is in the persisted outbox.
      let handle = local;
      syncEngine.then((engine) => {
        handle = engine.middleware(store)(local) as typeof local;
      }, noop);
      return (action) => handle(action);
    };
  };

  return {
    reducerPath: reducerPath as ReducerPath,
    reducer,
    middleware,
    actions,
    selectors,

    load(name: string, id?: string | number) {
      const notReady = ready('load');
      if (notReady) return Promise.reject(notReady);
      let collection: CollectionConfig;
      try {
        collection = collectionNamed(name, 'load');
      } catch (error) {
        return Promise.reject(error);
      }
      const key = storageKey(name, idFor(collection, id, 'load'));
      // One load per key at a time: a second caller (a gate mounted twice
      // under StrictMode, say) shares the running one.
      let running = loads.get(key);
      if (!running) {
        dispatch(actions.loadStarted({ key }));
        running = loadDocument(trackerFor(collection, key)).finally(() => loads.delete(key));
        loads.set(key, running);
      }
      return running as Promise<LoadResult<any>>;
    },

    async save(name: string, id?: string | number) {
      const notReady = ready('save');
      if (notReady) throw notReady;
      const collection = collectionNamed(name, 'save');
      const tracker = trackers.get(storageKey(name, idFor(collection, id, 'save')));
      if (!tracker) return;
      const error = await save(tracker);
      if (error) throw error;
    },

    flush,

    async remove(name: string, id?: string | number) {
      const notReady = ready('remove');
      if (notReady) throw notReady;
      const collection = collectionNamed(name, 'remove');
      const key = storageKey(name, idFor(collection, id, 'remove'));
      const tracker = trackerFor(collection, key);
      tracker.schedule.cancel();
      await enqueue(tracker, async () => {
        try {
          await withRetry(() => storage.removeItem(key), retry, sleep);
        } catch (error) {
          throw storageError(key, 'write', error);
        }
      });
      // The state may still hold the document: what it holds now counts as
      // clean, so only a new edit saves it again.
      if (trackers.get(key) === tracker) trackers.delete(key);
      clearJournal(key);
      if (syncEngine) await (await syncEngine).forget(key);
      dispatch(actions.removed({ key }));
    },

    async purge() {
      const notReady = ready('purge');
      if (notReady) throw notReady;
      // Nothing waiting is written after the purge: schedules stop, saves
      // queued behind a running one find their tracker purged, and the
      // running ones finish before anything is removed.
      const purged = [...trackers.values()];
      trackers.clear();
      for (const tracker of purged) {
        tracker.purged = true;
        tracker.schedule.cancel();
      }
      await Promise.all(purged.map((tracker) => tracker.chain));
      const keys = (await storage.keys()).filter(isOwnKey);
      try {
        await Promise.all(keys.map((key) => withRetry(() => storage.removeItem(key), retry, sleep)));
      } catch (error) {
        throw storageError('(purge)', 'write', error);
      }
      clearJournals();
      if (syncEngine) (await syncEngine).reset();
      dispatch(actions.purged());
    },

    async list(name) {
      const notReady = ready('list');
      if (notReady) throw notReady;
      collectionNamed(name, 'list');
      const prefix = `${name}:`;
      return (await storage.keys()).filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    },

    async exists(name: string, id?: string | number) {
      const notReady = ready('exists');
      if (notReady) throw notReady;
      const collection = collectionNamed(name, 'exists');
      return (await storage.getItem(storageKey(name, idFor(collection, id, 'exists')))) != null;
    },

    async resolveConflict(name, id, choice) {
      const notReady = ready('resolveConflict');
      if (notReady) throw notReady;
      collectionNamed(name, 'resolveConflict');
      if (!syncEngine) throw new Error('redux-autosave: resolveConflict() needs the `remote` option; there is nothing to conflict with');
      const engine = await syncEngine;
      await engine.resolveConflict(
        storageKey(name, id),
        choice === 'local' || choice === 'remote' || choice === 'merge'
          ? (choice as 'local' | 'remote' | 'merge')
          : { document: choice as unknown },
      );
    },

    async dispose({ flush: flushFirst = true }: DisposeOptions = {}) {
      if (disposed) return;
      try {
        if (flushFirst && api) await flush();
      } finally {
        disposed = true;
        unlisten();
        tabs?.close();
        syncEngine?.then((engine) => engine.dispose(), noop);
        for (const tracker of trackers.values()) tracker.schedule.cancel();
        for (const pending of sleeps) {
          clearTimeout(pending.timer);
          pending.reject(new AutosaveError('storage', 'redux-autosave: disposed before the retry', { retryable: false }));
        }
        sleeps.clear();
      }
    },
  };
}

function sameText(stored: unknown, text: string): boolean {
  try {
    return (typeof stored === 'string' ? stored : JSON.stringify(stored)) === text;
  } catch {
    return false;
  }
}

type Validated = { ok: true; data: unknown } | { ok: false; error: AutosaveError };

/**
 * Checks a document of the state and gives what is stored of it: the
 * document itself, or, when the schema holds codecs, what they encode it to
 * (a load decodes it back).
 */
function toWire(collection: CollectionConfig, document: unknown, failure: string, key: string): Validated {
  if (!collection.roundTrip.encodes) {
    const checked = validate(collection, document, failure, key);
    return checked.ok ? { ok: true, data: document } : checked;
  }
  return runSchema(() => safeEncode(collection.schema, document) as SchemaResult, failure, key);
}

/** Runs the schema; a refinement that throws counts as a failed validation, not a crash. */
function validate(collection: CollectionConfig, value: unknown, failure: string, key: string): Validated {
  return runSchema(() => collection.schema.safeParse(value), failure, key);
}

type SchemaResult = ReturnType<CollectionConfig['schema']['safeParse']>;

function runSchema(run: () => SchemaResult, failure: string, key: string): Validated {
  let parsed: SchemaResult;
  try {
    parsed = run();
  } catch (error) {
    return { ok: false, error: new AutosaveError('validation', `${failure}: the schema threw: ${messageOf(error)}`, { key, cause: error }) };
  }
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    error: new AutosaveError('validation', `${failure}:\n${prettify(parsed.error)}`, { key, issues: plainIssues(parsed.error.issues) }),
  };
}

function plainIssues(issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[]): ValidationIssue[] {
  return issues.map((issue) => ({
    code: issue.code,
    path: issue.path.map((part) => (typeof part === 'number' ? part : String(part))),
    message: issue.message,
  }));
}

function prettify(error: { issues: readonly unknown[] }): string {
  try {
    return prettifyError(error as Parameters<typeof prettifyError>[0]);
  } catch {
    return plainIssues(error.issues as Parameters<typeof plainIssues>[0])
      .map((issue) => `✖ ${issue.message} at ${issue.path.join('.') || '(root)'}`)
      .join('\n');
  }
}

// UTF-8 size without encoding in the common case: a string of n UTF-16 units
// takes at most 3n bytes, so only a document near the limit is measured.
function byteLength(json: string, limit: number): number {
  if (json.length * 3 <= limit) return json.length;
  return new TextEncoder().encode(json).length;
}

// Saves before the page goes away: `visibilitychange` to hidden is the last
// event a mobile browser reliably fires, `pagehide` covers desktop closes and
// the back-forward cache.
function listenForPageHide(onHide: (persisted: boolean) => void): () => void {
  const doc = typeof document === 'undefined' ? undefined : document;
  const win = typeof window === 'undefined' ? undefined : window;
  if (!doc?.addEventListener || !win?.addEventListener) return noop;
  const onVisibility = () => {
    if (doc.visibilityState === 'hidden') onHide(false);
  };
  const onPageHide = (event: Event) => onHide((event as PageTransitionEvent).persisted === true);
  doc.addEventListener('visibilitychange', onVisibility);
  win.addEventListener('pagehide', onPageHide);
  return () => {
    doc.removeEventListener('visibilitychange', onVisibility);
    win.removeEventListener('pagehide', onPageHide);
  };
}
