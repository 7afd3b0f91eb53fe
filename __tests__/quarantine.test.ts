import type { AutosaveStorage } from '../src';
import { checksum } from '../src/envelope';
import { createTestStore, makeProject, projectLoaded, settle, storages, titleChanged, useFakeTimers } from './helpers';
import { drainIndexedDB, advanceWithStorage, createRecordingStore, quarantined, quarantinePrefixOf, seedStored } from './helpers/storedDocuments';
import { readStoredData, withStoredData } from './helpers/stored';

const T0 = Date.UTC(2025, 4, 5, 10, 0);
const KEY = 'project:p1';

beforeEach(() => {
  useFakeTimers();
  jest.setSystemTime(T0);
});

afterEach(() => {
  jest.useRealTimers();
});

afterAll(() => drainIndexedDB());

/** Saves a good copy through the library, then damages it in storage; returns the damaged value. */
type Corruption = (storage: AutosaveStorage) => Promise<unknown>;

async function saveGoodCopy(storage: AutosaveStorage, title = 'Good copy'): Promise<unknown> {
  const earlier = createTestStore({ storage });
  earlier.store.dispatch(projectLoaded(makeProject('p1', title)));
  await earlier.autosave.flush();
  await earlier.autosave.dispose();
  return storage.getItem(KEY);
}

async function store(storage: AutosaveStorage, value: unknown): Promise<unknown> {
  await storage.setItem(KEY, value);
  return value;
}

const corruptions: [string, Corruption][] = [
  [
    'data edited in storage (checksum mismatch)',
    async (storage) => {
      const envelope = await saveGoodCopy(storage);
      return store(storage, withStoredData<{ title: string }>(envelope, (document) => ({ ...document, title: 'Edited by hand' })));
    },
  ],
  ['an unparsable JSON string', (storage) => store(storage, '{"format":1,"version":1,"savedAt":17')],
  ['a value that is not an envelope', (storage) => store(storage, { id: 'p1', title: 'From redux-persist', shots: [] })],
  ['a number', (storage) => store(storage, 42)],
  [
    'an envelope of an unknown format',
    async (storage) => {
      // Neither format 1 nor 2, nor a newer one (those are left alone for a newer release to read).
      const envelope = await saveGoodCopy(storage);
      return store(storage, { ...(envelope as object), format: 0 });
    },
  ],
];

