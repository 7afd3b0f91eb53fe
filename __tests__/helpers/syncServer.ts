import { createSyncServer, fileStore, memoryStore } from '../../src/server';

export interface SyncServer {
  /** The endpoint to give httpRemote. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Runs `redux-autosave/server` on 127.0.0.1 with the file store in `dir` (or
 * in memory), everyone in one shared space (`authorize: 'anonymous'`, which
 * loopback allows); `port: 0` picks a free one. Resolves once it listens.
 */
export async function startSyncServer({ dir, port = 0, memory = false, maxBodyBytes }: { dir?: string; port?: number; memory?: boolean; maxBodyBytes?: number }): Promise<SyncServer> {
  const store = memory || !dir ? memoryStore() : fileStore(dir);
  const sync = await createSyncServer({ store, authorize: 'anonymous', port, host: '127.0.0.1', maxBodyBytes });
  return { url: sync.url, port: sync.port, close: () => sync.close() };
}
