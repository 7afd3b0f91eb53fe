import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import localforage from 'localforage';
import { localforageStorage, memoryStorage } from '../src';
import { fileStorage } from '../src/node';
import { createTestStore, makeProject, projectLoaded, settle, titleChanged, useFakeTimers } from './helpers';
import { drainIndexedDB } from './helpers/storedDocuments';
import { decodeStored } from './helpers/stored';

afterAll(() => drainIndexedDB());

describe('memoryStorage', () => {
  it('keeps a copy of what is stored: mutating the value afterwards changes nothing stored', async () => {
    const storage = memoryStorage();
    const value = { title: 'Before', shots: [{ id: 's1' }] };

    await storage.setItem('k', value);
    value.title = 'After';
    value.shots.push({ id: 's2' });

    expect(await storage.getItem('k')).toEqual({ title: 'Before', shots: [{ id: 's1' }] });
  });

  it('hands out a copy: mutating what was read changes nothing stored', async () => {
    const storage = memoryStorage();
    await storage.setItem('k', { title: 'Stored', shots: [] as string[] });

    const read = (await storage.getItem('k')) as { title: string; shots: string[] };
    read.title = 'Mutated';
    read.shots.push('extra');

    expect(await storage.getItem('k')).toEqual({ title: 'Stored', shots: [] });
  });

  it('copies the initial entries it is given', async () => {
    const initial = { title: 'Seed' };
    const storage = memoryStorage([['k', initial]]);
    initial.title = 'Changed';

    expect(await storage.getItem('k')).toEqual({ title: 'Seed' });
  });

  it('returns null for a missing key, lists its keys and removes them', async () => {
    const storage = memoryStorage();
    expect(await storage.getItem('nope')).toBeNull();

    await storage.setItem('a', 1);
    await storage.setItem('b', 'two');
    expect((await storage.keys()).sort()).toEqual(['a', 'b']);

    await storage.removeItem('a');
    expect(await storage.keys()).toEqual(['b']);
    expect(await storage.getItem('a')).toBeNull();
  });

  it('keeps separate instances separate', async () => {
    const a = memoryStorage();
    const b = memoryStorage();
    await a.setItem('k', 'in a');

    expect(await b.getItem('k')).toBeNull();
  });
});

describe('localforageStorage', () => {
  it('keeps data in IndexedDB across two instances with the same name', async () => {
    const first = localforageStorage({ name: 'adapters-shared' });
    await first.setItem('project:p1', { data: makeProject('p1') });

    const second = localforageStorage({ name: 'adapters-shared' });

    expect(await second.getItem('project:p1')).toEqual({ data: makeProject('p1') });
    expect(await second.keys()).toEqual(['project:p1']);
    // And it is really in IndexedDB: localforage itself finds it there.
    const raw = localforage.createInstance({ name: 'adapters-shared', storeName: 'keyvaluepairs' });
    await raw.ready();
    expect(raw.driver()).toBe(localforage.INDEXEDDB);
    expect(await raw.getItem('project:p1')).toEqual({ data: makeProject('p1') });
  });

  it('keeps instances with different names apart', async () => {
    await localforageStorage({ name: 'adapters-a' }).setItem('k', 'in a');

    expect(await localforageStorage({ name: 'adapters-b' }).getItem('k')).toBeNull();
  });

  it('removes items and returns null for missing keys', async () => {
    const storage = localforageStorage({ name: 'adapters-remove' });
    await storage.setItem('a', 1);
    await storage.setItem('b', 2);

    await storage.removeItem('a');

    expect(await storage.getItem('a')).toBeNull();
    expect(await storage.keys()).toEqual(['b']);
  });

  it("uses the database 'redux-autosave' by default", async () => {
    await localforageStorage().setItem('default-db-probe', 'here');

    const raw = localforage.createInstance({ name: 'redux-autosave' });
    expect(await raw.getItem('default-db-probe')).toBe('here');
    await raw.removeItem('default-db-probe');
  });
});

