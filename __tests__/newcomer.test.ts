// What a newcomer hits in the first hour (issue 12): mistakes that must be
// loud, logging out, and the traps of ids and collection names.
import { configureStore } from '@reduxjs/toolkit';
import { createAutosave, memoryStorage } from '../src';
import {
  createTestStore,
  makeProject,
  projectDocument,
  projectLoaded,
  projectSlice,
  titleChanged,
  uiSlice,
  useFakeTimers,
  type Project,
} from './helpers';
import { misbehavingServer } from './helpers/misbehavingServer';
import { readStoredData } from './helpers/stored';

let consoleError: jest.SpyInstance;
beforeEach(() => {
  useFakeTimers();
  consoleError = jest.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  consoleError.mockRestore();
  jest.useRealTimers();
});

const logged = () => consoleError.mock.calls.map((args) => args.map((arg: unknown) => (arg instanceof Error ? arg.message : String(arg))).join(' '));

describe('a callback that fails, with no onError', () => {
  it('a select that throws is logged once, however many actions run it', async () => {
    const { store } = createTestStore({
      documentOptions: {
        select: () => {
          throw new Error('state.project is undefined');
        },
      },
    });
    for (let i = 0; i < 50; i++) store.dispatch(uiSlice.actions.hovered(i));
    expect(logged()).toEqual([expect.stringMatching(/a callback failed.*state\.project is undefined/)]);
  });

  it('an id() that returns nothing is logged, naming the option', () => {
    const { store } = createTestStore({ documentOptions: { id: () => undefined as unknown as string } });
    store.dispatch(projectLoaded(makeProject('p1')));
    store.dispatch(titleChanged('again'));
    expect(logged()).toEqual([expect.stringContaining('`documents.project.id` must return a non-empty string or a number, returned undefined')]);
  });

  it('a save that fails is on the status, not the console', async () => {
    const { store, autosave, status } = createTestStore();
    store.dispatch(projectLoaded(makeProject('p1', 'x'.repeat(300))));
    await expect(autosave.flush()).rejects.toThrow();
    expect(status().status).toBe('error');
    expect(logged()).toEqual([]);
  });

  it('with onError, nothing reaches the console', () => {
    const onError = jest.fn();
    const { store } = createTestStore({ onError, documentOptions: { id: () => ({}) as unknown as string } });
    store.dispatch(projectLoaded(makeProject('p1')));
    expect(onError).toHaveBeenCalledTimes(1);
    expect(logged()).toEqual([]);
  });
});

describe('a store without the middleware', () => {
  function storeWithoutMiddleware() {
    const autosave = createAutosave<{ project: Project }>({ storage: memoryStorage(), documents: { project: projectDocument() } });
    const store = configureStore({ reducer: { project: projectSlice.reducer, [autosave.reducerPath]: autosave.reducer } });
    return { autosave, store };
  }

  it('is said once, as soon as the reducer sees an action, naming the fix', () => {
    const { store } = storeWithoutMiddleware();
    expect(logged()).toEqual([]);
    store.dispatch(projectLoaded(makeProject('p1')));
    store.dispatch(titleChanged('unsaved'));
    expect(logged()).toEqual([
      expect.stringContaining('sees actions, but autosave.middleware is not in the store, so nothing is saved; add it: configureStore'),
    ]);
  });

  it('load() says what is missing: the middleware, not the store', async () => {
    const { autosave, store } = storeWithoutMiddleware();
    store.dispatch(projectLoaded(makeProject('p1')));
    await expect(autosave.load('project', 'p1')).rejects.toThrow(
      'load() was called, but autosave.middleware is not in the store that holds autosave.reducer',
    );
  });

  it('before any store, load() says so', async () => {
    const autosave = createAutosave<{ project: Project }>({ storage: memoryStorage(), documents: { project: projectDocument() } });
    await expect(autosave.load('project', 'p1')).rejects.toThrow('load() was called before the store was created, or on a store without autosave.middleware');
  });
});

