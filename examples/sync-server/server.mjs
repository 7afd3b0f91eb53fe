// The sync server mounted by hand on node:http, with users: each bearer token
// names a user, and each user's documents live in a space of their own.
// (For one shared space on your own machine, `npx redux-autosave-server` is enough.)
//
//   npm run build && node examples/sync-server/server.mjs
//   TOKENS='{"a-long-random-token-for-alice":"alice"}' PORT=8787 node examples/sync-server/server.mjs
import { createServer } from 'node:http';
import { createSyncHandler, fileStore, toNodeListener } from 'redux-autosave/server';
import { authorizeBearer } from './tokens.mjs';

const handler = createSyncHandler({
  store: fileStore(process.env.SYNC_DIR ?? './.sync-data'),
  authorize: authorizeBearer(JSON.parse(process.env.TOKENS ?? '{"dev-token-change-me-0001":"dev"}')),
  // Pages of other origins that may call it; your own origin needs nothing.
  cors: { origins: (process.env.CORS_ORIGINS ?? 'http://localhost:5173').split(',') },
});

const port = Number(process.env.PORT ?? 8787);
createServer(toNodeListener(handler)).listen(port, '127.0.0.1', () => {
  console.log(`redux-autosave sync server: httpRemote({ url: 'http://127.0.0.1:${port}/api/autosave', headers: () => ({ Authorization: 'Bearer <token>' }) })`);
});
