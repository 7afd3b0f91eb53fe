import { memoryStorage, type Migration } from '../src';
import { makeProject, projectLoaded, titleChanged, useFakeTimers } from './helpers';
import { createRecordingStore, quarantined, quarantinePrefixOf, seedStored } from './helpers/storedDocuments';
import { readStored } from './helpers/stored';

const T0 = Date.UTC(2025, 3, 2, 14, 0);

beforeEach(() => {
  useFakeTimers();
  jest.setSystemTime(T0);
});

afterEach(() => {
  jest.useRealTimers();
});

// Version 1 named the title `name` and had no shots; version 2 renamed it;
// version 3 (today's ProjectSchema) added the shots.
const v1 = { id: 'p1', name: 'Harbour at dawn' };
const to2: Migration = ({ name, ...rest }) => ({ ...rest, title: name });
const to3: Migration = (v2) => ({ ...v2, shots: [] });

describe('migrations', () => {
  it('loads a version 1 document into a version 3 collection through migration 2 then 3', async () => {
    const storage = memoryStorage();
    await seedStored(storage, v1, { version: 1 });
    const calls: [string, unknown][] = [];
    const migrations = {
      // Declared out of order on purpose: the order of the object must not matter.
      3: (doc: unknown) => {
        calls.push(['3', doc]);
        return to3(doc);
      },
      2: (doc: unknown) => {
        calls.push(['2', doc]);
        return to2(doc);
      },
    };
    const { store, autosave, restores, status } = createRecordingStore({
      storage,
      documentOptions: { version: 3, migrations },
    });

    const result = await autosave.load('project', 'p1');

    expect(calls).toEqual([
      ['2', v1],
      ['3', { id: 'p1', title: 'Harbour at dawn' }],
    ]);
    const migrated = { id: 'p1', title: 'Harbour at dawn', shots: [] };
    expect(result).toEqual({ status: 'loaded', document: migrated, restored: true });
    expect(store.getState().project.current).toEqual(migrated);
    expect(restores()).toEqual([{ type: 'project/projectLoaded', payload: migrated }]);
    expect(status().status).toBe('saved');
  });

  it('runs only the migrations after the stored version', async () => {
    const storage = memoryStorage();
    await seedStored(storage, { id: 'p1', title: 'Already v2' }, { version: 2 });
    const migrate2 = jest.fn(to2);
    const migrate3 = jest.fn(to3);
    const { autosave } = createRecordingStore({ storage, documentOptions: { version: 3, migrations: { 2: migrate2, 3: migrate3 } } });

    const result = await autosave.load('project', 'p1');

    expect(migrate2).not.toHaveBeenCalled();
    expect(migrate3).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({ status: 'loaded', document: { id: 'p1', title: 'Already v2', shots: [] } });
  });

  it('writes the next save of a migrated document with the current version', async () => {
    const storage = memoryStorage();
    await seedStored(storage, v1, { version: 1 });
    const { store, autosave } = createRecordingStore({ storage, documentOptions: { version: 3, migrations: { 2: to2, 3: to3 } } });
    await autosave.load('project', 'p1');

    store.dispatch(titleChanged('Harbour at dusk'));
    await jest.advanceTimersByTimeAsync(2000);

    expect(await readStored(storage, 'project:p1')).toMatchObject({
      version: 3,
      data: { id: 'p1', title: 'Harbour at dusk', shots: [] },
    });
  });

  it('is invalid with code migration when a migration is missing, and restores nothing', async () => {
    const storage = memoryStorage();
    await seedStored(storage, v1, { version: 1 });
    const { store, autosave, restores, status } = createRecordingStore({
      storage,
      documentOptions: { version: 3, migrations: { 3: to3 } },
    });

    const result = await autosave.load('project', 'p1');

    expect(result).toMatchObject({ status: 'invalid', error: { code: 'migration', message: expect.stringMatching(/version 2/) } });
    expect(status()).toMatchObject({ status: 'error', error: { code: 'migration' } });
    expect(restores()).toEqual([]);
    expect(store.getState().project.current).toBeNull();
  });

  it('is invalid with code migration, naming the error, when a migration throws', async () => {
    const storage = memoryStorage();
    await seedStored(storage, v1, { version: 1 });
    const { store, autosave, restores, status } = createRecordingStore({
      storage,
      documentOptions: {
        version: 3,
        migrations: {
          2: to2,
          3: () => {
            throw new Error('shots table missing');
          },
        },
      },
    });

    const result = await autosave.load('project', 'p1');

    expect(result).toMatchObject({
      status: 'invalid',
      error: { code: 'migration', message: expect.stringContaining('shots table missing') },
    });
    expect(status()).toMatchObject({ status: 'error', error: { code: 'migration' } });
    expect(restores()).toEqual([]);
    expect(store.getState().project.current).toBeNull();
  });

  it('is invalid with code migration when the stored version is newer than the app, and keeps that copy aside', async () => {
    const storage = memoryStorage();
    const fromTheFuture = await seedStored(storage, { ...makeProject('p1', 'Saved by v5'), colour: 'teal' }, { version: 5 });
    const { store, autosave, restores, status } = createRecordingStore({
      storage,
      documentOptions: { version: 3, migrations: { 2: to2, 3: to3 } },
    });

    const result = await autosave.load('project', 'p1');

    expect(result).toMatchObject({
      status: 'invalid',
      error: { code: 'migration', message: expect.stringMatching(/5/) },
      quarantineKey: expect.stringMatching(/^__autosave\/quarantine\/project:p1\//),
    });
    expect(status()).toMatchObject({ status: 'error', error: { code: 'migration' } });
    expect(restores()).toEqual([]);
    expect([...(await quarantined(storage, 'project:p1')).values()]).toEqual([fromTheFuture]);

    // Working on in the old app does not lose the newer copy.
    store.dispatch(projectLoaded(makeProject('p1', 'Edited in the old app')));
    await jest.advanceTimersByTimeAsync(2000);
    await autosave.flush();
    expect([...(await quarantined(storage, 'project:p1')).values()]).toEqual([fromTheFuture]);
    const [key] = (await quarantined(storage, 'project:p1')).keys();
    expect(key.startsWith(quarantinePrefixOf('project:p1'))).toBe(true);
  });

  it('is invalid with code validation when the migrated document fails the schema', async () => {
    const storage = memoryStorage();
    const stored = await seedStored(storage, v1, { version: 1 });
    const { store, autosave, restores, status } = createRecordingStore({
      storage,
      // Migration 3 forgets the shots.
      documentOptions: { version: 3, migrations: { 2: to2, 3: (v2: unknown) => v2 } },
    });

    const result = await autosave.load('project', 'p1');

    expect(result).toMatchObject({
      status: 'invalid',
      error: { code: 'validation', issues: [expect.objectContaining({ path: ['shots'] })] },
    });
    expect(status()).toMatchObject({ status: 'error', error: { code: 'validation' } });
    expect(restores()).toEqual([]);
    expect(store.getState().project.current).toBeNull();
    expect([...(await quarantined(storage, 'project:p1')).values()]).toEqual([stored]);
  });
});