describe('a localforage instance passed as storage directly', () => {
  beforeEach(() => useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('saves and loads through it as it is', async () => {
    const instance = localforage.createInstance({ name: 'adapters-direct' });
    const first = createTestStore({ storage: instance });

    first.store.dispatch(projectLoaded(makeProject('p1', 'Through localforage')));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    await first.autosave.flush();

    // Saves write format 2 by default; IndexedDB keeps the envelope as an object.
    expect(decodeStored(await instance.getItem('project:p1'))).toMatchObject({
      format: 2,
      version: 1,
      asString: false,
      data: makeProject('p1', 'Through localforage'),
    });
    expect(first.status().status).toBe('saved');

    const second = createTestStore({ storage: localforage.createInstance({ name: 'adapters-direct' }) });
    expect(await second.autosave.list('project')).toEqual(['p1']);
    expect(await second.autosave.load('project', 'p1')).toMatchObject({ status: 'loaded', restored: true });
    expect(second.store.getState().project.current).toEqual(makeProject('p1', 'Through localforage'));
  });
});

describe('fileStorage', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'redux-autosave-files-'));
    dir = path.join(root, 'store');
  });

  afterEach(() => {
    jest.useRealTimers();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const filesIn = (at: string) => fs.readdirSync(at).sort();

  it('creates its directory and writes one file per key', async () => {
    const storage = fileStorage(dir);

    await storage.setItem('project:p1', '{"a":1}');
    await storage.setItem('project:p2', '{"b":2}');
    await storage.setItem('project:p1', '{"a":3}');

    const files = filesIn(dir);
    expect(files).toHaveLength(2);
    const contents = files.map((file) => fs.readFileSync(path.join(dir, file), 'utf8')).sort();
    expect(contents).toEqual(['{"a":3}', '{"b":2}']);
  });

  it('says it keeps strings only, and stores a non-string value as JSON', async () => {
    const storage = fileStorage(dir);
    expect(storage.stringsOnly).toBe(true);

    await storage.setItem('k', { n: 1 });

    expect(JSON.parse((await storage.getItem('k')) as string)).toEqual({ n: 1 });
  });

  it('writes by renaming a temporary file: after many writes only *.json files are left', async () => {
    const storage = fileStorage(dir);

    await Promise.all(
      Array.from({ length: 20 }, (_, i) => storage.setItem(`project:p${i % 4}`, JSON.stringify({ i }))),
    );
    for (let i = 0; i < 10; i++) await storage.setItem('project:p0', JSON.stringify({ again: i }));

    const files = filesIn(dir);
    expect(files).toHaveLength(4);
    expect(files.every((file) => file.endsWith('.json'))).toBe(true);
    expect(files.some((file) => file.includes('.tmp'))).toBe(false);
    expect(await storage.getItem('project:p0')).toBe(JSON.stringify({ again: 9 }));
  });

  it('never writes a partial file under the real name: a reader sees the old copy or the new one', async () => {
    const storage = fileStorage(dir);
    const big = (fill: string) => JSON.stringify({ body: fill.repeat(2_000_000) });
    const before = big('a');
    const after = big('b');
    await storage.setItem('project:p1', before);

    const seen = new Set<string>();
    const writing = storage.setItem('project:p1', after);
    let done = false;
    void writing.then(() => (done = true));
    while (!done) {
      const read = (await storage.getItem('project:p1')) as string;
      seen.add(read === before ? 'before' : read === after ? 'after' : `partial (${read.length} chars)`);
    }
    await writing;
    seen.add((await storage.getItem('project:p1')) === after ? 'after' : 'other');

    expect([...seen].filter((s) => s !== 'before' && s !== 'after')).toEqual([]);
  });

  it('keeps awkward keys inside its directory and gives them back through keys()', async () => {
    const storage = fileStorage(dir);
    const keys = [
      'project:p1',
      '../escape',
      '../../etc/passwd',
      'a/b/c',
      '/absolute',
      '..',
      '.',
      '.hidden',
      'back\\slash',
      'C:\\Windows\\win.ini',
      'tab\there',
      'line\nbreak',
      'nul\u0000byte',
      'bell\u0007and\u001f',
      'star*?<>|"',
      '%2F already encoded',
      'emoji 🎬 and 夜明け',
      '__autosave/quarantine/project:p1/0badc0de',
    ];

    for (const [i, key] of keys.entries()) await storage.setItem(key, `value ${i}`);

    // Nothing outside: the root holds only the directory, the directory only plain files.
    expect(filesIn(root)).toEqual(['store']);
    const files = filesIn(dir);
    expect(files).toHaveLength(keys.length);
    for (const file of files) {
      expect(fs.statSync(path.join(dir, file)).isFile()).toBe(true);
      expect(file.endsWith('.json')).toBe(true);
    }
    expect((await storage.keys()).sort()).toEqual([...keys].sort());
    for (const [i, key] of keys.entries()) expect(await storage.getItem(key)).toBe(`value ${i}`);

    await storage.removeItem('../escape');
    expect(await storage.getItem('../escape')).toBeNull();
    expect(filesIn(dir)).toHaveLength(keys.length - 1);
  });

  it('stores a key too long to be a file name as it is, and gives it back through keys()', async () => {
    const storage = fileStorage(dir);
    // A project named by its title: 60 characters, 540 once percent-encoded,
    // past the 255 bytes most file systems allow in a name.
    const key = `project:${'夜明けの港、霧の中で'.repeat(6)}`;
    const quarantineKey = `__autosave/quarantine/${key}/0badc0de`;

    await storage.setItem(key, 'long');
    await storage.setItem(quarantineKey, 'kept aside');

    expect(await storage.getItem(key)).toBe('long');
    expect(await storage.getItem(quarantineKey)).toBe('kept aside');
    expect((await storage.keys()).sort()).toEqual([key, quarantineKey].sort());
    expect(filesIn(root)).toEqual(['store']);
  });

  it('writes again after its directory was deleted while in use', async () => {
    const storage = fileStorage(dir);
    await storage.setItem('project:p1', 'first');

    // A user clearing the app's cache folder, say.
    fs.rmSync(dir, { recursive: true, force: true });
    await storage.setItem('project:p1', 'second');

    expect(await storage.getItem('project:p1')).toBe('second');
  });

  it('returns null for a missing key and no keys for a directory not yet created', async () => {
    const storage = fileStorage(dir);

    expect(await storage.getItem('project:p1')).toBeNull();
    expect(await storage.keys()).toEqual([]);
    await expect(storage.removeItem('project:p1')).resolves.toBeUndefined();
  });

  it('ignores files in its directory that it did not write', async () => {
    const storage = fileStorage(dir);
    await storage.setItem('project:p1', '{}');
    fs.writeFileSync(path.join(dir, 'README.txt'), 'not a key');

    expect(await storage.keys()).toEqual(['project:p1']);
  });

  it('throws when it is given no directory', () => {
    expect(() => fileStorage('')).toThrow(/fileStorage\(dir\) needs a directory path/);
  });

  it('carries a full save and load cycle through createTestStore', async () => {
    useFakeTimers();
    const first = createTestStore({ storage: fileStorage(dir) });
    first.store.dispatch(projectLoaded(makeProject('p1', 'On disk')));
    first.store.dispatch(titleChanged('On disk, edited'));
    await jest.advanceTimersByTimeAsync(2000);
    await first.autosave.flush();
    expect(first.status().status).toBe('saved');

    const [file] = filesIn(dir);
    expect(filesIn(dir)).toEqual([file]);
    // Saves write format 2 by default; a file keeps a string: a header line, then the document's text.
    expect(decodeStored(fs.readFileSync(path.join(dir, file), 'utf8'))).toMatchObject({
      format: 2,
      version: 1,
      asString: true,
      data: makeProject('p1', 'On disk, edited'),
    });

    // A new process: another storage over the same directory.
    const second = createTestStore({ storage: fileStorage(dir) });
    expect(await second.autosave.list('project')).toEqual(['p1']);
    const result = await second.autosave.load('project', 'p1');

    expect(result).toEqual({ status: 'loaded', document: makeProject('p1', 'On disk, edited'), restored: true });
    expect(second.store.getState().project.current).toEqual(makeProject('p1', 'On disk, edited'));

    await second.autosave.remove('project', 'p1');
    expect(filesIn(dir)).toEqual([]);
  });
});
