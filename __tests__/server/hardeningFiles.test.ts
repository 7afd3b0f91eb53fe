/**
 * What the old example server got wrong with files and processes, each
 * checked on a real server process (run it against the old one with
 * LEGACY_SYNC_SERVER=<its path> to see each fail).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { putDocument as put, request, spawnServer, stackLines, type ServerProcess } from './helpers/serverProcess';

let dir: string;
let server: ServerProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'autosave-hardening-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}


it('refuses JSON nested 5,000 deep with 400 and leaves no file behind', async () => {
  server = await spawnServer({ store: dir });
  const deep = `{"data":${'['.repeat(5000)}${']'.repeat(5000)}}`;

  const answers = await Promise.all([1, 2, 3].map(() => put(server!.url, 'project:deep', deep)));

  expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400]);
  expect(filesUnder(dir).filter((file) => file.endsWith('.tmp') || file.endsWith('.json'))).toEqual([]);
  expect(stackLines(server.stderr())).toEqual([]);
});

it('goes on writing after its data directory is removed while it runs', async () => {
  server = await spawnServer({ store: dir });
  expect((await put(server.url, 'project:before', '{"data":1}')).status).toBe(200);

  rmSync(dir, { recursive: true, force: true });
  const after = await put(server.url, 'project:after', '{"data":2}');

  expect(after.status).toBe(200);
  expect(await (await fetch(`${server.url}/project%3Aafter`)).json()).toEqual({ version: expect.any(String), data: 2 });
});

it('keeps a 1 KB document a ~1 KB file after 100 writes with Idempotency-Keys', async () => {
  server = await spawnServer({ store: dir });
  const data = JSON.stringify({ title: 'Harbour', notes: 'x'.repeat(1000) });
  let version = ((await (await put(server.url, 'project:small', `{"data":${data}}`)).json()) as { version: string }).version;
  for (let n = 0; n < 100; n++) {
    const headers = { 'content-type': 'application/json', 'if-match': `"${version}"`, 'idempotency-key': `client-${n}:${'k'.repeat(40)}` };
    version = (JSON.parse((await request(`${server.url}/project%3Asmall`, 'PUT', headers, `{"data":${data}}`)).text) as { version: string }).version;
  }

  const files = filesUnder(dir).filter((file) => readFileSync(file, 'utf8').includes('Harbour'));
  expect(files).toHaveLength(1);
  expect(statSync(files[0]).size).toBeLessThan(1024 + 400);
});

it('answers a client that drops its upload without printing a stack trace', async () => {
  server = await spawnServer({ store: dir });
  const { port } = new URL(server.url);
  await new Promise<void>((done) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`PUT /api/autosave/project%3Adropped HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nIf-None-Match: *\r\nContent-Length: 100000\r\n\r\n{"data":"`);
      socket.write('x'.repeat(1000), () => {
        socket.destroy();
        done();
      });
    });
  });

  // Round trips after the drop: by their answers the server has seen the socket close.
  for (let n = 0; n < 3; n++) expect((await put(server.url, `project:next${n}`, '{"data":1}')).status).toBe(200);
  await server.close();

  expect(server.stderr()).toBe('');
});

it('refuses to listen on 0.0.0.0 with no sign-in, and says how to add one', async () => {
  const started = spawnServer({ store: dir, args: ['--host', '0.0.0.0'] });

  const failure = await started.then(
    (running) => {
      server = running;
      return undefined;
    },
    (error: { code: number; stderr: string }) => error,
  );

  expect(failure).toMatchObject({ code: 1 });
  expect(failure?.stderr).toContain("authorize: 'anonymous'");
  expect(failure?.stderr).toContain('--tokens');
});

it('clears the temp files a kill -9 left, and keeps every write it had answered', async () => {
  server = await spawnServer({ store: dir });
  const acknowledged = new Map<string, string>();
  const big = 'y'.repeat(2_000_000);
  let leftovers: string[] = [];
  // Writes in a loop until a temp file is on disk, then kill -9 at once: the write under way is cut.
  const writing = (async () => {
    for (let n = 0; leftovers.length === 0 && n < 400; n++) {
      const batch = await Promise.all(
        Array.from({ length: 4 }, async (_, m) => {
          const key = `project:k${n}-${m}`;
          const answer = await put(server!.url, key, `{"data":"${big}${key}"}`).catch(() => undefined);
          if (answer?.status === 200) acknowledged.set(key, `${big}${key}`);
        }),
      );
      void batch;
    }
  })();
  while (leftovers.length === 0) {
    leftovers = filesUnder(dir).filter((file) => file.endsWith('.tmp'));
    if (leftovers.length > 0) await server.kill9();
    else await new Promise((resolve) => setImmediate(resolve));
  }
  await writing;
  expect(leftovers.length).toBeGreaterThan(0);

  server = await spawnServer({ store: dir });

  expect(filesUnder(dir).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  for (const [key, data] of acknowledged) {
    expect(((await (await fetch(`${server.url}/${encodeURIComponent(key)}`)).json()) as { data: string }).data).toBe(data);
  }
});
