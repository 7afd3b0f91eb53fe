// Node, server-side rendering, some private modes: no IndexedDB, no
// localStorage, and no `storage` option. jest's setupFiles installed
// fake-indexeddb globally, so take it away again before localforage is
// loaded (it looks for its drivers once, when it is first required).
import { configureStore } from '@reduxjs/toolkit';
import type * as Package from '../src';
import type * as Helpers from './helpers';

for (const name of Object.getOwnPropertyNames(globalThis)) {
  if (name === 'indexedDB' || name.startsWith('IDB')) delete (globalThis as Record<string, unknown>)[name];
}

let pkg!: typeof Package;
let helpers!: typeof Helpers;
jest.isolateModules(() => {
  pkg = require('../src');
  helpers = require('./helpers');
});

function createStoreWithoutStorage() {
  const errors: unknown[] = [];
  const autosave = pkg.createAutosave<{ project: Helpers.Project }>({
    documents: { project: helpers.projectDocument() },
    onError: (error) => errors.push(error),
  });
  const store = configureStore({
    reducer: {
      project: helpers.projectSlice.reducer,
      ui: helpers.uiSlice.reducer,
      [autosave.reducerPath]: autosave.reducer,
    },
    middleware: (gDM) => gDM().concat(autosave.middleware),
  });
  const status = (id = 'p1') => autosave.selectors.selectDocumentStatus(store.getState(), 'project', id);
  return { autosave, store, status, errors };
}

beforeEach(() => {
  helpers.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('with no IndexedDB, no localStorage and no storage option', () => {
  it('runs in an environment that really has neither', () => {
    expect(typeof (globalThis as { indexedDB?: unknown }).indexedDB).toBe('undefined');
    expect(typeof (globalThis as { IDBKeyRange?: unknown }).IDBKeyRange).toBe('undefined');
    expect(typeof (globalThis as { localStorage?: unknown }).localStorage).toBe('undefined');
  });

  it('creates the store and dispatches normally', () => {
    const { store } = createStoreWithoutStorage();

    expect(() => store.dispatch(helpers.projectLoaded(helpers.makeProject('p1', 'Rendered on the server')))).not.toThrow();
    store.dispatch(helpers.titleChanged('Still works'));

    expect(store.getState().project.current?.title).toBe('Still works');
  });

  it('sets status error with code storage and a message naming the storage option, once the save is due', async () => {
    const { store, status, errors } = createStoreWithoutStorage();

    store.dispatch(helpers.projectLoaded(helpers.makeProject('p1')));
    expect(status().status).toBe('pending');
    await jest.advanceTimersByTimeAsync(2000);
    await helpers.settle();

    expect(status()).toMatchObject({
      status: 'error',
      error: { code: 'storage', message: expect.stringMatching(/`storage` option/) },
    });
    expect(status().error?.message).toMatch(/no browser storage is available/);
    expect(status().lastSavedAt).toBeNull();
    expect(errors).toHaveLength(1);
  });

  it('does not retry forever: no timer is left once the save has failed', async () => {
    const { store, autosave, status } = createStoreWithoutStorage();

    store.dispatch(helpers.projectLoaded(helpers.makeProject('p1')));
    await jest.advanceTimersByTimeAsync(2000);
    await helpers.settle();

    expect(status().status).toBe('error');
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(status().status).toBe('error');
    expect(jest.getTimerCount()).toBe(0);

    // flush() fails at once too, instead of waiting out backoff delays.
    await expect(autosave.flush()).rejects.toThrow(/could not be saved/);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('names the document that could not be saved, in flush() and in the error given to onError', async () => {
    const { store, autosave, errors } = createStoreWithoutStorage();

    store.dispatch(helpers.projectLoaded(helpers.makeProject('p1')));
    const flushing = autosave.flush().catch((error: unknown) => error);
    await helpers.settle();
    const error = (await flushing) as AggregateError;

    expect(error).toBeInstanceOf(AggregateError);
    expect(error.message).toMatch(/could not be saved: project:p1 \(storage\)/);
    expect(error.errors).toEqual([expect.objectContaining({ code: 'storage', key: 'project:p1' })]);
    expect(errors).toEqual([expect.objectContaining({ code: 'storage', key: 'project:p1' })]);
  });

  it('fails the next edit the same way, without writing anything anywhere', async () => {
    const { store, status, errors } = createStoreWithoutStorage();

    store.dispatch(helpers.projectLoaded(helpers.makeProject('p1')));
    await jest.advanceTimersByTimeAsync(2000);
    await helpers.settle();
    store.dispatch(helpers.titleChanged('Second try'));
    expect(status().status).toBe('pending');
    await jest.advanceTimersByTimeAsync(2000);
    await helpers.settle();

    expect(status()).toMatchObject({ status: 'error', error: { code: 'storage' } });
    expect(errors).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
    // Nothing was stored anywhere a browser would look.
    expect(typeof (globalThis as { indexedDB?: unknown }).indexedDB).toBe('undefined');
    expect(typeof (globalThis as { localStorage?: unknown }).localStorage).toBe('undefined');
  });

  it('resolves load with status error and code storage, naming the storage option', async () => {
    const { autosave, status } = createStoreWithoutStorage();

    const loading = autosave.load('project', 'p1');
    await helpers.settle();
    const result = await loading;

    expect(result).toEqual({
      status: 'error',
      error: { code: 'storage', message: expect.stringMatching(/`storage` option/) },
    });
    expect(status()).toMatchObject({ status: 'error', error: { code: 'storage' } });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('works once a storage is passed', async () => {
    const autosave = pkg.createAutosave<{ project: Helpers.Project }>({
      storage: pkg.memoryStorage(),
      documents: { project: helpers.projectDocument() },
    });
    const store = configureStore({
      reducer: { project: helpers.projectSlice.reducer, ui: helpers.uiSlice.reducer, [autosave.reducerPath]: autosave.reducer },
      middleware: (gDM) => gDM().concat(autosave.middleware),
    });

    store.dispatch(helpers.projectLoaded(helpers.makeProject('p1')));
    await autosave.flush();

    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1').status).toBe('saved');
    expect(await autosave.exists('project', 'p1')).toBe(true);
  });
});
