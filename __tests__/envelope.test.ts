import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { memoryStorage, type AutosaveStorage } from '../src';
import { checksum } from '../src/envelope';
import { fileStorage } from '../src/node';
import { createTestStore, makeProject, projectLoaded, spyStorage, titleChanged, useFakeTimers } from './helpers';
import { decodeStored, readStoredData } from './helpers/stored';

const T0 = Date.UTC(2025, 0, 15, 9, 30);

/** A memory storage that, like a file or localStorage, only keeps strings. */
function stringsOnlyMemory(): AutosaveStorage {
  const inner = memoryStorage();
  return {
    stringsOnly: true,
    getItem: (key) => inner.getItem(key),
    async setItem(key, value) {
      if (typeof value !== 'string') throw new TypeError(`this storage keeps strings only, got ${typeof value}`);
      return inner.setItem(key, value);
    },
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
}

beforeEach(() => {
  useFakeTimers();
  jest.setSystemTime(T0);
});

afterEach(() => {
  jest.useRealTimers();
});

describe('the stored envelope', () => {
  it('stores { format: 2, version, savedAt, checksum, json } at project:{id} by default, json being the document\'s text', async () => {
    const storage = spyStorage();
    const { store } = createTestStore({ storage });
    const project = makeProject('p1', 'Trailer');

    store.dispatch(projectLoaded(project));
    await jest.advanceTimersByTimeAsync(2000);

    const stored = await storage.getItem('project:p1');
    const json = JSON.stringify(project);
    expect(stored).toEqual({ format: 2, version: 1, savedAt: T0 + 2000, checksum: checksum(json), json });
    expect(Object.keys(stored as object).sort()).toEqual(['checksum', 'format', 'json', 'savedAt', 'version']);
    expect(storage.writesTo('project:p1')).toHaveLength(1);
  });

  it('with storageFormat: 1, stores { format: 1, version, savedAt, checksum, data } at project:{id}, data being the document itself', async () => {
    const storage = spyStorage();
    const { store } = createTestStore({ storage, storageFormat: 1 });
    const project = makeProject('p1', 'Trailer');

    store.dispatch(projectLoaded(project));
    await jest.advanceTimersByTimeAsync(2000);

    const stored = await storage.getItem('project:p1');
    expect(stored).toEqual({
      format: 1,
      version: 1,
      savedAt: T0 + 2000,
      checksum: expect.any(String),
      data: project,
    });
    expect(Object.keys(stored as object).sort()).toEqual(['checksum', 'data', 'format', 'savedAt', 'version']);
    // A plain value, not a JSON string inside the envelope.
    expect(typeof (stored as { data: unknown }).data).toBe('object');
    expect(storage.writesTo('project:p1')).toHaveLength(1);
  });

  it('records savedAt as epoch milliseconds of the fake clock at the moment of the write', async () => {
    const storage = memoryStorage();
    const { store, autosave, status } = createTestStore({ storage });

    store.dispatch(projectLoaded(makeProject()));
    jest.setSystemTime(T0 + 123_456);
    await autosave.flush();

    const stored = (await storage.getItem('project:p1')) as { savedAt: number };
    expect(stored.savedAt).toBe(T0 + 123_456);
    expect(status().lastSavedAt).toBe(T0 + 123_456);
  });

  it("writes the collection's schema version", async () => {
    const storage = memoryStorage();
    const { store, autosave } = createTestStore({
      storage,
      documentOptions: { version: 3, migrations: { 2: (v: unknown) => v, 3: (v: unknown) => v } },
    });

    store.dispatch(projectLoaded(makeProject()));
    await autosave.flush();

    expect(await storage.getItem('project:p1')).toMatchObject({ format: 2, version: 3 });
  });

  it('stores a collection without an id function at {collection}:default', async () => {
    const storage = memoryStorage();
    const { store, autosave } = createTestStore({ storage, documentOptions: { id: undefined } });

    store.dispatch(projectLoaded(makeProject('p1')));
    await autosave.flush();

    expect(await storage.keys()).toEqual(['project:default']);
    expect(await readStoredData(storage, 'project:default')).toEqual(makeProject('p1'));
  });

  it('changes the checksum when the data changes, and gives equal data an equal checksum', async () => {
    const storage = memoryStorage();
    const { store, autosave } = createTestStore({ storage });
    const checksumNow = async () => ((await storage.getItem('project:p1')) as { checksum: string }).checksum;

    store.dispatch(projectLoaded(makeProject('p1', 'Trailer')));
    await autosave.flush();
    const first = await checksumNow();

    store.dispatch(titleChanged('Trailer, cut 2'));
    await autosave.flush();
    const second = await checksumNow();

    store.dispatch(titleChanged('Trailer'));
    await autosave.flush();
    const third = await checksumNow();

    expect(second).not.toBe(first);
    expect(third).toBe(first);
  });

  it('changes the checksum for a one-character change deep in the document', async () => {
    const storage = memoryStorage();
    const { store, autosave } = createTestStore({ storage });

    store.dispatch(projectLoaded(makeProject('p1', 'Trailer', 5)));
    await autosave.flush();
    const first = ((await storage.getItem('project:p1')) as { checksum: string }).checksum;

    const edited = makeProject('p1', 'Trailer', 5);
    edited.shots[4].dialogue[1] = 'Out!';
    store.dispatch(projectLoaded(edited));
    await autosave.flush();
    const second = ((await storage.getItem('project:p1')) as { checksum: string }).checksum;

    expect(second).not.toBe(first);
  });
});

describe('a storage that keeps only strings', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redux-autosave-envelope-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each<[string, () => AutosaveStorage]>([
    ['a strings-only memory storage', () => stringsOnlyMemory()],
    ['fileStorage', () => fileStorage(dir)],
  ])('%s receives a header line and then the raw document text, which decode to the same envelope', async (_name, make) => {
    const strings = spyStorage(make());
    const objects = spyStorage(memoryStorage());
    const a = createTestStore({ storage: strings });
    const b = createTestStore({ storage: objects });
    const project = makeProject('p1', 'Harbour "at" dawn — 夜明け');

    a.store.dispatch(projectLoaded(project));
    b.store.dispatch(projectLoaded(project));
    await jest.advanceTimersByTimeAsync(2000);
    await a.autosave.flush();

    const written = strings.writesTo('project:p1');
    expect(written).toHaveLength(1);
    expect(typeof written[0]).toBe('string');
    const json = JSON.stringify(project);
    const [header, ...rest] = (written[0] as string).split('\n');
    expect(JSON.parse(header)).toEqual({ format: 2, version: 1, savedAt: T0 + 2000, checksum: checksum(json) });
    // The document's text as it is, not JSON-encoded a second time.
    expect(rest.join('\n')).toBe(json);
    // Same document, same clock: the same envelope as an object-keeping storage gets.
    expect({ ...decodeStored(written[0]), asString: false }).toEqual(decodeStored(objects.writesTo('project:p1')[0]));
    // And what the storage hands back is that string.
    expect(await strings.getItem('project:p1')).toBe(written[0]);
  });

  it.each<[string, () => AutosaveStorage]>([
    ['a strings-only memory storage', () => stringsOnlyMemory()],
    ['fileStorage', () => fileStorage(dir)],
  ])('with storageFormat: 1, %s receives the whole envelope as one JSON string that parses to the same envelope', async (_name, make) => {
    const strings = spyStorage(make());
    const objects = spyStorage(memoryStorage());
    const a = createTestStore({ storage: strings, storageFormat: 1 });
    const b = createTestStore({ storage: objects, storageFormat: 1 });
    const project = makeProject('p1', 'Harbour "at" dawn — 夜明け');

    a.store.dispatch(projectLoaded(project));
    b.store.dispatch(projectLoaded(project));
    await jest.advanceTimersByTimeAsync(2000);
    await a.autosave.flush();

    const written = strings.writesTo('project:p1');
    expect(written).toHaveLength(1);
    expect(typeof written[0]).toBe('string');
    const parsed = JSON.parse(written[0] as string);
    expect(parsed).toEqual({ format: 1, version: 1, savedAt: T0 + 2000, checksum: expect.any(String), data: project });
    // Same document, same clock: the same envelope as an object-keeping storage gets.
    expect(parsed).toEqual(objects.writesTo('project:p1')[0]);
    // And what the storage hands back is that string.
    expect(JSON.parse((await strings.getItem('project:p1')) as string)).toEqual(parsed);
  });

  it('loads back what it stored as a string', async () => {
    const storage = stringsOnlyMemory();
    const first = createTestStore({ storage });
    first.store.dispatch(projectLoaded(makeProject('p1', 'Kept as text')));
    await first.autosave.flush();

    const second = createTestStore({ storage });
    const result = await second.autosave.load('project', 'p1');

    expect(result).toEqual({ status: 'loaded', document: makeProject('p1', 'Kept as text'), restored: true });
    expect(second.store.getState().project.current).toEqual(makeProject('p1', 'Kept as text'));
  });
});

