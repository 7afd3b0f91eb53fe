import type { ChangeWatcher, RemoteAdapter, RemoteDocument } from '../../src';

const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * A RemoteAdapter in memory with a stream of changes (`watch`), for the
 * engine's side of live changes where no HTTP is wanted (jsdom, tabs):
 * copies go through JSON as on the wire; every connection says hello and
 * hears each write until its signal aborts.
 */
export function liveRemote() {
  const documents = new Map<string, RemoteDocument>();
  const watchers = new Set<ChangeWatcher>();
  /** Every connection, with the cursor it resumed after. */
  const connections: { after: string | undefined }[] = [];
  /** Every pull, by key. */
  const pulls: string[] = [];
  let versions = 0;
  let cursor = 0;

  function write(key: string, data: unknown, client?: string): string {
    const version = `v${++versions}`;
    documents.set(key, { version, data: wire(data) });
    const id = String(++cursor);
    for (const watcher of watchers) watcher.change({ key, version, ...(client ? { client } : {}) }, id);
    return version;
  }

  const remote: RemoteAdapter = {
    async pull(key) {
      pulls.push(key);
      const found = documents.get(key);
      return found ? wire(found) : null;
    },
    async push(key, data, { baseVersion, idempotencyKey }) {
      const current = documents.get(key);
      if ((current?.version ?? null) !== baseVersion) return { ok: false, conflict: wire(current!) };
      return { ok: true, version: write(key, data, idempotencyKey.slice(0, idempotencyKey.lastIndexOf(':'))) };
    },
    watch(watcher) {
      connections.push({ after: watcher.after });
      watchers.add(watcher);
      watcher.hello(String(cursor));
      return new Promise((resolve) =>
        watcher.signal.addEventListener('abort', () => {
          watchers.delete(watcher);
          resolve({ status: 'ended' });
        }),
      );
    },
  };

  return {
    remote,
    documents,
    connections,
    pulls,
    write,
    get cursor() {
      return String(cursor);
    },
    /** Connections open now. */
    get open() {
      return watchers.size;
    },
  };
}
