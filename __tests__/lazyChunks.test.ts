// Code loaded when first needed can fail to load: the page is offline, or a
// tab opened before a deploy asks for a chunk the deploy removed. Such a
// failure must write nothing wrong and show a clear status; the next try
// loads the chunk again (issue 14).
import { memoryStorage } from '../src';
import { createTestStore, makeProject, projectLoaded, titleChanged, useFakeTimers } from './helpers';

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
});
