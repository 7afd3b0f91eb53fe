import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore, type SyncStore } from '../../src/server';
import { spawnServer } from './helpers/serverProcess';

let dir: string;
const open: SyncStore[] = [];
const store = (at = dir) => {
  const made = fileStore(at);
  open.push(made);
  return made;
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'autosave-filestore-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const create = (s: SyncStore, key: string, text: string, idempotency?: { key: string; fingerprint: string }) =>
  s.write({ space: 'alice', key, precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text }, idempotency });

describe('fileStore locks its directory', () => {
  it('refuses a second store on the same directory while the first is open, naming the process', async () => {
    store();

    expect(() => fileStore(dir)).toThrow(`redux-autosave: fileStore directory ${dir} is in use by process ${process.pid} (this one: another fileStore on it is still open)`);
  });

  it('refuses a second server process on the same directory with a clear message', async () => {
    store();

    const second = await spawnServer({ store: dir }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );

    expect(second).toMatchObject({ code: 1, stderr: expect.stringContaining(`is in use by process ${process.pid}`) });
  });

  it('takes over the lock of a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(join(dir, '.lock'), gone.stdout.trim());

    const s = store();

    expect(readFileSync(join(dir, '.lock'), 'utf8')).toBe(String(process.pid));
    expect((await create(s, 'project:p1', '1')).status).toBe('written');
  });

  it('lets the directory go when closed', async () => {
    await store().close();

    expect(() => store()).not.toThrow();
  });
});

describe('fileStore across a restart', () => {
  it('keeps documents, versions, tombstones, the cursor and idempotency records', async () => {
    const first = store();
    const a = await create(first, 'project:a', '{"title": "A"}', { key: 'c1:1', fingerprint: 'f' });
    const b = await create(first, 'project:b', '"B"');
    if (b.status !== 'written' || a.status !== 'written') throw new Error('not written');
    await first.write({ space: 'alice', key: 'project:b', precondition: { ifMatch: [b.version] }, change: { kind: 'delete' } });
    await first.close();

    const second = store();

    expect(await second.get('alice', 'project:a')).toMatchObject({ version: a.version, text: '{"title": "A"}' });
    expect(await second.get('alice', 'project:b')).toMatchObject({ text: null });
    expect(await create(second, 'project:a', '{"title": "A"}', { key: 'c1:1', fingerprint: 'f' })).toEqual({ status: 'replayed', answer: { version: a.version } });
    expect(await second.usage('alice')).toEqual({ bytes: 14, documents: 1 });
    const next = await create(second, 'project:c', '1');
    expect(next).toMatchObject({ status: 'written', cursor: 4 });
  });

  it('stores a document as a header line and then its text as sent, and no temp file after', async () => {
    const s = store();
    await create(s, 'project:a', '{ "keep" :  "spacing" }');

    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && entry.name.endsWith('.json') && entry.name !== 'space.json');

    expect(files).toHaveLength(1);
    const content = readFileSync(join(files[0].parentPath, files[0].name), 'utf8');
    expect(content.split('\n')[1]).toBe('{ "keep" :  "spacing" }');
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });
});
