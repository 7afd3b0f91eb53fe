/**
 * Hostile and malformed input, at the level of the whole store: what is in
 * storage, what a remote sends, what ids a user types, what a callback does.
 * Each case asserts a status or error a person can act on, and that nothing
 * stored was written over.
 */
import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { createAutosave, httpRemote, memoryStorage, type AutosaveOptions, type AutosaveStorage, type RemoteAdapter } from '../src';
import { checksum } from '../src/envelope';
import { fileStorage } from '../src/node';
import { makeProject, projectDocument, projectLoaded, projectSlice, ProjectSchema, titleChanged, useFakeTimers } from './helpers';
import { faultDevice, KEY, seedRandom, storedDocument, within } from './helpers/faultDevice';
import { createFaultyServer } from './helpers/faultRemote';
import { faultyStorage } from './helpers/faultStorage';
import { readStored, storedData } from './helpers/stored';
import { createDevice } from './helpers/sync';

const T0 = Date.UTC(2025, 5, 2, 9, 0);
let tried = 0;

afterAll(() => {
  console.log(`hostile input: ${tried} hostile inputs tried`);
});

/** A store over one collection of loosely typed documents: whatever keys they carry reach the state. */
const Doc = z.custom<{ id: string; [key: string]: unknown }>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { id?: unknown }).id === 'string',
  'a document is an object with a string id',
);
type Doc = z.infer<typeof Doc>;
const docSlice = createSlice({
  name: 'doc',
  initialState: { current: null as Doc | null },
  reducers: {
    opened(state, action: PayloadAction<Doc>) {
      state.current = action.payload;
    },
    set(state, action: PayloadAction<{ key: string; value: unknown }>) {
      if (state.current) state.current[action.payload.key] = action.payload.value;
    },
  },
});

function docStore(options: Partial<AutosaveOptions<{ doc: Doc }>> = {}) {
  const autosave = createAutosave<{ doc: Doc }>({
    storage: memoryStorage(),
    documents: {
      doc: {
        select: (state: { doc: { current: Doc | null } }) => state.doc.current,
        id: (doc) => doc.id,
        schema: Doc,
        restore: docSlice.actions.opened,
        debounceMs: 1000,
      },
    },
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
    ...options,
  });
  const store = configureStore({
    reducer: { doc: docSlice.reducer, [autosave.reducerPath]: autosave.reducer },
    middleware: (gDM) => gDM().concat(autosave.middleware),
  });
  const status = (id = 'd1') => autosave.selectors.selectDocumentStatus(store.getState(), 'doc', id);
  return { autosave, store, status };
}

/** Object.prototype and friends, untouched. */
function expectNoPollution(): void {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(probe.isAdmin).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.prototype).not.toHaveProperty('isAdmin');
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(originalObjectPrototype);
  expect(typeof ({} as { constructor: unknown }).constructor).toBe('function');
}
const originalObjectPrototype = Object.getOwnPropertyNames(Object.prototype).sort();

/** The object's prototype is an untouched Object.prototype (of whichever realm structuredClone used). */
function expectPlainPrototype(value: unknown): void {
  const proto = Object.getPrototypeOf(value) as object;
  expect(Object.getPrototypeOf(proto)).toBeNull();
  expect(Object.getOwnPropertyNames(proto).sort()).toEqual(originalObjectPrototype);
}

/** An envelope as the library writes it, as JSON text, with whatever fields the test says. */
function envelopeText(data: unknown, fields: Record<string, unknown> = {}): string {
  const json = JSON.stringify(data);
  return JSON.stringify({ format: 1, version: 1, savedAt: T0, checksum: checksum(json), data, ...fields });
}