describe('checksums', () => {
  function fnv1a(json: string): string {
    let hash = 0x811c9dc5;
    for (let i = 0; i < json.length; i++) hash = Math.imul(hash ^ json.charCodeAt(i), 0x01000193);
    return `fnv1a:${(hash >>> 0).toString(16).padStart(8, '0')}`;
  }

  it.each([
    ['an object envelope', (env: object) => env],
    ['a string envelope', (env: object) => JSON.stringify(env)],
  ])('still loads %s written with the first (FNV-1a) checksum', async (_name, shape) => {
    const project = makeProject('p1', 'From the first release');
    const storage = memoryStorage([
      ['project:p1', shape({ format: 1, version: 1, savedAt: T0, checksum: fnv1a(JSON.stringify(project)), data: project })],
    ]);
    const { autosave, store } = createTestStore({ storage });
    await expect(autosave.load('project', 'p1')).resolves.toMatchObject({ status: 'loaded' });
    expect(store.getState().project.current).toEqual(project);
  });

  // Copies stored by every earlier release must keep verifying: these are the
  // values format 2's checksum gave when it shipped, for texts of every length
  // modulo 4 (the hash takes two code units a block, two blocks a turn).
  it.each([
    ['', 'u3:00000000'],
    ['1', 'u3:f879cc33'],
    ['{}', 'u3:e6a6627c'],
    ['"é"', 'u3:714b1de6'],
    ['[1,2]', 'u3:09f3102c'],
    ['{"title":"Harbour teaser","shots":["🌊 dawn","gulls"]}', 'u3:bf6ac3b9'],
  ])('gives the text %j the format-2 checksum it has always had', (text, expected) => {
    expect(checksum(text)).toBe(expected);
  });

  it.each([
    ['an empty checksum', ''],
    ['a checksum of an unknown algorithm', 'sha9:00000000'],
  ])('calls a copy with %s corrupt and keeps it: nothing was verified', async (_name, sum) => {
    const project = makeProject('p1', 'Hand-edited');
    const stored = { format: 2, version: 1, savedAt: T0, checksum: sum, json: JSON.stringify(project) };
    const storage = memoryStorage([['project:p1', stored]]);
    const { autosave, store } = createTestStore({ storage });
    await expect(autosave.load('project', 'p1')).resolves.toMatchObject({ status: 'corrupt', error: { message: expect.stringContaining('checksum') } });
    expect(store.getState().project.current).toBeNull();
    expect(await storage.getItem('project:p1')).toEqual(stored);
  });

  it('calls a format-2 string envelope cut short corrupt, and one whose text was reformatted', async () => {
    const storage = stringsOnlyMemory();
    const first = createTestStore({ storage });
    first.store.dispatch(projectLoaded(makeProject('p1')));
    first.store.dispatch(titleChanged('Saved as text'));
    await first.autosave.flush();
    const text = (await storage.getItem('project:p1')) as string;
    expect(decodeStored(text).format).toBe(2);

    await storage.setItem('project:p1', text.slice(0, -40) + text.slice(-1));
    const cut = createTestStore({ storage });
    await expect(cut.autosave.load('project', 'p1')).resolves.toMatchObject({ status: 'corrupt' });

    // Format 2's checksum covers the exact text: the same document laid out differently is not what was saved.
    const newline = text.indexOf('\n');
    await storage.setItem('project:p1', `${text.slice(0, newline)}\n${JSON.stringify(JSON.parse(text.slice(newline + 1)), null, 2)}`);
    const reformatted = createTestStore({ storage });
    await expect(reformatted.autosave.load('project', 'p1')).resolves.toMatchObject({ status: 'corrupt', error: { message: expect.stringContaining('checksum') } });
  });

  it('loads a format-1 string envelope whose text was reformatted, and calls one cut short corrupt', async () => {
    const storage = stringsOnlyMemory();
    const first = createTestStore({ storage, storageFormat: 1 });
    first.store.dispatch(projectLoaded(makeProject('p1')));
    first.store.dispatch(titleChanged('Saved as text'));
    await first.autosave.flush();
    const text = (await storage.getItem('project:p1')) as string;

    await storage.setItem('project:p1', JSON.stringify(JSON.parse(text), null, 2));
    const reformatted = createTestStore({ storage });
    await expect(reformatted.autosave.load('project', 'p1')).resolves.toMatchObject({ status: 'loaded' });
    expect(reformatted.store.getState().project.current?.title).toBe('Saved as text');

    await storage.setItem('project:p1', text.slice(0, -40) + text.slice(-1));
    const cut = createTestStore({ storage });
    await expect(cut.autosave.load('project', 'p1')).resolves.toMatchObject({ status: 'corrupt' });
  });
});
