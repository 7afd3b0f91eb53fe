// The same handler inside a Hono app, next to the app's own routes. On Bun,
// Deno or a Cloudflare Worker, `export default app` is all it takes; on Node
// the app's `fetch` goes through toNodeListener.
//
//   npm run build && node examples/sync-server/hono.mjs
import { createServer } from 'node:http';
import { Hono } from 'hono';
import { createSyncHandler, memoryStore, toNodeListener } from 'redux-autosave/server';
import { authorizeBearer } from './tokens.mjs';

const sync = createSyncHandler({
  store: memoryStore(),
  authorize: authorizeBearer({ 'dev-token-change-me-0001': 'dev' }),
});

const app = new Hono();
app.get('/', (c) => c.text('my app'));
app.all('/api/autosave', (c) => sync(c.req.raw));
app.all('/api/autosave/*', (c) => sync(c.req.raw));

const port = Number(process.env.PORT ?? 8788);
createServer(toNodeListener(app.fetch)).listen(port, '127.0.0.1', () => {
  console.log(`Hono app with redux-autosave sync: httpRemote({ url: 'http://127.0.0.1:${port}/api/autosave' })`);
});