describe('stored values that are not what the library wrote', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'autosave-hostile-'));
    dir = join(root, 'store');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const project = makeProject('p1', 'Stored', 1);
  // What another program, an older library or a damaged disk may leave in the file.
  const cases: [string, 'corrupt' | 'invalid', 'corrupt' | 'migration' | 'validation', string, RegExp][] = [
    ['an empty file', 'corrupt', 'corrupt', '', /not valid JSON/],
    ['an HTML error page', 'corrupt', 'corrupt', '<!doctype html><h1>502 Bad Gateway</h1>', /not valid JSON/],
    ['binary garbage', 'corrupt', 'corrupt', '\u0000\u0001\u00ff\ufffd\u0007', /not valid JSON/],
    ['JSON null', 'corrupt', 'corrupt', 'null', /not an autosave envelope/],
    ['a JSON array', 'corrupt', 'corrupt', '[1,2,3]', /not an autosave envelope/],
    ['a JSON string', 'corrupt', 'corrupt', '"Stored"', /not an autosave envelope/],
    ['the bare document (redux-persist style)', 'corrupt', 'corrupt', JSON.stringify(project), /unknown envelope format/],
    ['format "1" as a string', 'corrupt', 'corrupt', envelopeText(project, { format: '1' }), /unknown envelope format "1"/],
    ['format 0', 'corrupt', 'corrupt', envelopeText(project, { format: 0 }), /unknown envelope format 0/],
    ['format 2 without its json', 'corrupt', 'corrupt', envelopeText(project, { format: 2 }), /the envelope has no json/],
    ['no checksum', 'corrupt', 'corrupt', envelopeText(project, { checksum: undefined }), /missing version, savedAt or checksum/],
    ['a checksum that does not match', 'corrupt', 'corrupt', envelopeText(project, { checksum: 'fnv1a:00000000' }), /checksum mismatch/],
    ['version 1.5', 'corrupt', 'corrupt', envelopeText(project, { version: 1.5 }), /missing version/],
    ['version "1" as a string', 'corrupt', 'corrupt', envelopeText(project, { version: '1' }), /missing version/],
    ['version 1e400 (Infinity)', 'corrupt', 'corrupt', envelopeText(project).replace('"version":1', '"version":1e400'), /missing version/],
    ['a future version 99', 'invalid', 'migration', envelopeText(project, { version: 99 }), /schema version 99, newer than this app's version 1/],
    ['version 0', 'invalid', 'migration', envelopeText(project, { version: 0 }), /no migration to version 1/],
    ['data that fails the schema', 'invalid', 'validation', envelopeText({ id: 'p1', title: 42, shots: 'none' }), /does not match the schema/],
  ];

  it.each(cases)('%s: load says %s (%s), keeps it aside, restores nothing, and the next save leaves the copy aside intact', async (_name, result, code, raw, message) => {
    tried++;
    const storage = fileStorage(dir);
    await storage.setItem(KEY, raw);
    const autosave = createAutosave<{ project: typeof project }>({
      storage,
      documents: {
        project: {
          select: (state: { project: { current: typeof project | null } }) => state.project.current,
          id: (p) => p.id,
          schema: ProjectSchema,
          restore: projectLoaded,
        },
      },
    });
    const store = configureStore({
      reducer: { project: projectSlice.reducer, [autosave.reducerPath]: autosave.reducer },
      middleware: (gDM) => gDM().concat(autosave.middleware),
    });

    const loaded = await autosave.load('project', 'p1');

    expect(loaded).toMatchObject({ status: result, error: { code, message: expect.stringMatching(message) } });
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1')).toMatchObject({ status: 'error', error: { code } });
    expect(store.getState().project.current).toBeNull();
    const aside = (loaded as { quarantineKey: string }).quarantineKey;
    expect(await storage.getItem(aside)).toBe(raw);
    expect(await storage.getItem(KEY)).toBe(raw);
    expect(await autosave.list('project')).toEqual(['p1']);

    store.dispatch(projectLoaded(makeProject('p1', 'Started again', 0)));
    await autosave.flush();

    expect(await storedDocument(storage)).toEqual(makeProject('p1', 'Started again', 0));
    expect(await storage.getItem(aside)).toBe(raw);
    await autosave.dispose();
  });
});

