// Two Node processes on one fileStorage directory (issue 11, item 6): Node
// has no Web Locks, so fileStorage locks each key with a lock file; the
// check for a newer stored copy and the write after it are then one step
// across processes, and no flushed edit of either is lost.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { fileStorage } from '../src/node';
import { storedData } from './helpers/stored';

const root = mkdtempSync(join(tmpdir(), 'autosave-processes-'));
const writer = join(root, 'fileWriter.mjs');

beforeAll(async () => {
  await build({
    entryPoints: [join(__dirname, 'fixtures', 'fileWriter.ts')],
    outfile: writer,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
}, 30_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(dir: string, name: string, count: number): Promise<{ status: string; mine: number; errors: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir, name, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`${name} printed ${out}`));
      }
    });
  });
}

it('two processes flushing 1,000 edits each into one directory lose none of them', async () => {
  const dir = join(root, 'shared');
  const started = Date.now();
  const [a, b] = await Promise.all([run(dir, 'a', 1000), run(dir, 'b', 1000)]);
  const { lists } = storedData<{ lists: Record<string, number[]> }>(readFileSync(join(dir, 'board%3Adefault.json'), 'utf8'));
  console.log(
    `two processes × 1,000 flushes: ${Date.now() - started} ms; stored ${lists.a?.length} of a's and ${lists.b?.length} of b's edits; exited ${a.status}/${b.status}`,
  );
  expect([a.status, b.status]).toEqual(['saved', 'saved']);
  expect(a.errors).toEqual([]);
  expect(b.errors).toEqual([]);
  expect(lists.a).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  expect(lists.b).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  // Nothing left behind: no lock, no temporary file.
  expect(readdirSync(dir)).toEqual(['board%3Adefault.json']);
}, 120_000);

it('temporary and lock files a killed process left are removed, and its lock taken over', async () => {
  const dir = join(root, 'left-behind');
  // A process that has ended: its pid is no longer running.
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const dead = Number(stdout);
  const storage = fileStorage(dir);
  await storage.setItem('doc:1', '{"v":1}');
  const temp = join(dir, `doc%3A1.json.${dead}.0a1b2c3d4e5f.tmp`);
  const lock = join(dir, 'doc%3A1.json.lock');
  writeFileSync(temp, '{"v":');
  writeFileSync(lock, `${dead}\n`);

  const next = fileStorage(dir);
  await next.lock!('doc:1', () => next.setItem('doc:1', '{"v":2}'));

  expect(existsSync(temp)).toBe(false);
  expect(existsSync(lock)).toBe(false);
  expect(await next.getItem('doc:1')).toBe('{"v":2}');
  expect(await next.keys()).toEqual(['doc:1']);
});
