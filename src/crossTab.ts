import { KeyedQueue } from './util/keyedQueue';

/**
 * What tabs of one origin tell each other about the documents they share.
 * `protocol` names the release's language: earlier releases sent none (1).
 */
export type TabMessage = ({ type: 'saved'; key: string; checksum: string } | { type: 'synced'; key: string; version: string }) & {
  protocol?: number;
};

/** The protocol of tab messages this release speaks. */
export const TAB_PROTOCOL = 2;

interface LockManagerLike {
  request<R>(name: string, callback: () => Promise<R>): Promise<R>;
  request<R>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<R>): Promise<R>;
}

export interface CrossTab {
  /**
   * Runs `task` holding the lock on `key`: a Web Lock shared by every tab of
   * the origin, or, where Web Locks are missing, a queue within this page.
   */
  withLock<R>(key: string, task: () => Promise<R>): Promise<R>;
  announce(message: TabMessage): void;
  /** True while this tab is the one that pushes to the remote. */
  readonly leading: boolean;
  close(): void;
}

// The fallback lock: one queue per name for the whole page, so several
// stores in one page (and tests) still take turns.
const pageLocks = new KeyedQueue();

function lockManager(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
}

/** Where Web Locks are missing: the instances of this realm waiting to lead, per name, the leader first. */
const candidates = new Map<string, Array<() => void>>();

/**
 * Joins the tabs that share a storage: a BroadcastChannel for news of saves,
 * Web Locks for writes and for choosing the one tab that pushes. `onLeader`
 * runs when this tab becomes that tab. Where Web Locks are missing, the
 * instances of one realm choose among themselves; separate processes each
 * lead (If-Match with Idempotency-Key keep that correct, and their storage
 * lock keeps writes apart).
 */
export function joinTabs(
  name: string,
  onMessage: (message: TabMessage) => void,
  onLeader: () => void,
  enabled: boolean,
  storageLock?: <R>(key: string, task: () => Promise<R>) => Promise<R>,
): CrossTab {
  const locks = enabled ? lockManager() : undefined;
  const channel = enabled && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(name) : undefined;
  if (channel) {
    channel.onmessage = (event: MessageEvent<TabMessage>) => onMessage(event.data);
    // Node's channel would keep the process alive; a browser's has no unref.
    (channel as { unref?: () => void }).unref?.();
  }
  let leading = !locks;
  let closed = false;
  const resign = new AbortController();
  let release = () => {};
  if (locks) {
    // Held for the tab's life: the browser hands it to another tab when this
    // one closes, so exactly one tab at a time leads.
    locks
      .request(`${name}:leader`, { signal: resign.signal }, () => {
        leading = true;
        onLeader();
        return new Promise<void>((resolve) => (release = resolve));
      })
      .catch(() => {});
  } else if (enabled) {
    // No Web Locks (Node, old browsers): the instances of this realm that
    // share the storage still choose one, the first to join, and hand over
    // on close. Realms that cannot see each other each lead.
    leading = false;
    const becomeLeader = () => {
      if (closed) return;
      leading = true;
      onLeader();
    };
    const queue = candidates.get(name) ?? [];
    candidates.set(name, queue);
    queue.push(becomeLeader);
    if (queue.length === 1) queueMicrotask(becomeLeader);
    release = () => {
      const at = queue.indexOf(becomeLeader);
      if (at !== -1) queue.splice(at, 1);
      if (queue.length === 0) candidates.delete(name);
      else if (at === 0) queueMicrotask(queue[0]);
    };
  } else {
    queueMicrotask(onLeader);
  }
  return {
    withLock(key, task) {
      if (!enabled) return task();
      // A storage shared by processes (fileStorage) locks for them; within
      // this page its turns are taken in the queue first, so they never poll.
      if (storageLock) return pageLocks.run(`${name}:${key}`, () => storageLock(key, task));
      return locks ? locks.request(`${name}:${key}`, task) : pageLocks.run(`${name}:${key}`, task);
    },
    announce(message) {
      channel?.postMessage({ ...message, protocol: TAB_PROTOCOL });
    },
    get leading() {
      return leading;
    },
    close() {
      closed = true;
      channel?.close();
      resign.abort();
      release();
      leading = false;
    },
  };
}
