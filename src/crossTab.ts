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

/**
 * Joins the tabs that share a storage: a BroadcastChannel for news of saves,
 * Web Locks for writes and for choosing the one tab that pushes. `onLeader`
 * runs when this tab becomes that tab (at once where Web Locks are missing:
 * then every tab pushes, and If-Match with Idempotency-Key keep it correct).
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
      channel?.close();
      resign.abort();
      release();
      leading = false;
    },
  };
}
