import type * as Pg from 'pg';
import type { Watchers } from '../serialize';

export interface Listener {
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * One connection of its own, outside the pool, that LISTENs for the
 * schema's channel and wakes this process's watchers of the space named in
 * each notification. A pooled connection would stop listening as soon as it
 * went back to the pool. `ready` resolves once it listens. When the
 * connection drops it comes back with backoff, and then wakes every watcher:
 * what was announced meanwhile was heard by no one, so each reads again.
 */
export function startListener(pg: typeof Pg, config: Pg.ClientConfig, channel: string, watchers: Watchers): Listener {
  let client: Pg.Client | undefined;
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));

  const connect = async () => {
    timer = undefined;
    if (closed) return;
    const next = new pg.Client(config);
    client = next;
    let down = false;
    const reconnect = () => {
      if (down) return;
      down = true;
      next.end().catch(() => {});
      if (closed) return;
      failures += 1;
      timer = setTimeout(() => void connect(), Math.min(100 * 2 ** failures, 5_000));
      timer.unref();
    };
    next.on('error', reconnect);
    next.on('end', reconnect);
    next.on('notification', ({ payload }) => (payload ? watchers.wake(payload) : watchers.wakeAll()));
    try {
      await next.connect();
      await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
      if (failures > 0) watchers.wakeAll();
      failures = 0;
      listening();
    } catch {
      reconnect();
    }
  };
  void connect();

  return {
    ready,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
