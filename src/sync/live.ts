import { RemoteError, messageOf } from '../errors';
import { backoffDelay } from '../retry';
import type { RemoteChange, WatchEnd } from '../types/remote';
import { pull } from './pull';
import type { Base, BaseRecord, Sync } from './state';

/**
 * Where the page's watch of the remote's changes is:
 * - `idle`: not watching now (another tab leads, the page is hidden or offline);
 * - `waiting`: a backoff before connecting again;
 * - `connecting`: asked, no `hello` yet;
 * - `open`: the remote said `hello`; changes arrive;
 * - `ended`: for good (disposed, refused, or a remote without live changes).
 */
export type LivePhase = 'idle' | 'waiting' | 'connecting' | 'open' | 'ended';

/** What the page knows of its stream of changes. */
export interface Live {
  readonly s: Sync;
  phase: LivePhase;
  /** The last cursor taken in: the next connection resumes after it (`Last-Event-ID`). */
  cursor: string | undefined;
  /** Connections in a row that failed, or ended before they were healthy: the backoff's attempt. */
  failures: number;
  /** Closes the connection under way (connecting or open). */
  controller: AbortController | null;
  /** The backoff's timer (waiting). */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Pulls the stream asked for, per key: one running, and at most one more after it (for `version`, the newest heard of). */
  readonly pulls: Map<string, { again: boolean; version: string | undefined }>;
  /** An event that was not the protocol's was reported: the next ones are only ignored. */
  toldInvalid: boolean;
  unlisten: () => void;
}

/** A stream open this long was healthy: its end resets the backoff, and it is opened again at once. */
export const HEALTHY_MS = 10_000;

/** Starts watching when the page may: it leads, is shown, is online. */
export function startLive(s: Sync): Live {
  const live: Live = { s, phase: 'idle', cursor: undefined, failures: 0, controller: null, timer: undefined, pulls: new Map(), toldInvalid: false, unlisten: () => {} };
  live.unlisten = listenForPage(live);
  reconsider(live);
  return live;
}

/** Connects or disconnects as the page now allows (called on every change of leader, visibility, network). */
export function reconsider(live: Live): void {
  if (live.phase === 'ended') return;
  if (!mayWatch(live.s)) return halt(live, 'idle');
  if (live.phase === 'idle') void connect(live);
}

/** Closes the stream for good (dispose). */
export function endLive(live: Live): void {
  halt(live, 'ended');
  live.unlisten();
}

function halt(live: Live, phase: 'idle' | 'ended'): void {
  clearTimeout(live.timer);
  live.controller?.abort();
  live.controller = null;
  live.phase = phase;
}

function mayWatch(s: Sync): boolean {
  const doc = (globalThis as { document?: { visibilityState?: string } }).document;
  const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
  return !s.disposed && s.port.leading() && doc?.visibilityState !== 'hidden' && nav?.onLine !== false;
}

async function connect(live: Live): Promise<void> {
  const { s } = live;
  const controller = new AbortController();
  const current = () => live.controller === controller;
  live.controller = controller;
  live.phase = 'connecting';
  const resuming = live.cursor !== undefined;
  let helloCursor: string | undefined;
  let openedAt: number | undefined;
  // A stream that never says hello is dropped and tried again: it may be a
  // proxy holding the request, and changes would never come.
  const helloMs = s.port.remote.timeoutMs ?? 15_000;
  let helloMissed = false;
  const helloTimer = setTimeout(() => ((helloMissed = true), controller.abort()), helloMs);
  let end: WatchEnd;
  try {
    end = await s.port.remote.watch!({
      after: live.cursor,
      signal: controller.signal,
      hello(cursor) {
        if (!current() || openedAt !== undefined) return;
        clearTimeout(helloTimer);
        live.phase = 'open';
        openedAt = Date.now();
        helloCursor = cursor;
        // Subscribed first, then pulled: nothing written after `cursor` is missed.
        if (!resuming) {
          live.cursor = cursor;
          pullKnown(live);
        }
      },
      change(change, cursor) {
        if (!current()) return;
        if (cursor !== undefined) live.cursor = cursor;
        changed(live, change);
      },
      reset(cursor) {
        if (!current()) return;
        live.cursor = cursor ?? helloCursor;
        pullKnown(live);
      },
      invalid(reason) {
        if (!current() || live.toldInvalid) return;
        live.toldInvalid = true;
        s.port.report(new RemoteError(`redux-autosave: the stream of live changes sent ${reason}; such events are ignored`, {}));
      },
    });
  } catch (error) {
    // A RemoteAdapter's own watch() that throws rather than resolving a failure.
    end = { status: 'failed', error: new RemoteError(`redux-autosave: watching for live changes failed: ${messageOf(error)}`, { cause: error, retryable: true }) };
  }
  clearTimeout(helloTimer);
  if (helloMissed && live.controller === controller) {
    end = { status: 'failed', error: new RemoteError(`redux-autosave: the stream of live changes said no hello within ${helloMs} ms`, { retryable: true }) };
  } else if (!current()) return; // closed on purpose: hidden, offline, another connection, dispose
  live.controller = null;
  afterEnd(live, end, openedAt !== undefined && Date.now() - openedAt >= HEALTHY_MS, resuming);
}

