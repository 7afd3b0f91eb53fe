// An embedded Postgres for machines without one: PGlite behind its socket
// server on 127.0.0.1, in a process of its own (PGlite loads its WASM with
// import(), which jest's module sandbox does not allow). Prints
// `listening <host:port>`, and stops when its parent's stdin closes.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const db = await PGlite.create();
const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 100 });
await server.start();
process.stdout.write(`listening ${server.getServerConn()}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.stop();
  await db.close();
  process.exit(0);
});
