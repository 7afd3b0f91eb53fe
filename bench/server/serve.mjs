// One sync server process for the server benchmark: the built package, a
// store from --store, bearer tokens from --tokens, and room for many streams.
// Prints `url <url>`; on SIGUSR2 collects garbage (run with --expose-gc) and
// prints `rss <bytes> heap <bytes>`.
import { createSyncServer } from '../../dist/server.mjs';
import { storeFromSpecForBench } from './stores.mjs';

const [store, tokens] = [process.argv[2], process.argv[3]];
const users = JSON.parse(tokens);
const authorize = (request) => {
  const token = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
  return token && users[token] ? { userId: users[token] } : null;
};
const sync = await createSyncServer({
  store: await storeFromSpecForBench(store),
  authorize,
  port: 0,
  maxBodyBytes: 2_000_000,
  maxBufferedBytes: 64_000_000,
  quota: { maxBytes: 1e12, maxDocuments: 1e9 },
  live: { maxStreamsPerUser: 1000 },
  onError: () => {},
});
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`rss ${rss} heap ${heapUsed}\n`);
});
process.on('SIGTERM', () => void sync.close().then(() => process.exit(0)));
process.stdout.write(`url ${sync.url}\n`);