describe.each(storages)('quarantine on %s', (_name, makeStorage) => {
  describe.each(corruptions)('%s', (_what, corrupt) => {
    it('loads as corrupt, sets status error/corrupt and copies the raw value under the quarantine prefix', async () => {
      const storage = makeStorage();
      const raw = await corrupt(storage);
      const { store: reduxStore, autosave, restores, status } = createRecordingStore({ storage });

      const result = await autosave.load('project', 'p1');

      expect(result).toEqual({
        status: 'corrupt',
        error: { code: 'corrupt', message: expect.stringContaining(KEY) },
        quarantineKey: expect.stringMatching(/^__autosave\/quarantine\/project:p1\/./),
      });
      expect(status()).toMatchObject({ status: 'error', error: { code: 'corrupt' } });
      expect(restores()).toEqual([]);
      expect(reduxStore.getState().project.current).toBeNull();
      const aside = await quarantined(storage, KEY);
      expect([...aside.keys()]).toEqual([(result as { quarantineKey: string }).quarantineKey]);
      expect([...aside.values()]).toEqual([raw]);
    });

    it('keeps the quarantined copy when the next save writes the new edit', async () => {
      const storage = makeStorage();
      const raw = await corrupt(storage);
      const { store: reduxStore, autosave, status } = createRecordingStore({ storage });
      await autosave.load('project', 'p1');

      reduxStore.dispatch(projectLoaded(makeProject('p1', 'Starting again')));
      reduxStore.dispatch(titleChanged('Starting again, properly'));
      await jest.advanceTimersByTimeAsync(2000);
      await settle();
      await autosave.flush();

      expect(status()).toMatchObject({ status: 'saved', error: null });
      expect(await readStoredData(storage, KEY)).toEqual(makeProject('p1', 'Starting again, properly'));
      expect([...(await quarantined(storage, KEY)).values()]).toEqual([raw]);
    });
  });

  it('keeps one quarantine copy when the same corrupt value is loaded twice', async () => {
    const storage = makeStorage();
    await store(storage, '{"format":1,"ver');
    const first = createRecordingStore({ storage });
    const a = await first.autosave.load('project', 'p1');
    const second = createRecordingStore({ storage });
    const b = await second.autosave.load('project', 'p1');
    await first.autosave.load('project', 'p1');

    expect(a).toMatchObject({ status: 'corrupt' });
    expect(b).toMatchObject({ status: 'corrupt' });
    const aside = await quarantined(storage, KEY);
    expect(aside.size).toBe(1);
    expect([...aside.values()]).toEqual(['{"format":1,"ver']);
  });

  it('gives a different corrupt value a second copy and never overwrites the first', async () => {
    const storage = makeStorage();
    await store(storage, '{"first": broken');
    const { store: reduxStore, autosave } = createRecordingStore({ storage });
    const first = await autosave.load('project', 'p1');

    // The user works on; later the stored copy is damaged another way.
    reduxStore.dispatch(projectLoaded(makeProject('p1', 'In between')));
    await autosave.flush();
    await store(storage, '{"second": broken too');
    const second = await autosave.load('project', 'p1');

    const firstKey = (first as { quarantineKey: string }).quarantineKey;
    const secondKey = (second as { quarantineKey: string }).quarantineKey;
    expect(secondKey).not.toBe(firstKey);
    const aside = await quarantined(storage, KEY);
    expect(aside.size).toBe(2);
    expect(aside.get(firstKey)).toBe('{"first": broken');
    expect(aside.get(secondKey)).toBe('{"second": broken too');
  });

  it('keeps two different corrupt values apart even when their 32-bit checksums collide', async () => {
    // The checksum quarantine copies are named by (envelope.ts `checksum`)
    // gives these two strings the same hash (u3:51193e95); a copy named by
    // that hash alone must still not take the place of the other.
    const firstValue = '{"title":"draft 73196"';
    const secondValue = '{"title":"draft 88760"';
    expect(checksum(firstValue)).toBe(checksum(secondValue));
    const storage = makeStorage();
    await store(storage, firstValue);
    const { store: reduxStore, autosave } = createRecordingStore({ storage });
    const first = await autosave.load('project', 'p1');
    await store(storage, secondValue);
    const second = await autosave.load('project', 'p1');
    expect(first).toMatchObject({ status: 'corrupt' });
    expect(second).toMatchObject({ status: 'corrupt' });

    // The next save writes over the main key: the second copy must be kept by then.
    reduxStore.dispatch(projectLoaded(makeProject('p1', 'New work')));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    await autosave.flush();

    const aside = await quarantined(storage, KEY);
    expect([...aside.values()].sort()).toEqual([firstValue, secondValue]);
    expect(aside.get((second as { quarantineKey: string }).quarantineKey)).toBe(secondValue);
  });

  it('keeps the copy aside before the next save when it could not be kept aside during the load', async () => {
    const inner = makeStorage();
    await store(inner, 'damaged beyond reading');
    let asideFails = true;
    const storage: AutosaveStorage = {
      getItem: (key) => inner.getItem(key),
      async setItem(key, value) {
        if (asideFails && key.startsWith('__autosave/')) throw new Error('disk full');
        return inner.setItem(key, value);
      },
      removeItem: (key) => inner.removeItem(key),
      keys: () => inner.keys(),
    };
    const { store: reduxStore, autosave } = createRecordingStore({ storage, onError: () => {} });

    const loading = autosave.load('project', 'p1');
    await advanceWithStorage(60_000);
    expect(await loading).toMatchObject({ status: 'corrupt', quarantineKey: null });
    expect((await quarantined(inner, KEY)).size).toBe(0);

    asideFails = false;
    reduxStore.dispatch(projectLoaded(makeProject('p1', 'After the disk was cleaned')));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    await autosave.flush();

    expect(await readStoredData(inner, KEY)).toEqual(makeProject('p1', 'After the disk was cleaned'));
    expect([...(await quarantined(inner, KEY)).values()]).toEqual(['damaged beyond reading']);
  });

  it('never lists __autosave/ keys in list()', async () => {
    const storage = makeStorage();
    await store(storage, 'garbage');
    const { store: reduxStore, autosave } = createRecordingStore({ storage });
    await autosave.load('project', 'p1');
    reduxStore.dispatch(projectLoaded(makeProject('p2', 'Fine')));
    await autosave.flush();

    expect((await storage.keys()).some((key) => key.startsWith('__autosave/'))).toBe(true);
    expect((await autosave.list('project')).sort()).toEqual(['p1', 'p2']);
  });

  it('keeps a stored document that fails the schema aside as invalid, and the next save does not destroy it', async () => {
    const storage = makeStorage();
    const raw = await seedStored(storage, { id: 'p1', title: 42, shots: 'none' });
    const { store: reduxStore, autosave, restores, status } = createRecordingStore({ storage });

    const result = await autosave.load('project', 'p1');

    expect(result).toMatchObject({
      status: 'invalid',
      error: { code: 'validation', issues: expect.arrayContaining([expect.objectContaining({ path: ['title'] })]) },
      quarantineKey: expect.stringMatching(/^__autosave\/quarantine\/project:p1\//),
    });
    expect(status()).toMatchObject({ status: 'error', error: { code: 'validation' } });
    expect(restores()).toEqual([]);
    expect([...(await quarantined(storage, KEY)).values()]).toEqual([raw]);

    reduxStore.dispatch(projectLoaded(makeProject('p1', 'Fixed by hand')));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    await autosave.flush();

    expect(await readStoredData(storage, KEY)).toEqual(makeProject('p1', 'Fixed by hand'));
    expect([...(await quarantined(storage, KEY)).values()]).toEqual([raw]);
    expect(quarantinePrefixOf(KEY)).toBe('__autosave/quarantine/project:p1/');
  });
});