describe('documents past maxDocumentBytes', () => {
  beforeEach(() => {
    useFakeTimers();
    jest.setSystemTime(T0);
  });
  afterEach(() => jest.useRealTimers());

  it('are not written with the default limit of 5 MB: status error naming the limit, the stored copy kept', async () => {
    tried++;
    const { autosave, store, status } = docStore();
    store.dispatch(docSlice.actions.opened({ id: 'd1', text: 'small' }));
    await jest.advanceTimersByTimeAsync(1000);
    const before = await (autosave as unknown as { list(c: string): Promise<string[]> }).list('doc');
    expect(before).toEqual(['d1']);

    store.dispatch(docSlice.actions.set({ key: 'text', value: 'x'.repeat(5_000_001) }));
    await jest.advanceTimersByTimeAsync(1000);

    expect(status()).toMatchObject({
      status: 'error',
      error: { code: 'validation', message: expect.stringMatching(/is 5000\d{3} bytes serialized, over maxDocumentBytes \(5000000\); not saved/) },
    });
    expect(autosave.selectors.selectHasUnsavedChanges(store.getState())).toBe(true);
    const refused = (await autosave.flush().catch((error: unknown) => error)) as AggregateError;
    expect(refused.message).toBe('redux-autosave: 1 of 1 documents could not be saved: doc:d1 (validation)');
    expect(refused.errors[0].message).toMatch(/maxDocumentBytes \(5000000\)/);
  });

  // maxDocumentBytes counts the UTF-8 bytes of the serialized text; the
  // library measures only documents that might be near the limit, so these
  // sit right at it, in characters of every width. Mutations they catch
  // (issue 10, item 9): the fast path's bound loosened (`json.length * 3` →
  // `* 2`: a text of 3-byte characters is measured in UTF-16 units) and the
  // limit made exclusive (`bytes > limit` → `>=`).
  const utf8 = (text: string) => new TextEncoder().encode(text).length;
  /** A document whose JSON text is exactly `bytes` bytes of UTF-8, its text made of `unit` as far as it goes. */
  function documentOfBytes(bytes: number, unit: string): Doc & { text: string } {
    let text = '';
    const size = () => utf8(JSON.stringify({ id: 'd1', text }));
    while (size() + utf8(JSON.stringify(unit)) - 2 <= bytes) text += unit;
    while (size() < bytes) text += 'x';
    return { id: 'd1', text };
  }
  it.each([
    ['2-byte characters (é)', 'é'],
    ['3-byte characters (€)', '€'],
    ['3-byte CJK characters (語)', '語'],
    ['4-byte characters, surrogate pairs (🎬)', '🎬'],
    ['combining marks (e + U+0301)', 'e\u0301'],
    ['an emoji ZWJ sequence (👩‍💻)', '👩\u200d💻'],
    // ASCII once serialized: escapes count as the characters they are written with.
    ['lone surrogates, which JSON escapes (\\ud800)', '\ud800'],
    ['control characters, quotes and backslashes, escaped', '\u0001"\\'],
  ])('%s: a document of exactly maxDocumentBytes is written, one byte more is not', async (_name, unit) => {
    tried++;
    const limit = 1000;
    const storage = memoryStorage();
    const { store, status } = docStore({ storage, maxDocumentBytes: limit });
    const fits = documentOfBytes(limit, unit);
    expect(utf8(JSON.stringify(fits))).toBe(limit);

    store.dispatch(docSlice.actions.opened(fits));
    await jest.advanceTimersByTimeAsync(1000);
    expect(status()).toMatchObject({ status: 'saved', error: null });

    store.dispatch(docSlice.actions.set({ key: 'text', value: `${fits.text}x` }));
    await jest.advanceTimersByTimeAsync(1000);
    expect(status()).toMatchObject({
      status: 'error',
      error: { code: 'validation', message: expect.stringContaining(`is ${limit + 1} bytes serialized, over maxDocumentBytes (${limit})`) },
    });
    expect(storedData(await storage.getItem('doc:d1'))).toEqual(fits);
  });

  it('are not written when they come from the remote either, and the local copy stays', async () => {
    tried++;
    seedRandom(3);
    const server = createFaultyServer();
    const disk = faultyStorage();
    const a = faultDevice(server, disk.storage, { maxDocumentBytes: 100_000 });
    a.store.dispatch(projectLoaded(makeProject('p1', 'Small', 1)));
    await jest.advanceTimersByTimeAsync(2000);
    const huge = makeProject('p1', 'Huge', 1);
    huge.shots[0].prompt = 'y'.repeat(200_000);
    server.write(KEY, huge);

    a.store.dispatch(a.autosave.actions.syncNow());
    await jest.advanceTimersByTimeAsync(1000);

    expect(a.status()).toMatchObject({ status: 'error', error: { message: expect.stringMatching(/maxDocumentBytes \(100000\)/) } });
    expect((await storedDocument(disk.inner))?.title).toBe('Small');
  });
});

