import type { Watchers } from '../serialize';
import { spaceKeys } from './keys';
import type { RedisClient } from './client';

export interface StreamWatcher {
  /** Whether the space's stream is read already (a new watcher of it then waits for nothing). */
  reading(space: string): boolean;
  /** The set of watched spaces changed: read again with the new set. */
  refresh(): void;
  close(): Promise<void>;
}

/**
 * Reads the streams of every watched space with `XREAD BLOCK` on a
 * duplicated connection (a blocked connection can serve nothing else), and
 * wakes the space's watchers for each entry. When the set of spaces changes,
 * `CLIENT UNBLOCK` from the main connection ends the blocked read, which is
 * then issued again. After a lost connection every watcher is woken: entries
 * written meanwhile may have been trimmed.
 */
export function startStreamWatcher(main: RedisClient, prefix: string, watchers: Watchers, spaces: () => string[], onReading: (space: string) => void): StreamWatcher {
  const reader = main.duplicate();
  const lastIds = new Map<string, string>();
  let readerId: number | undefined;
  let closed = false;
  let reading: Promise<void> | undefined;
  let lostConnection = false;
  let changed = false;
  const onError = () => {
    lostConnection = true;
  };
  reader.on('error', onError);

  const idOf = async (stream: string) => {
    const last = (await main.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return last[0]?.[0] ?? '0-0';
  };

  async function loop(): Promise<void> {
    while (!closed) {
      try {
        readerId ??= Number(await reader.call('CLIENT', 'ID'));
        if (lostConnection) {
          lostConnection = false;
          watchers.wakeAll();
        }
        changed = false;
        const watched = spaces();
        const streams = watched.map((space) => spaceKeys(prefix, space).stream);
        for (const stream of [...lastIds.keys()]) if (!streams.includes(stream)) lastIds.delete(stream);
        for (const [at, stream] of streams.entries()) {
          if (lastIds.has(stream)) continue;
          lastIds.set(stream, await idOf(stream));
          onReading(watched[at]);
        }
        if (streams.length === 0) return;
        if (changed) continue;
        const answer = (await reader.call('XREAD', 'BLOCK', 10_000, 'STREAMS', ...streams, ...streams.map((s) => lastIds.get(s)!))) as [string, [string, string[]][]][] | null;
        for (const [stream, entries] of answer ?? []) {
          if (entries.length > 0) lastIds.set(stream, entries[entries.length - 1][0]);
          const at = streams.indexOf(stream);
          if (at !== -1 && entries.length > 0) watchers.wake(watched[at]);
        }
      } catch {
        if (closed) return;
        lostConnection = true;
        readerId = undefined;
        await new Promise((resolve) => setTimeout(resolve, 500).unref());
      }
    }
  }

  const start = () => {
    if (closed || reading) return;
    reading = loop().finally(() => {
      reading = undefined;
      if (!closed && spaces().length > 0) start();
    });
  };
  start();

  return {
    reading: (space) => lastIds.has(spaceKeys(prefix, space).stream),
    refresh() {
      changed = true;
      if (!reading) return start();
      if (readerId !== undefined) void main.call('CLIENT', 'UNBLOCK', readerId).catch(() => {});
    },
    async close() {
      closed = true;
      reader.disconnect();
      await reading?.catch(() => {});
    },
  };
}
