import { configureStore } from '@reduxjs/toolkit';
import { memoryStorage, type AutosaveState, type DocumentStatus, type SaveStatus } from '../src';
import { failingStorage, makeProject, projectLoaded, projectSlice, settle, storages, titleChanged, uiSlice, useFakeTimers } from './helpers';
import { createRecordingStore, createSavePathAutosave, deferredStorage, notesChanged, seed } from './helpers/savePath';

beforeEach(() => {
  useFakeTimers();
});

afterEach(async () => {
  // fake-indexeddb finishes its bookkeeping on real macrotasks: let it end inside the test.
  await settle();
  jest.restoreAllMocks();
  jest.useRealTimers();
});

// The fields §6 names; the sync engine may add more, so statuses are matched, not equalled.
const IDLE = { status: 'idle', lastSavedAt: null, lastSyncedAt: null, error: null, pendingSync: false };
const preloadedState = { project: { current: makeProject('p1') } };

describe('selectDocumentStatus', () => {
  it('reads an unseen document as idle, the same object every time', () => {
    const autosave = createSavePathAutosave();
    const { store } = createRecordingStore(autosave);
    const { selectDocumentStatus } = autosave.selectors;

    const first = selectDocumentStatus(store.getState(), 'project', 'nobody');
    store.dispatch(uiSlice.actions.hovered(3));
    const second = selectDocumentStatus(store.getState(), 'project', 'other');

    expect(first).toMatchObject(IDLE);
    expect(second).toBe(first);
    expect(selectDocumentStatus(store.getState(), 'notes')).toBe(first);
    expect(selectDocumentStatus({}, 'notes')).toBe(first);
  });

  it('reads a saved document with the time it was written', async () => {
    const autosave = createSavePathAutosave();
    const { store } = createRecordingStore(autosave, { preloadedState });

    store.dispatch(titleChanged('Saved'));
    await jest.advanceTimersByTimeAsync(2000);

    const status = autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1');
    expect(status).toMatchObject({ ...IDLE, status: 'saved', lastSavedAt: Date.now() });
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1')).toBe(status);
  });

  it('finds a collection without ids under its default id', async () => {
    const autosave = createSavePathAutosave();
    const { store } = createRecordingStore(autosave);

    store.dispatch(notesChanged('Notes'));

    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'notes').status).toBe('pending');
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'notes', 'default').status).toBe('pending');
    expect(store.getState().autosave.documents).toHaveProperty(['notes:default']);
  });
});

describe('selectOverallStatus', () => {
  it('follows real saves: idle, pending, saving, saved, and error wins over them', async () => {
    const deferred = deferredStorage();
    const autosave = createSavePathAutosave({ storage: deferred.storage });
    const { store } = createRecordingStore(autosave, { preloadedState });
    const overall = () => autosave.selectors.selectOverallStatus(store.getState());

    expect(overall()).toBe('idle');
    store.dispatch(titleChanged('Edited'));
    expect(overall()).toBe('pending');
    await jest.advanceTimersByTimeAsync(2000);
    expect(overall()).toBe('saving');

    // notes pending while project saves: saving is the worse of the two.
    store.dispatch(notesChanged('Notes'));
    expect(overall()).toBe('saving');

    await deferred.releaseNext();
    await jest.advanceTimersByTimeAsync(0);
    expect(overall()).toBe('pending');

    // An invalid project next to the pending notes: error.
    store.dispatch(titleChanged('x'.repeat(201)));
    await jest.advanceTimersByTimeAsync(2000);
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1').status).toBe('error');
    expect(overall()).toBe('error');

    // Valid again and both written: saved.
    store.dispatch(titleChanged('Valid'));
    await jest.advanceTimersByTimeAsync(2000);
    await deferred.releaseNext();
    await deferred.releaseNext();
    await jest.advanceTimersByTimeAsync(0);
    expect(overall()).toBe('saved');
  });

  const order: SaveStatus[] = ['error', 'conflict', 'offline', 'saving', 'pending', 'saved', 'idle'];
  const pairs = order.flatMap((worse, i) => order.slice(i + 1).map((better) => [worse, better] as const));

  // conflict and offline come from the sync engine, so these states are built by hand.
  it.each(pairs)('picks %s over %s, whatever the order of the documents', (worse, better) => {
    const autosave = createSavePathAutosave();
    const idle: DocumentStatus = autosave.selectors.selectDocumentStatus({}, 'project', 'a');
    const state = (first: SaveStatus, second: SaveStatus) => ({
      autosave: {
        documents: { 'project:a': { ...idle, status: first }, 'project:b': { ...idle, status: second } },
      } satisfies AutosaveState,
    });

    expect(autosave.selectors.selectOverallStatus(state(worse, better))).toBe(worse);
    expect(autosave.selectors.selectOverallStatus(state(better, worse))).toBe(worse);
  });
});