describe('__proto__, constructor and prototype keys', () => {
  const hostile =
    '{"id":"d1","text":"hi","__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"polluted":true}},' +
    '"nested":{"__proto__":{"isAdmin":true},"prototype":{"polluted":true}}}';

  beforeEach(() => {
    useFakeTimers();
    jest.setSystemTime(T0);
    seedRandom(5);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    expectNoPollution();
  });

  it('in a stored copy: restored and saved back as plain data, no prototype touched', async () => {
    tried++;
    const data = JSON.parse(hostile) as Doc;
    const storage = memoryStorage([['doc:d1', envelopeText(data)]]);
    const { autosave, store, status } = docStore({ storage });

    const loaded = await autosave.load('doc', 'd1');

    expect(loaded.status).toBe('loaded');
    const current = store.getState().doc.current!;
    expectPlainPrototype(current);
    expect((current as { polluted?: unknown }).polluted).toBeUndefined();
    expectNoPollution();

    store.dispatch(docSlice.actions.set({ key: 'text', value: 'edited' }));
    await jest.advanceTimersByTimeAsync(1000);
    expect(status().status).toBe('saved');
    const saved = await readStored<Record<string, unknown>>(storage, 'doc:d1');
    expectPlainPrototype(saved.data);
    expect(saved.data.text).toBe('edited');
    // Kept as the data it was, neither applied nor dropped (in the stored text itself, when the format keeps one).
    expect(saved.json ?? JSON.stringify(saved.data)).toContain('"__proto__":{"polluted":true,"isAdmin":true}');
    expectNoPollution();
  });

  it('in a remote copy, pulled and merged with a local edit: no prototype touched', async () => {
    tried++;
    const server = createFaultyServer();
    const storage = faultyStorage().storage;
    const remote = server.remote();
    const { autosave, store } = docStore({ storage, remote });
    store.dispatch(docSlice.actions.opened({ id: 'd1', text: 'hi' }));
    await jest.advanceTimersByTimeAsync(2000);
    expect(server.document('doc:d1')).toBeDefined();

    server.write('doc:d1', JSON.parse(hostile));
    store.dispatch(docSlice.actions.set({ key: 'local', value: 'edit made meanwhile' }));
    await jest.advanceTimersByTimeAsync(5000);
    store.dispatch(autosave.actions.syncNow());
    await jest.advanceTimersByTimeAsync(5000);

    const current = store.getState().doc.current!;
    expect(current).toMatchObject({ id: 'd1', local: 'edit made meanwhile', nested: expect.any(Object) });
    expectPlainPrototype(current);
    expectPlainPrototype(current.nested);
    expect(Object.hasOwn(current, '__proto__')).toBe(true);
    expect(Object.hasOwn(current.nested as object, '__proto__')).toBe(true);
    expectNoPollution();
  });
});

