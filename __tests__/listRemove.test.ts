import { makeProject, projectLoaded, settle, spyStorage, storages, titleChanged, useFakeTimers } from './helpers';
import { drainIndexedDB, createRecordingStore } from './helpers/storedDocuments';
import { readStoredData } from './helpers/stored';

beforeEach(() => {
  useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

afterAll(() => drainIndexedDB());

describe.each(storages)('list, exists and remove on %s', (_name, makeStorage) => {
  async function storeWithSaved(ids: string[]) {
    const storage = spyStorage(makeStorage());
    const created = createRecordingStore({ storage });
    for (const id of ids) {
      created.store.dispatch(projectLoaded(makeProject(id, `Project ${id}`)));
      await created.autosave.flush();
    }
    return { storage, ...created };
  }

  it('lists the ids saved in a collection', async () => {
    const { autosave } = await storeWithSaved(['p1', 'p2', 'p3']);

    expect((await autosave.list('project')).sort()).toEqual(['p1', 'p2', 'p3']);
  });

  it('lists nothing for a collection with nothing saved', async () => {
    const { autosave } = createRecordingStore({ storage: makeStorage() });

    expect(await autosave.list('project')).toEqual([]);
  });

  it('lists only its own collection, and ids that contain a colon whole', async () => {
    const { storage, autosave } = await storeWithSaved(['p1', 'client:42']);
    await storage.setItem('projects:p9', 'another app');
    await storage.setItem('settings:default', 'another collection');

    expect((await autosave.list('project')).sort()).toEqual(['client:42', 'p1']);
  });

  it('says whether a document exists', async () => {
    const { autosave } = await storeWithSaved(['p1']);

    expect(await autosave.exists('project', 'p1')).toBe(true);
    expect(await autosave.exists('project', 'p2')).toBe(false);
  });

  it('remove deletes the stored document and its status entry', async () => {
    const { storage, store, autosave, status } = await storeWithSaved(['p1', 'p2']);
    expect(status('p2').status).toBe('saved');

    await autosave.remove('project', 'p2');

    expect(await storage.getItem('project:p2')).toBeNull();
    expect(await autosave.exists('project', 'p2')).toBe(false);
    expect(await autosave.list('project')).toEqual(['p1']);
    expect(store.getState().autosave.documents).not.toHaveProperty(['project:p2']);
    expect(status('p2')).toMatchObject({ status: 'idle', lastSavedAt: null, error: null });
    // The other document is untouched.
    expect(await readStoredData(storage, 'project:p1')).toEqual(makeProject('p1', 'Project p1'));
    expect(status('p1').status).toBe('saved');
  });

  it('does not save again the removed document still in the state until it is edited', async () => {
    const { storage, store, autosave, status } = await storeWithSaved(['p1']);
    expect(store.getState().project.current?.id).toBe('p1');

    await autosave.remove('project', 'p1');
    storage.writes.length = 0;
    store.dispatch({ type: 'ui/hovered', payload: 3 });
    await jest.advanceTimersByTimeAsync(60_000);
    await settle();
    await autosave.flush();

    expect(storage.writes).toEqual([]);
    expect(await storage.getItem('project:p1')).toBeNull();
    expect(status().status).toBe('idle');

    store.dispatch(titleChanged('Edited after the remove'));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    await autosave.flush();

    expect(storage.writesTo('project:p1')).toHaveLength(1);
    expect(await readStoredData(storage, 'project:p1')).toEqual(makeProject('p1', 'Edited after the remove'));
    expect(status().status).toBe('saved');
  });

  it('drops a pending save of the document it removes', async () => {
    const { storage, store, autosave } = await storeWithSaved(['p1']);
    store.dispatch(titleChanged('Edit nobody wants any more'));

    await autosave.remove('project', 'p1');
    await jest.advanceTimersByTimeAsync(60_000);
    await settle();
    await autosave.flush();

    expect(await storage.getItem('project:p1')).toBeNull();
  });

  it('removing a document that was never saved resolves and changes nothing else', async () => {
    const { storage, autosave } = await storeWithSaved(['p1']);

    await expect(autosave.remove('project', 'never-saved')).resolves.toBeUndefined();

    expect(await autosave.list('project')).toEqual(['p1']);
    expect(await storage.getItem('project:p1')).not.toBeNull();
  });
});
