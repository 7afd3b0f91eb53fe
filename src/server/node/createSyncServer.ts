import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '../auth';
import { createSyncHandler } from '../handler';
import { basePathOf, type SyncHandlerOptions } from '../options';
import { storeReady } from '../stores/lifecycle';
import { StoreUnavailableError } from '../stores/unavailable';
import { defaultMaxConnections } from './limits';
import { toNodeListener } from './toNodeListener';

export interface SyncServerOptions extends SyncHandlerOptions {
  /** `0` picks a free port. @default 8787 */
  port?: number;
  /** With `authorize: 'anonymous'` only a loopback address is allowed. @default '127.0.0.1' */
  host?: string;
  /** Connections held at once; more are closed on arrival. @default ¾ of the descriptor limit */
  maxConnections?: number;
  /** A request's headers must arrive within this (slow-header attacks). @default 10_000 */
  headersTimeoutMs?: number;
  /** How long `close()` waits for requests under way before cutting them. @default 10_000 */
  shutdownTimeoutMs?: number;
}

export interface SyncServer {
  /** The endpoint to give `httpRemote({ url })`. */
  url: string;
  port: number;
  server: Server;
  /** Stops accepting, lets the requests under way finish (writes included), then closes the store. */
  close(): Promise<void>;
}

function listenAddress(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The sync server in one call: `createSyncHandler` on `node:http`, with the
 * limits a server facing the open network needs (connections, header and
 * body time, bytes being read), listening once the promise resolves.
 *
 * ```ts
 * const sync = await createSyncServer({ store: fileStore('./.sync-data'), authorize, port: 8787 });
 * console.log(sync.url); // http://127.0.0.1:8787/api/autosave
 * process.on('SIGTERM', () => sync.close());
 * ```
 */
export async function createSyncServer(options: SyncServerOptions): Promise<SyncServer> {
  const { port = 8787, host = '127.0.0.1', maxConnections = defaultMaxConnections(), headersTimeoutMs = 10_000, shutdownTimeoutMs = 10_000, ...handlerOptions } = options;
  if (handlerOptions.authorize === 'anonymous' && !isLoopbackHost(host)) {
    throw new Error(
      `redux-autosave: createSyncServer will not listen on ${JSON.stringify(host)} with authorize: 'anonymous' — everyone who can reach it could read and overwrite every document. Give an \`authorize\` function, or listen on 127.0.0.1.`,
    );
  }
  const handler = createSyncHandler(handlerOptions);
  // A database at the wrong schema version (or an evicting Redis) stops the start with what to do; one
  // that is only unreachable now does not: requests get 503 until it is back.
  await storeReady(handlerOptions.store).catch((error) => {
    if (!(error instanceof StoreUnavailableError)) throw error;
    console.warn(`${error.message}; starting anyway, answering 503 until it is reachable`);
  });
  const bodyTimeoutMs = handlerOptions.bodyTimeoutMs ?? 60_000;
  // Node's own limits per request kind: headers soon, a body within its time; a response stream
  // (live changes) is not a request being received, so neither timeout ever cuts it.
  const server = createServer({ headersTimeout: headersTimeoutMs, requestTimeout: headersTimeoutMs + bodyTimeoutMs + 5_000, keepAliveTimeout: 5_000 });
  server.maxConnections = maxConnections;
  let active = 0;
  let idle: (() => void) | undefined;
  const listener = toNodeListener(handler);
  server.on('request', (req, res) => {
    active++;
    res.on('close', () => {
      if (--active === 0) idle?.();
    });
    listener(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, a failure of the server is logged, never a crash (EMFILE on accept is retried by Node).
  server.on('error', (error) => console.error('redux-autosave server:', error.message));
  const actualPort = (server.address() as AddressInfo).port;
  const basePath = basePathOf(handlerOptions);

  let closing: Promise<void> | undefined;
  return {
    url: `${listenAddress(host, actualPort)}${basePath}`,
    port: actualPort,
    server,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (active > 0) {
          await new Promise<void>((resolve) => {
            idle = resolve;
            setTimeout(resolve, shutdownTimeoutMs).unref();
          });
        }
        server.closeAllConnections();
        await stopped;
        await handlerOptions.store.close();
      })();
      return closing;
    },
  };
}