describe('remote answers that are not the protocol', () => {
  beforeEach(() => {
    useFakeTimers();
    jest.setSystemTime(T0);
    seedRandom(9);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** A device whose remote answers GETs with `answer()`, PUTs as the in-memory server does. */
  async function deviceWithBadPulls(answer: () => Response, options: { maxResponseBytes?: number } = {}) {
    const server = createFaultyServer();
    const fetchServer = server.fetchFor();
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) =>
      (init?.method ?? 'GET') === 'GET' ? answer() : fetchServer(input, init)) as typeof globalThis.fetch;
    const storage = faultyStorage();
    const remote: RemoteAdapter = httpRemote({ url: 'https://sync.test/api/autosave', fetch, timeoutMs: 5000, ...options });
    const first = createDevice(remote, { storage: storage.storage, documents: { project: projectDocument({ debounceMs: 1000 }) } });
    first.store.dispatch(projectLoaded(makeProject('p1', 'Local copy', 1)));
    await jest.advanceTimersByTimeAsync(2000);
    await first.autosave.dispose();
    const reopened = createDevice(remote, { storage: storage.storage });
    await jest.advanceTimersByTimeAsync(0);
    return { server, storage, reopened };
  }

  it.each([
    ['an HTML page', () => new Response('<!doctype html><title>Sign in</title>', { headers: { 'content-type': 'text/html' } }), /not the autosave protocol's JSON/],
    ['truncated JSON', () => new Response('{"version":"7","data":{"id":"p1","ti', { headers: { 'content-type': 'application/json' } }), /not the autosave protocol's JSON/],
    ['JSON of the wrong shape', () => Response.json({ ok: true }), /not the autosave protocol's JSON/],
    ['a document that fails the schema', () => Response.json({ version: '7', data: { id: 'p1', title: 42 } }), /not valid/],
  ])('%s on load: the local copy is restored and kept, the status says what the remote did', async (_name, answer, message) => {
    tried++;
    const { storage, reopened } = await deviceWithBadPulls(answer);

    const loaded = await within(reopened.autosave.load('project', 'p1'));

    expect(loaded).toMatchObject({ status: 'fulfilled', value: { status: 'loaded', document: { title: 'Local copy' } } });
    expect(reopened.project()?.title).toBe('Local copy');
    expect(reopened.status()).toMatchObject({ status: 'error', error: { code: 'remote', message: expect.stringMatching(message) } });
    expect((await storedDocument(storage.inner))?.title).toBe('Local copy');
  });

  it.each([
    ['streamed, with no Content-Length', false],
    ['announced by Content-Length', true],
  ])('300 MB %s: refused by maxResponseBytes after reading at most a chunk past it, the local copy kept', async (_name, announced) => {
    tried++;
    const total = 300 * 1024 * 1024;
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let produced = 0;
    const answer = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (produced >= total) return controller.close();
            produced += chunk.length;
            controller.enqueue(chunk);
          },
        }),
        { headers: { 'content-type': 'application/json', ...(announced ? { 'content-length': String(total) } : {}) } },
      );
    const { storage, reopened } = await deviceWithBadPulls(answer, { maxResponseBytes: 10 * 1024 * 1024 });

    const loaded = await within(reopened.autosave.load('project', 'p1'));

    expect(produced).toBeLessThanOrEqual(announced ? 2 * chunk.length : 10 * 1024 * 1024 + 2 * chunk.length);
    expect(loaded).toMatchObject({ status: 'fulfilled', value: { status: 'loaded', document: { title: 'Local copy' } } });
    expect(reopened.status()).toMatchObject({
      status: 'error',
      error: { code: 'remote', message: expect.stringContaining('larger than `maxResponseBytes` (10485760 bytes), so it was not read') },
    });
    expect((await storedDocument(storage.inner))?.title).toBe('Local copy');
  });
});