/** localStorage as browsers have it: the journal lives there. */
function installLocalStorage() {
  const items = new Map<string, string>();
  const storage = {
    get length() {
      return items.size;
    },
    key: (i: number) => [...items.keys()][i] ?? null,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, String(value)),
    removeItem: (key: string) => void items.delete(key),
  };
  (globalThis as { localStorage?: unknown }).localStorage = storage;
  return { items, uninstall: () => delete (globalThis as { localStorage?: unknown }).localStorage };
}

describe('purge()', () => {
  it('removes every document and all bookkeeping of the instance, and leaves the rest', async () => {
    const journal = installLocalStorage();
    try {
      const server = misbehavingServer();
      const storage = memoryStorage();
      await storage.setItem('settings:default', { kept: true });
      const { store, autosave, status } = createTestStore({ storage, remote: server.remote() });
      store.dispatch(projectLoaded(makeProject('p1')));
      await autosave.flush();
      await jest.advanceTimersByTimeAsync(100);
      store.dispatch(projectLoaded(makeProject('p2')));
      await autosave.flush();
      await storage.setItem('__autosave/quarantine/project:p3/00c0ffee', 'a bad copy');
      journal.items.set(`redux-autosave:journal:${storage.name}:project:p2`, 'an unsaved edit');
      journal.items.set('redux-autosave:journal:other:project:p2', 'another storage’s');
      expect((await storage.keys()).some((key) => key.startsWith('__autosave/base/'))).toBe(true);

      await autosave.purge();

      expect(await storage.keys()).toEqual(['settings:default']);
      expect([...journal.items.keys()]).toEqual(['redux-autosave:journal:other:project:p2']);
      expect(store.getState().autosave).toEqual({
        documents: {},
        loads: {},
        counts: { idle: 0, pending: 0, saving: 0, saved: 0, error: 0, offline: 0, conflict: 0, unsaved: 0 },
      });
      expect(status('p2').status).toBe('idle');
      // The remote keeps its copies: logging out is not deleting.
      expect(server.document('project:p1')).toBeDefined();
    } finally {
      journal.uninstall();
    }
  });

  it('cancels a save that was waiting, and saves an edit made after it', async () => {
    const storage = memoryStorage();
    const { store, autosave, status } = createTestStore({ storage });
    store.dispatch(projectLoaded(makeProject('p1')));
    await autosave.flush();
    store.dispatch(titleChanged('typed just before logging out'));
    expect(status().status).toBe('pending');

    await autosave.purge();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(await storage.keys()).toEqual([]);
    expect(status().status).toBe('idle');

    store.dispatch(titleChanged('typed after'));
    await jest.advanceTimersByTimeAsync(2000);
    expect(status().status).toBe('saved');
    expect((await readStoredData<Project>(storage, 'project:p1')).title).toBe('typed after');
  });
});

describe('traps', () => {
  it('a collection that does not exist is said once when its status is selected', () => {
    const { store, autosave } = createTestStore();
    const select = autosave.selectors.selectDocumentStatus as (state: unknown, collection: string) => unknown;
    select(store.getState(), 'projects');
    select(store.getState(), 'projects');
    expect(logged()).toEqual([
      expect.stringContaining('selectDocumentStatus(state, "projects"): there is no collection named "projects", so its status is always idle; the collections are project'),
    ]);
  });

  it('load() without an id on a collection with an id function is said once', async () => {
    const { autosave } = createTestStore();
    const load = autosave.load as (collection: 'project') => Promise<unknown>;
    await load('project');
    await load('project');
    expect(logged()).toEqual([
      expect.stringContaining('load("project") without an id means the document "project:default", but `documents.project` has an id function: pass the document\'s id'),
    ]);
  });

  it('a second load of a key while one runs shares it', async () => {
    const { autosave, store } = createTestStore();
    const first = autosave.load('project', 'p1');
    const second = autosave.load('project', 'p1');
    expect(second).toBe(first);
    expect(autosave.selectors.selectLoadStatus(store.getState(), 'project', 'p1')).toBe('loading');
    await first;
    expect(autosave.selectors.selectLoadStatus(store.getState(), 'project', 'p1')).toBe('missing');
  });
});
