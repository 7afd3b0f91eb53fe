// Code loaded when first needed can fail to load: the page is offline, or a
// tab opened before a deploy asks for a chunk the deploy removed. Such a
// failure must write nothing wrong and show a clear status; the next try
// loads the chunk again (issue 14).
import { configureStore } from '@reduxjs/toolkit';
import { memoryStorage, type AutosaveOptions, type AutosaveStorage } from '../src';
import {
  createTestStore,
  makeProject,
  projectDocument,
  projectLoaded,
  projectSlice,
  promptChanged,
  settle,
  titleChanged,
  useFakeTimers,
  type Project,
} from './helpers';
import { readStoredData } from './helpers/stored';

const gone = () => {
  throw new Error('Failed to fetch dynamically imported module: /assets/chunk-3f2a.js');
};

beforeEach(useFakeTimers);
afterEach(() => {
  jest.dontMock('../src/roundTrip');
  jest.dontMock('../src/core/rare');
  jest.useRealTimers();
});

describe('the chunk that reads a schema, before the first save (production builds)', () => {
  const environment = process.env.NODE_ENV;
  beforeEach(() => {
    // Production builds read the schema before the first save, not at creation.
    process.env.NODE_ENV = 'production';
  });
  afterEach(() => {
    process.env.NODE_ENV = environment;
  });

  it('fails the save with a status that says so and writes nothing; the next save loads it and writes', async () => {
    jest.doMock('../src/roundTrip', gone);
    const storage = memoryStorage();
    const { store, autosave, status } = createTestStore({ storage });
    store.dispatch(projectLoaded(makeProject('p1', 'Offline draft')));
    await expect(autosave.flush()).rejects.toThrow(/project:p1 \(storage\)/);
    expect(status()).toMatchObject({
      status: 'error',
      error: { code: 'storage', message: expect.stringContaining('could not load the part of redux-autosave that checks project documents') },
    });
    expect(await storage.keys()).toEqual([]);

    jest.dontMock('../src/roundTrip');
    store.dispatch(titleChanged('Back online'));
    await autosave.flush();
    expect(status().status).toBe('saved');
    expect(await storage.keys()).toEqual(['project:p1']);
  });
});