describe('a headers function that throws', () => {
  beforeEach(() => {
    useFakeTimers();
    jest.setSystemTime(T0);
    seedRandom(13);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it.each([
    ['throws', () => { throw new Error('token expired, sign in again'); }],
    ['rejects', async () => { throw new Error('token expired, sign in again'); }],
  ])('that %s: nothing is sent, the status says why, the local copy is saved and pushed once it works again', async (_name, broken) => {
    tried++;
    const server = createFaultyServer();
    let headers: () => Record<string, string> | Promise<Record<string, string>> = () => ({ authorization: 'Bearer good' });
    const remote = httpRemote({ url: 'https://sync.test/api/autosave', fetch: server.fetchFor(), headers: () => headers() });
    const storage = faultyStorage();
    const a = createDevice(remote, { storage: storage.storage, documents: { project: projectDocument({ debounceMs: 1000 }) } });
    a.store.dispatch(projectLoaded(makeProject('p1', 'Trailer', 1)));
    await jest.advanceTimersByTimeAsync(2000);
    const sent = server.log.requests.length;

    headers = broken as typeof headers;
    a.store.dispatch(titleChanged('Edited with an expired token'));
    await jest.advanceTimersByTimeAsync(2000);

    expect(server.log.requests.length).toBe(sent);
    expect(a.status()).toMatchObject({
      status: 'error',
      pendingSync: true,
      error: { code: 'remote', message: expect.stringContaining('was not sent: the `headers` function threw: token expired, sign in again') },
    });
    expect((await storedDocument(storage.inner))?.title).toBe('Edited with an expired token');

    headers = () => ({ authorization: 'Bearer renewed' });
    a.store.dispatch(a.autosave.actions.syncNow());
    await jest.advanceTimersByTimeAsync(1000);
    expect((server.document(KEY)?.data as { title: string }).title).toBe('Edited with an expired token');
    expect(a.status()).toMatchObject({ status: 'saved', pendingSync: false, error: null });
  });
});

describe('document ids with /, .., and control characters', () => {
  const ids = ['../../outside', '..', '.', 'a/b/c', '/absolute', 'back\\slash\\..\\..', 'nul\u0000byte', 'line\nbreak\ttab', 'bell\u0007', '%2e%2e%2f', 'CON', 'é 🎬 夜'];

  function idStore(storage: AutosaveStorage, remote?: RemoteAdapter) {
    return docStore({ storage, remote });
  }

  it('are kept whole and inside the directory of fileStorage, listed and loaded back', async () => {
    tried += ids.length;
    const root = mkdtempSync(join(tmpdir(), 'autosave-ids-'));
    const dir = join(root, 'store');
    try {
      const storage = fileStorage(dir);
      const first = idStore(storage);
      for (const id of ids) {
        first.store.dispatch(docSlice.actions.opened({ id, text: `text of ${JSON.stringify(id)}` }));
      }
      await first.autosave.flush();
      await first.autosave.dispose();

      const everything = readdirSync(root, { recursive: true }) as string[];
      expect(everything.every((name) => !relative(root, join(root, name)).startsWith('..'))).toBe(true);
      expect(readdirSync(root)).toEqual(['store']);
      expect(readdirSync(dir).every((name) => name.endsWith('.json') && !name.includes('/') && !name.startsWith('.'))).toBe(true);

      const second = idStore(storage);
      expect((await second.autosave.list('doc')).sort()).toEqual([...ids].sort());
      for (const id of ids) {
        const loaded = await second.autosave.load('doc', id);
        expect(loaded).toMatchObject({ status: 'loaded', document: { id, text: `text of ${JSON.stringify(id)}` } });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('travel to the remote as one encoded path segment each, and come back whole', async () => {
    tried += ids.length;
    useFakeTimers();
    seedRandom(17);
    try {
      const server = createFaultyServer();
      const { autosave, store } = idStore(faultyStorage().storage, server.remote());
      await jest.advanceTimersByTimeAsync(0); // the sync engine starts (syncFaults.test.ts: what if it has not)
      for (const id of ids) store.dispatch(docSlice.actions.opened({ id, text: id }));
      await within(autosave.flush());
      await jest.advanceTimersByTimeAsync(5000);

      expect(server.keys().sort()).toEqual(ids.map((id) => `doc:${id}`).sort());
      for (const request of server.log.requests) {
        const path = new URL(request.url).pathname;
        expect(path.startsWith('/api/autosave/')).toBe(true);
        const segment = path.slice('/api/autosave/'.length);
        expect(segment).not.toMatch(/[/\\\u0000-\u001f]/);
        expect(decodeURIComponent(segment)).toBe(request.key);
      }
      for (const id of ids) expect((server.document(`doc:${id}`)?.data as Doc).text).toBe(id);
    } finally {
      jest.useRealTimers();
      jest.restoreAllMocks();
    }
  });
});