function afterEnd(live: Live, end: WatchEnd, healthy: boolean, resumed: boolean): void {
  if (end.status === 'unsupported') return void (live.phase = 'ended'); // quietly: nothing to watch there
  // A cursor the server does not take (another server behind the URL, its
  // store replaced): start afresh, which pulls every known document.
  const cursorRefused = end.status === 'failed' && end.error.status === 400 && resumed;
  if (cursorRefused) live.cursor = undefined;
  else if (end.status === 'failed' && !end.error.retryable) {
    // Refused (a 401 after onUnauthorized, a 403): reconnecting cannot help.
    live.phase = 'ended';
    live.s.port.report(end.error);
    return;
  }
  if (healthy) live.failures = 0;
  const { baseDelayMs, maxDelayMs } = live.s.port.retryDelays;
  // A healthy stream the server closed (its maxStreamMs) opens again at once, with fresh headers.
  const delay = healthy && end.status === 'ended' ? 0 : backoffDelay(++live.failures, baseDelayMs, maxDelayMs);
  const atLeast = end.status === 'failed' ? (end.error.retryAfterMs ?? 0) : 0;
  live.phase = 'waiting';
  live.timer = setTimeout(() => {
    live.phase = 'idle';
    reconsider(live);
  }, Math.max(delay, atLeast));
}

/** A change on the remote: pulled when the page has the key and not yet that version, and it was not this page's own write. */
function changed(live: Live, change: RemoteChange): void {
  const { s } = live;
  if (change.client === s.clientId || !s.port.has(change.key)) return;
  const ks = s.keys.get(change.key);
  // Only documents this page loaded or saved: a flood of new keys costs nothing.
  if (!ks?.known) return;
  if (holds(ks.base, change.version)) return;
  pullSoon(live, change.key, change.version);
}

const holds = (base: Base | null | undefined, version: string | undefined) =>
  version !== undefined && !!base && (base.version === version || (base as BaseRecord).next?.version === version);

function pullKnown(live: Live): void {
  for (const ks of live.s.keys.values()) if (ks.known) pullSoon(live, ks.key);
}

/**
 * One pull per key at a time, and at most one more after it: a burst of
 * events for a key (10,000 in a second) costs two pulls, and the second
 * still sees the last of them.
 */
function pullSoon(live: Live, key: string, version?: string): void {
  const running = live.pulls.get(key);
  if (running) {
    running.again = true;
    running.version = version;
    return;
  }
  const turn = { again: false, version };
  live.pulls.set(key, turn);
  void (async () => {
    do {
      turn.again = false;
      await pull(live.s, key);
      // The pull may have brought the newest version heard of already: no second pull then.
    } while (turn.again && !live.s.disposed && !holds(live.s.keys.get(key)?.base, turn.version));
    live.pulls.delete(key);
  })();
}

// Hidden: closed (a background tab holds no connection); shown or online
// again: reopened, resuming after the last cursor. Offline: closed.
function listenForPage(live: Live): () => void {
  const win = (globalThis as { window?: Window }).window;
  const doc = (globalThis as { document?: Document }).document;
  if (!win?.addEventListener || !doc?.addEventListener) return () => {};
  const onChange = () => reconsider(live);
  const onOnline = () => {
    live.failures = 0;
    if (live.phase === 'waiting') halt(live, 'idle');
    reconsider(live);
  };
  win.addEventListener('online', onOnline);
  win.addEventListener('offline', onChange);
  doc.addEventListener('visibilitychange', onChange);
  return () => {
    win.removeEventListener('online', onOnline);
    win.removeEventListener('offline', onChange);
    doc.removeEventListener('visibilitychange', onChange);
  };
}