describe('selectHasUnsavedChanges', () => {
  it('is true while an edit is pending or saving, false once saved', async () => {
    const deferred = deferredStorage();
    const autosave = createSavePathAutosave({ storage: deferred.storage });
    const { store } = createRecordingStore(autosave, { preloadedState });
    const unsaved = () => autosave.selectors.selectHasUnsavedChanges(store.getState());

    expect(unsaved()).toBe(false);
    store.dispatch(titleChanged('Edited'));
    expect(unsaved()).toBe(true);
    await jest.advanceTimersByTimeAsync(2000);
    expect(unsaved()).toBe(true);
    await deferred.releaseNext();
    await jest.advanceTimersByTimeAsync(0);
    expect(unsaved()).toBe(false);
  });

  it('is true when an edit could not be saved: invalid, or the storage failed', async () => {
    const failing = failingStorage(Infinity);
    const autosave = createSavePathAutosave({ storage: failing.storage });
    const { store } = createRecordingStore(autosave, { preloadedState });
    const unsaved = () => autosave.selectors.selectHasUnsavedChanges(store.getState());

    store.dispatch(titleChanged('x'.repeat(201)));
    await jest.advanceTimersByTimeAsync(2000);
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1').error?.code).toBe('validation');
    expect(unsaved()).toBe(true);

    store.dispatch(titleChanged('Valid, but the disk is full'));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1').error?.code).toBe('storage');
    expect(unsaved()).toBe(true);

    failing.failNext(0);
    await autosave.flush();
    expect(unsaved()).toBe(false);
  });

  it('is false after a load', async () => {
    const storage = memoryStorage();
    await seed(storage, [makeProject('p1')]);
    const autosave = createSavePathAutosave({ storage });
    const { store } = createRecordingStore(autosave);

    await autosave.load('project', 'p1');

    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1').status).toBe('saved');
    expect(autosave.selectors.selectHasUnsavedChanges(store.getState())).toBe(false);
  });
});

describe('a custom reducerPath', () => {
  it('mounts the slice there, and the selectors and actions use it', async () => {
    const autosave = createSavePathAutosave({ reducerPath: 'saving' });
    const { store, autosaveActions } = createRecordingStore(autosave, { preloadedState });

    store.dispatch(titleChanged('Edited'));
    await jest.advanceTimersByTimeAsync(2000);

    expect(autosave.reducerPath).toBe('saving');
    const state = store.getState() as unknown as Record<string, unknown>;
    expect(state).not.toHaveProperty('autosave');
    expect(state.saving).toEqual({
      documents: { 'project:p1': expect.objectContaining({ status: 'saved' }) },
      counts: { idle: 0, pending: 0, saving: 0, saved: 1, error: 0, offline: 0, conflict: 0, unsaved: 0 },
    });
    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1').status).toBe('saved');
    expect(autosave.selectors.selectOverallStatus(store.getState())).toBe('saved');
    expect(autosaveActions().map((a) => a.type)).toEqual(['saving/changed', 'saving/saveStarted', 'saving/saveSucceeded']);
  });

  it('throws when the store lacks the reducer at that path, naming it', () => {
    const autosave = createSavePathAutosave({ reducerPath: 'saving' });

    expect(() =>
      configureStore({
        reducer: { project: projectSlice.reducer, autosave: autosave.reducer },
        middleware: (gDM) => gDM().concat(autosave.middleware),
      }),
    ).toThrow(/state\.saving/);
  });
});

