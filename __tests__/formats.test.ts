// The stored format across releases (issue 14): format 2 keeps the JSON
// text; format 1, as release 0.1.0 wrote it (the fixtures below were written
// by that release's code), still loads, is rewritten as format 2 on the next
// save, and can still be written while old tabs may be open.
import { memoryStorage, type AutosaveStorage } from '../src';
import { checksum } from '../src/envelope';
import { createTestStore, makeProject, projectLoaded, settle, titleChanged, useFakeTimers, type Project } from './helpers';
import fixtures from './fixtures/format1-release-0.1.0.json';

const SAVED_AT = 1796040000000;
const project = makeProject('p1', 'Harbour at dawn — 夜明け "quoted"', 2);

beforeEach(() => {
  useFakeTimers();
  jest.setSystemTime(SAVED_AT + 60_000);
});
afterEach(() => jest.useRealTimers());

/** A memory storage that, like a file or localStorage, keeps only strings. */
function stringsOnly(initial?: [string, unknown][]): AutosaveStorage & { inner: AutosaveStorage } {
  const inner = memoryStorage(initial);
  return {
    inner,
    name: inner.name,
    stringsOnly: true,
    getItem: (key) => inner.getItem(key),
    async setItem(key, value) {
      if (typeof value !== 'string') throw new TypeError(`strings only, got ${typeof value}`);
      return inner.setItem(key, value);
    },
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
}

describe('format 2, as this release writes it', () => {
  it('keeps the document as the JSON text that was saved, with a u3: checksum of that text', async () => {
    const storage = memoryStorage();
    const { store, autosave } = createTestStore({ storage, storageFormat: 2 });
    store.dispatch(projectLoaded(project));
    await autosave.flush();
    const stored = (await storage.getItem('project:p1')) as { json: string };
    const json = JSON.stringify(project);
    expect(stored).toEqual({ format: 2, version: 1, savedAt: SAVED_AT + 60_000, checksum: checksum(json), json });
    expect(stored.json).toBe(json);
    expect(checksum(json)).toMatch(/^u3:[0-9a-f]{8}$/);
  });

  it('gives a storage that keeps only strings one header line, then the raw text (never JSON-encoded twice)', async () => {
    const storage = stringsOnly();
    const { store, autosave } = createTestStore({ storage, storageFormat: 2 });
    store.dispatch(projectLoaded(project));
    await autosave.flush();
    const text = (await storage.getItem('project:p1')) as string;
    const json = JSON.stringify(project);
    expect(text).toBe(`{"format":2,"version":1,"savedAt":${SAVED_AT + 60_000},"checksum":"${checksum(json)}"}\n${json}`);
    // Loads back.
    const next = createTestStore({ storage, storageFormat: 2 });
    await expect(next.autosave.load('project', 'p1')).resolves.toEqual({ status: 'loaded', document: project, restored: true });
  });

  it('calls a copy whose text changed behind its checksum corrupt, and keeps it aside', async () => {
    const json = JSON.stringify(project);
    const storage = memoryStorage([
      ['project:p1', { format: 2, version: 1, savedAt: SAVED_AT, checksum: checksum(json), json: json.replace('dawn', 'dusk') }],
    ]);
    const { autosave } = createTestStore({ storage });
    await expect(autosave.load('project', 'p1')).resolves.toMatchObject({ status: 'corrupt', error: { message: expect.stringContaining('checksum mismatch') } });
  });
});

describe.each([
  ['an object envelope', () => memoryStorage([['project:p1', fixtures.object]])],
  ['a string envelope', () => stringsOnly([['project:p1', fixtures.string]])],
])('format 1 written by release 0.1.0, as %s', (_name, makeStorage) => {
  it('loads, and is rewritten as format 2 on the next save', async () => {
    const storage = makeStorage();
    const { store, autosave } = createTestStore({ storage, storageFormat: 2 });
    await expect(autosave.load('project', 'p1')).resolves.toEqual({ status: 'loaded', document: project, restored: true });

    store.dispatch(titleChanged('Recut'));
    await autosave.flush();
    const stored = await storage.getItem('project:p1');
    const json = JSON.stringify({ ...project, title: 'Recut' });
    if (typeof stored === 'string') expect(stored.split('\n')[1]).toBe(json);
    else expect(stored).toMatchObject({ format: 2, checksum: checksum(json), json });
    expect(JSON.stringify(stored)).toMatch(/"?format"?\\?"?:2/);
  });

  it('with storageFormat: 1, is written back as release 0.1.0 writes it, byte for byte', async () => {
    jest.setSystemTime(SAVED_AT);
    const storage = makeStorage();
    const fixture = await storage.getItem('project:p1');
    await storage.removeItem('project:p1');
    const { store, autosave } = createTestStore({ storage, storageFormat: 1 });
    store.dispatch(projectLoaded(project));
    await autosave.flush();
    expect(await storage.getItem('project:p1')).toEqual(fixture);
  });
});

describe('a page-close journal entry written by release 0.1.0', () => {
  it('still replays', async () => {
    const items = new Map<string, string>();
    const saved = (globalThis as { localStorage?: unknown }).localStorage;
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    };
    try {
      const storage = memoryStorage([['project:p1', fixtures.object]]);
      items.set(`redux-autosave:journal:${storage.name}:project:p1`, fixtures.journal);
      // The journal entry is newer than the stored copy.
      const newer = JSON.parse(fixtures.journal) as { savedAt: number };
      expect(newer.savedAt).toBeGreaterThanOrEqual((fixtures.object as { savedAt: number }).savedAt);
      const { store, autosave, status } = createTestStore({ storage, storageFormat: 2 });
      const loaded = await autosave.load('project', 'p1');
      expect(loaded).toMatchObject({ status: 'loaded', document: { title: 'Typed before closing' } });
      expect(store.getState().project.current?.title).toBe('Typed before closing');
      await autosave.flush();
      expect(status().status).toBe('saved');
    } finally {
      (globalThis as { localStorage?: unknown }).localStorage = saved;
    }
  });
});

describe('a copy written by a newer release (format 3)', () => {
  const future = { format: 3, version: 1, savedAt: SAVED_AT, checksum: 'x9:00000000', blocks: ['…'] };

  it('is neither kept aside nor written over: load says so, and saves are refused', async () => {
    const storage = memoryStorage([['project:p1', future]]);
    const { store, autosave, status } = createTestStore({ storage });
    const loaded = await autosave.load('project', 'p1');
    expect(loaded).toMatchObject({ status: 'error', error: { code: 'migration', message: expect.stringContaining('stored by a newer release of redux-autosave (envelope format 3)') } });
    expect(await storage.keys()).toEqual(['project:p1']);

    store.dispatch(projectLoaded(makeProject('p1', 'Typed in the old tab')));
    await expect(autosave.flush()).rejects.toThrow();
    expect(status()).toMatchObject({ status: 'error', error: { code: 'migration' } });
    expect(await storage.getItem('project:p1')).toEqual(future);
  });

  it('found by a save (another tab stored it meanwhile) is not written over either', async () => {
    const storage = memoryStorage();
    const { store, autosave } = createTestStore({ storage });
    await autosave.load('project', 'p1');
    await storage.setItem('project:p1', future);
    store.dispatch(projectLoaded(makeProject('p1', 'Mine')));
    await expect(autosave.flush()).rejects.toThrow(/project:p1 \(migration\)/);
    expect(await storage.getItem('project:p1')).toEqual(future);
  });
});

describe('messages between tabs', () => {
  it('carry the protocol version; one of a newer protocol is not acted on', async () => {
    const storage = memoryStorage();
    const onError = jest.fn();
    const a = createTestStore({ storage, onError });
    const b = createTestStore({ storage, onError });
    a.store.dispatch(projectLoaded(makeProject('p1', 'Shared')));
    await a.autosave.flush();
    await b.autosave.load('project', 'p1');

    const channel = new BroadcastChannel(`redux-autosave:${storage.name}`);
    (channel as { unref?: () => void }).unref?.();
    try {
      const heard: unknown[] = [];
      channel.onmessage = (event) => heard.push(event.data);
      a.store.dispatch(titleChanged('Edited in a'));
      await a.autosave.flush();
      await settle();
      expect(heard).toContainEqual(expect.objectContaining({ type: 'saved', key: 'project:p1', protocol: 2 }));

      // A tab of a newer release announces a copy in a language this one does not know.
      channel.postMessage({ type: 'saved', key: 'project:p1', checksum: 'x9:1', protocol: 3 });
      await settle();
      expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'migration', message: expect.stringContaining('tab protocol 3') }));
      expect(b.store.getState().project.current?.title).toBe('Edited in a');
    } finally {
      channel.close();
      await Promise.all([a.autosave.dispose(), b.autosave.dispose()]);
    }
  });
});

export type { Project };