describe('the chunk of rarely run code', () => {
  it('missing when a load meets a corrupt copy: the copy is neither kept aside nor written over until it loads', async () => {
    const storage = memoryStorage([['project:p1', '{"format":2, cut short']]);
    jest.doMock('../src/core/rare', gone);
    const { store, autosave, status } = createTestStore({ storage });

    const loaded = await autosave.load('project', 'p1');
    expect(loaded).toMatchObject({ status: 'error', error: { code: 'storage', message: expect.stringContaining('could not load part of redux-autosave') } });
    expect(await storage.keys()).toEqual(['project:p1']);

    // An edit must not write over the copy that could not be kept aside.
    store.dispatch(projectLoaded(makeProject('p1', 'New')));
    const flushed = autosave.flush().then(
      () => 'saved',
      (error: Error) => error.message,
    );
    await jest.advanceTimersByTimeAsync(60_000); // the write's retries
    expect(await flushed).toMatch(/project:p1 \(storage\)/);
    expect(status().status).toBe('error');
    expect(await storage.getItem('project:p1')).toBe('{"format":2, cut short');

    // Back: the next save keeps the bad copy aside first, then writes.
    jest.dontMock('../src/core/rare');
    store.dispatch(titleChanged('New, again'));
    await autosave.flush();
    expect(status().status).toBe('saved');
    const keys = await storage.keys();
    expect(keys.filter((key) => key.startsWith('__autosave/quarantine/project:p1/'))).toHaveLength(1);
  });

  it('missing when another tab announces a save: told to onError, and nothing is written over that copy until it loads', async () => {
    // A module registry of its own: the tests above loaded (and kept) the chunk.
    let fresh!: typeof import('../src');
    jest.isolateModules(() => {
      fresh = require('../src');
    });
    const openTab = (storage: AutosaveStorage, options: Partial<AutosaveOptions<{ project: Project }>> = {}) => {
      const autosave = fresh.createAutosave<{ project: Project }>({ storage, documents: { project: projectDocument() }, ...options });
      const store = configureStore({
        reducer: { project: projectSlice.reducer, [autosave.reducerPath]: autosave.reducer },
        middleware: (getDefaultMiddleware) => getDefaultMiddleware().concat(autosave.middleware),
      });
      const status = () => autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1');
      return { store, autosave, status };
    };
    const storage = fresh.memoryStorage();
    const seed = openTab(storage, { crossTab: false });
    seed.store.dispatch(projectLoaded(makeProject('p1', 'Trailer', 3)));
    await seed.autosave.dispose();
    const errors: unknown[] = [];
    const a = openTab(storage);
    const b = openTab(storage, { onError: (error) => errors.push(error) });
    await a.autosave.load('project', 'p1');
    await b.autosave.load('project', 'p1');

    // Acting on another tab's message is rare code: here its chunk is gone.
    jest.doMock('../src/core/rare', gone);
    a.store.dispatch(titleChanged('Saved in tab A'));
    await a.autosave.flush();
    await settle();
    expect(errors).toContainEqual(expect.objectContaining({ code: 'storage', message: expect.stringContaining('could not load part of redux-autosave') }));
    expect(b.store.getState().project.current!.title).toBe('Trailer');

    // B's own edit must not be written over A's copy, which B could not take in.
    b.store.dispatch(promptChanged({ shotId: 's2', prompt: 'Edited in tab B' }));
    const flushed = b.autosave.flush().then(
      () => 'saved',
      (error: Error) => error.message,
    );
    await jest.advanceTimersByTimeAsync(60_000); // the write's retries
    expect(await flushed).toMatch(/project:p1 \(storage\)/);
    expect(b.status()).toMatchObject({ status: 'error', error: { code: 'storage' } });
    expect((await readStoredData<Project>(storage, 'project:p1')).title).toBe('Saved in tab A');

    // Back: B's next save takes A's copy in first, and both edits are stored.
    jest.dontMock('../src/core/rare');
    await b.autosave.flush();
    expect(b.status().status).toBe('saved');
    const stored = await readStoredData<Project>(storage, 'project:p1');
    expect(stored.title).toBe('Saved in tab A');
    expect(stored.shots[1].prompt).toBe('Edited in tab B');
    await Promise.all([a.autosave.dispose({ flush: false }), b.autosave.dispose({ flush: false })]);
  });
});

describe('a page fetches the rare code once it is idle (offline first)', () => {
  beforeEach(() => {
    // A page: the prefetch is for browsers (a process loads modules from its disk).
    Object.defineProperty(globalThis, 'document', { value: new EventTarget(), configurable: true, writable: true });
  });
  afterEach(() => {
    delete (globalThis as { document?: unknown }).document;
  });

  /** A page with a stored document goes offline (the chunk can no longer load) after `onlineMs`, then removes the document. */
  async function removeOffline(onlineMs: number) {
    // A module registry of its own, so the chunk is not already loaded by an earlier test.
    let fresh!: typeof import('../src');
    jest.isolateModules(() => {
      fresh = require('../src');
    });
    const storage = fresh.memoryStorage();
    const autosave = fresh.createAutosave<{ project: Project }>({ storage, documents: { project: projectDocument() } });
    const store = configureStore({
      reducer: { project: projectSlice.reducer, [autosave.reducerPath]: autosave.reducer },
      middleware: (getDefaultMiddleware) => getDefaultMiddleware().concat(autosave.middleware),
    });
    store.dispatch(projectLoaded(makeProject('p1', 'Storyboard')));
    await autosave.flush();
    await jest.advanceTimersByTimeAsync(onlineMs);
    await settle();
    jest.doMock('../src/core/rare', gone);
    const removed = await autosave.remove('project', 'p1').then(
      () => 'removed',
      (error: Error) => error.message,
    );
    const keys = await storage.keys();
    await autosave.dispose({ flush: false });
    return { removed, keys };
  }

  it('a page idle once before it went offline removes a document offline', async () => {
    expect(await removeOffline(2000)).toEqual({ removed: 'removed', keys: [] });
  });

  it('a page that went offline before it was idle says why it cannot, and removes nothing', async () => {
    expect(await removeOffline(0)).toEqual({ removed: expect.stringContaining('could not load part of redux-autosave'), keys: ['project:p1'] });
  });
});