describe.each(storages)("RTK's default checks, on %s", (_name, makeStorage) => {
  it('print nothing through a whole save, fail and load cycle', async () => {
    const error = jest.spyOn(console, 'error');
    const warn = jest.spyOn(console, 'warn');
    const failing = failingStorage(0, undefined, makeStorage());
    await seed(failing.inner, [makeProject('p2', 'Stored')]);
    const autosave = createSavePathAutosave({ storage: failing.storage, retry: { attempts: 2, baseDelayMs: 10 } });
    // Default middleware: serializableCheck and immutableCheck on.
    const { store } = createRecordingStore(autosave, { preloadedState });
    const advance = async (ms: number) => {
      await jest.advanceTimersByTimeAsync(ms);
      await settle();
    };

    store.dispatch(titleChanged('Saved'));
    await advance(2000);
    store.dispatch(titleChanged('x'.repeat(201)));
    await advance(2000);
    failing.failNext(Infinity);
    store.dispatch(titleChanged('Storage fails'));
    await advance(5000);
    failing.failNext(0);
    await autosave.flush();
    await expect(autosave.load('project', 'p2')).resolves.toMatchObject({ status: 'loaded' });
    store.dispatch(projectLoaded(makeProject('p3')));
    await autosave.dispose();
    await settle();

    const statuses = store.getState().autosave.documents;
    expect(Object.keys(statuses).sort()).toEqual(['project:p1', 'project:p2', 'project:p3']);
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('status updates', () => {
  it('leave the state the same object when they change nothing, so nothing subscribed runs again', () => {
    const autosave = createSavePathAutosave();
    const { store } = createRecordingStore(autosave, { preloadedState });
    const key = 'project:p1';

    store.dispatch(titleChanged('Edited'));
    const pending = store.getState().autosave;
    const listener = jest.fn();
    store.subscribe(() => listener(store.getState().autosave));
    store.dispatch(autosave.actions.changed({ key }));
    store.dispatch(uiSlice.actions.hovered(1));
    store.dispatch(autosave.actions.saveStarted({ key }));

    expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1').status).toBe('saving');
    expect(listener.mock.calls.map(([slice]) => slice === pending)).toEqual([true, true, false]);
  });

  it('keep the overall selectors in step with the documents through every kind of change', () => {
    const autosave = createSavePathAutosave();
    const { reducer, actions, selectors } = autosave;
    const error = { code: 'remote' as const, message: 'refused' };
    const storageError = { code: 'storage' as const, message: 'full' };
    const steps = [
      actions.changed({ key: 'a' }),
      actions.changed({ key: 'b' }),
      actions.saveStarted({ key: 'a' }),
      actions.failed({ key: 'b', error: storageError }),
      actions.saveSucceeded({ key: 'a', savedAt: 1, pending: false, pendingSync: true }),
      actions.syncFailed({ key: 'a', error, offline: true }),
      actions.loaded({ key: 'c', savedAt: 2 }),
      actions.conflictDetected({ key: 'c', conflict: { base: null, local: 1, remote: 2 } }),
      actions.removed({ key: 'b' }),
      actions.synced({ key: 'a', version: 'v1', syncedAt: 3, pendingSync: false }),
      actions.syncFailed({ key: 'd', error, offline: false }),
      actions.removalSent({ key: 'd' }),
      actions.inStep({ key: 'c', version: 'v2' }),
      actions.synced({ key: 'c', version: 'v3', syncedAt: 4, pendingSync: false }),
      actions.purged(),
      actions.changed({ key: 'e' }),
    ];
    const seen: [string, boolean][] = [];
    let state = reducer(undefined, { type: '@@init' });
    for (const action of steps) {
      state = reducer(state, action);
      const documents = Object.values(state.documents);
      // What a scan of every document says, against what the selectors read.
      const worst = ['error', 'conflict', 'offline', 'saving', 'pending', 'saved'].find((status) => documents.some((doc) => doc.status === status)) ?? 'idle';
      const unsaved = documents.some((doc) => doc.status === 'pending' || doc.status === 'saving' || (doc.status === 'error' && doc.error?.code !== 'remote'));
      expect([selectors.selectOverallStatus({ autosave: state }), selectors.selectHasUnsavedChanges({ autosave: state })]).toEqual([worst, unsaved]);
      seen.push([worst, unsaved]);
    }
    expect(seen).toEqual([
      ['pending', true],
      ['pending', true],
      ['saving', true],
      ['error', true],
      ['error', true],
      ['error', true],
      ['error', true],
      ['error', true],
      ['conflict', false],
      ['conflict', false],
      ['error', false],
      ['conflict', false],
      ['conflict', false],
      ['saved', false],
      ['idle', false],
      ['pending', true],
    ]);
  });
});
