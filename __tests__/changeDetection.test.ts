import { memoryStorage } from '../src';
import {
  makeProject,
  projectClosed,
  projectDocument,
  ProjectSchema,
  projectLoaded,
  settle,
  storages,
  titleChanged,
  uiSlice,
  useFakeTimers,
} from './helpers';
import { createRecordingStore, createSavePathAutosave, readBack, seed, timedStorage } from './helpers/savePath';

const { hovered } = uiSlice.actions;

beforeEach(() => {
  useFakeTimers();
});

afterEach(async () => {
  // fake-indexeddb finishes its bookkeeping on real macrotasks: let it end inside the test.
  await settle();
  jest.restoreAllMocks();
  jest.useRealTimers();
});

/** A store that starts with project p1 in its state. */
function storeWithProject(options: Parameters<typeof createSavePathAutosave>[0] = {}) {
  const spy = timedStorage();
  const autosave = createSavePathAutosave({ storage: spy.storage, ...options });
  const recording = createRecordingStore(autosave, { preloadedState: { project: { current: makeProject('p1') } } });
  return { ...recording, autosave, spy };
}

describe('an action that changes no document', () => {
  it('writes nothing, dispatches no autosave action and starts no timer', async () => {
    const { store, autosaveActions, spy } = storeWithProject();
    expect(jest.getTimerCount()).toBe(0);

    for (let i = 0; i < 50; i++) store.dispatch(hovered(i));

    expect(store.getState().ui.hovered).toBe(49);
    expect(jest.getTimerCount()).toBe(0);
    expect(autosaveActions()).toEqual([]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(spy.writes).toEqual([]);
  });

  it('calls neither the schema nor JSON.stringify', async () => {
    const schema = ProjectSchema.extend({});
    const safeParse = jest.spyOn(schema, 'safeParse');
    const spy = timedStorage();
    const autosave = createSavePathAutosave({
      storage: spy.storage,
      documents: { project: projectDocument({ schema }) },
    });
    const { store } = createRecordingStore(autosave, { preloadedState: { project: { current: makeProject('p1') } } });
    const stringify = jest.spyOn(JSON, 'stringify');

    for (let i = 0; i < 50; i++) store.dispatch(hovered(i));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(safeParse).not.toHaveBeenCalled();
    expect(stringify).not.toHaveBeenCalled();

    // The same spies do see a real edit's save.
    store.dispatch(titleChanged('Edited'));
    await jest.advanceTimersByTimeAsync(2000);
    expect(safeParse).toHaveBeenCalledTimes(1);
    expect(stringify).toHaveBeenCalledWith(store.getState().project.current);
    expect(spy.writes).toHaveLength(1);
  });
});

it('an edit starts one timer and marks the document pending', () => {
  const { store, autosaveActions, status } = storeWithProject();

  store.dispatch(titleChanged('Edited'));

  expect(jest.getTimerCount()).toBe(1);
  expect(autosaveActions().map((a) => a.type)).toEqual(['autosave/changed']);
  expect(status('project', 'p1').status).toBe('pending');
});

describe('what is not saved', () => {
  it('never saves the document the store starts with', async () => {
    const { autosave, spy, status } = storeWithProject();

    await jest.advanceTimersByTimeAsync(60_000);
    await autosave.flush();

    expect(spy.writes).toEqual([]);
    expect(status('project', 'p1').status).toBe('idle');
  });

  test.each(storages)('does not save back a document restored by load (%s)', async (_name, makeStorage) => {
    const inner = makeStorage();
    const stored = makeProject('p1', 'Stored title');
    await seed(inner, [stored]);
    const spy = timedStorage(inner);
    const autosave = createSavePathAutosave({ storage: spy.storage });
    const { store, status } = createRecordingStore(autosave);

    await expect(autosave.load('project', 'p1')).resolves.toMatchObject({ status: 'loaded', restored: true });
    expect(store.getState().project.current).toEqual(stored);
    await jest.advanceTimersByTimeAsync(60_000);
    await autosave.flush();

    expect(spy.writes).toEqual([]);
    expect(status('project', 'p1').status).toBe('saved');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('saves nothing while select returns null', async () => {
    const spy = timedStorage();
    const autosave = createSavePathAutosave({ storage: spy.storage });
    const { store, autosaveActions } = createRecordingStore(autosave);

    store.dispatch(hovered(1));
    store.dispatch(projectClosed());
    store.dispatch(titleChanged('no project is open'));
    await jest.advanceTimersByTimeAsync(60_000);
    await autosave.flush();

    expect(store.getState().project.current).toBeNull();
    expect(spy.writes).toEqual([]);
    expect(autosaveActions()).toEqual([]);
  });

  it('closing a saved document writes nothing and keeps its status', async () => {
    const spy = timedStorage();
    const autosave = createSavePathAutosave({ storage: spy.storage });
    const { store, status } = createRecordingStore(autosave);
    store.dispatch(projectLoaded(makeProject('p1')));
    await jest.advanceTimersByTimeAsync(2000);
    expect(spy.writes).toHaveLength(1);

    store.dispatch(projectClosed());
    await jest.advanceTimersByTimeAsync(60_000);
    await autosave.flush();

    expect(spy.writes).toHaveLength(1);
    expect(status('project', 'p1').status).toBe('saved');
    expect(await readBack(spy.inner, 'project:p1')).toEqual(makeProject('p1'));
  });
});

it('writes nothing when an edit is undone before its save, and the status returns to saved', async () => {
  const spy = timedStorage();
  const autosave = createSavePathAutosave({ storage: spy.storage });
  const { store, status } = createRecordingStore(autosave);
  store.dispatch(projectLoaded(makeProject('p1', 'Saved')));
  await jest.advanceTimersByTimeAsync(2000);
  const savedCopy = store.getState().project.current!;
  expect(spy.writes).toHaveLength(1);

  store.dispatch(titleChanged('Edited'));
  expect(status('project', 'p1').status).toBe('pending');
  // An undo puts the very object that was saved back into the state.
  store.dispatch(projectLoaded(savedCopy));
  await jest.advanceTimersByTimeAsync(60_000);

  expect(spy.writes).toHaveLength(1);
  expect(status('project', 'p1').status).toBe('saved');
  expect(autosave.selectors.selectHasUnsavedChanges(store.getState())).toBe(false);
});

describe('many documents in one collection', () => {
  it('gives each document its own schedule and its own key project:{id}', async () => {
    const spy = timedStorage();
    const autosave = createSavePathAutosave({ storage: spy.storage });
    const { store, status } = createRecordingStore(autosave);
    const t0 = Date.now();

    store.dispatch(projectLoaded(makeProject('p1', 'First')));
    await jest.advanceTimersByTimeAsync(1000);
    store.dispatch(projectLoaded(makeProject('p2', 'Second')));
    expect(jest.getTimerCount()).toBe(2);
    await jest.advanceTimersByTimeAsync(3000);

    expect(spy.writes.map((w) => [w.key, w.at - t0])).toEqual([
      ['project:p1', 2000],
      ['project:p2', 3000],
    ]);
    expect(await readBack(spy.inner, 'project:p1')).toEqual(makeProject('p1', 'First'));
    expect(await readBack(spy.inner, 'project:p2')).toEqual(makeProject('p2', 'Second'));
    expect(status('project', 'p1').status).toBe('saved');
    expect(status('project', 'p2').status).toBe('saved');
  });

  it('keeps the pending save of the previous project when another is selected', async () => {
    const inner = memoryStorage();
    await seed(inner, [makeProject('p2', 'Other project')]);
    const spy = timedStorage(inner);
    const autosave = createSavePathAutosave({ storage: spy.storage });
    const { store, status } = createRecordingStore(autosave, { preloadedState: { project: { current: makeProject('p1') } } });

    store.dispatch(titleChanged('Edited before switching'));
    await jest.advanceTimersByTimeAsync(500);
    await autosave.load('project', 'p2');
    expect(store.getState().project.current?.id).toBe('p2');
    expect(status('project', 'p1').status).toBe('pending');
    await jest.advanceTimersByTimeAsync(1500);

    expect(spy.writes.map((w) => w.key)).toEqual(['project:p1']);
    expect(await readBack(inner, 'project:p1')).toEqual({ ...makeProject('p1'), title: 'Edited before switching' });
    expect(await readBack(inner, 'project:p2')).toEqual(makeProject('p2', 'Other project'));
    expect(status('project', 'p1').status).toBe('saved');
  });
});

describe('user callbacks that throw', () => {
  it('sends an error thrown by select to onError and keeps dispatching', async () => {
    const onError = jest.fn();
    const boom = new Error('select failed');
    const spy = timedStorage();
    const autosave = createSavePathAutosave({
      storage: spy.storage,
      onError,
      documents: {
        project: projectDocument({
          select: (state) => {
            if (state.ui.hovered === 13) throw boom;
            return state.project.current;
          },
        }),
      },
    });
    const { store } = createRecordingStore(autosave);

    expect(() => store.dispatch(hovered(13))).not.toThrow();
    expect(() => store.dispatch(projectLoaded(makeProject('p1')))).not.toThrow();

    expect(store.getState().project.current?.id).toBe('p1');
    expect(onError).toHaveBeenCalledWith(boom);

    // Once select works again, the document is saved as usual.
    store.dispatch(hovered(0));
    await jest.advanceTimersByTimeAsync(2000);
    expect(await readBack(spy.inner, 'project:p1')).toEqual(makeProject('p1'));
  });

  it('sends an error thrown by id to onError and keeps dispatching', async () => {
    const onError = jest.fn();
    const spy = timedStorage();
    const autosave = createSavePathAutosave({
      storage: spy.storage,
      onError,
      documents: {
        project: projectDocument({
          id: (project) => {
            if (project.title === 'boom') throw new Error('id failed');
            return project.id;
          },
        }),
      },
    });
    const { store } = createRecordingStore(autosave);

    expect(() => store.dispatch(projectLoaded(makeProject('p1', 'boom')))).not.toThrow();
    expect(store.getState().project.current?.title).toBe('boom');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'id failed' }));

    store.dispatch(titleChanged('fine'));
    await jest.advanceTimersByTimeAsync(2000);
    expect(spy.writes.map((w) => w.key)).toEqual(['project:p1']);
    expect(await readBack(spy.inner, 'project:p1')).toEqual(makeProject('p1', 'fine'));
  });

  it('rethrows an error of onError itself on a timer, outside the dispatch', () => {
    const onErrorFailure = new Error('onError failed');
    const autosave = createSavePathAutosave({
      onError: () => {
        throw onErrorFailure;
      },
      documents: {
        project: projectDocument({
          id: () => {
            throw new Error('id failed');
          },
        }),
      },
    });
    const { store } = createRecordingStore(autosave);

    expect(() => store.dispatch(projectLoaded(makeProject('p1')))).not.toThrow();
    expect(store.getState().project.current?.id).toBe('p1');
    expect(() => jest.runOnlyPendingTimers()).toThrow(onErrorFailure);
  });

  it('sends an id that is not a string or number to onError, naming the option', () => {
    const onError = jest.fn();
    const autosave = createSavePathAutosave({
      onError,
      documents: { project: projectDocument({ id: () => '' }) },
    });
    const { store, autosaveActions } = createRecordingStore(autosave);

    expect(() => store.dispatch(projectLoaded(makeProject('p1')))).not.toThrow();

    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringContaining('documents.project.id') }));
    expect(autosaveActions()).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
