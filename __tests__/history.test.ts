// Version history, storage usage and cleanup (issue 19): earlier copies kept
// on a timer and before a copy from elsewhere replaces one, restorable as a
// new edit; usage from the sizes kept as the instance writes; prune, and a
// full storage that gives up kept copies before it fails a save.
import { memoryStorage, type AutosaveStorage } from '../src';
import { createTestStore, makeProject, projectLoaded, settle, storages, titleChanged, useFakeTimers, type Project } from './helpers';
import { misbehavingServer } from './helpers/misbehavingServer';
import { createDevice } from './helpers/sync';
import { within } from './helpers/faultDevice';
import { readStoredData } from './helpers/stored';
import { utf8Length } from '../src/core/sizes';

const MINUTE = 60_000;

beforeEach(() => useFakeTimers());
afterEach(async () => {
  await settle();
  jest.useRealTimers();
});

const historyKeys = async (storage: AutosaveStorage) => (await storage.keys()).filter((key) => key.startsWith('__autosave/history/'));

/** The bytes a stored copy of `project` takes (its envelope, as history counts it), measured on a throwaway store. */
async function storedBytes(project: Project): Promise<number> {
  const storage = memoryStorage();
  const probe = createTestStore({ storage });
  probe.store.dispatch(projectLoaded(project));
  await probe.autosave.flush();
  const stored = await storage.getItem(`project:${project.id}`);
  await probe.autosave.dispose();
  return new TextEncoder().encode(typeof stored === 'string' ? stored : JSON.stringify(stored)).length;
}

/** Saves `title` now, then lets `minutes` pass. */
async function saveTitle(test: ReturnType<typeof createTestStore>, title: string, minutes = 0) {
  test.store.dispatch(titleChanged(title));
  await test.autosave.flush();
  await settle();
  await jest.advanceTimersByTimeAsync(minutes * MINUTE);
}

describe.each(storages)('history on %s', (_name, makeStorage) => {
  it('keeps the copy a save replaces once everyMs has passed, capped at keep, newest first', async () => {
    const storage = makeStorage();
    const test = createTestStore({ storage, documentOptions: { history: { keep: 2, everyMs: 5 * MINUTE } } });
    test.store.dispatch(projectLoaded(makeProject('p1', 'v1')));
    await test.autosave.flush();
    await saveTitle(test, 'v2', 1); // one minute: nothing kept
    expect(await test.autosave.history('project', 'p1')).toEqual([]);

    await jest.advanceTimersByTimeAsync(5 * MINUTE);
    await saveTitle(test, 'v3', 6); // v2 was saved over 5 minutes ago: kept
    await saveTitle(test, 'v4', 6);
    await saveTitle(test, 'v5', 0);
    await settle();
    const versions = await test.autosave.history('project', 'p1');
    expect(versions.map((v) => v.reason)).toEqual(['periodic', 'periodic']);
    const titles = await Promise.all(versions.map(async (v) => ((await test.autosave.readVersion('project', 'p1', v.versionId)) as Project).title));
    expect(titles).toEqual(['v4', 'v3']);
    expect(versions[0].savedAt).toBeGreaterThan(versions[1].savedAt);
    expect(versions[0].bytes).toBeGreaterThan(100);
  });

  it('keep: 0 writes no history key at all', async () => {
    const storage = makeStorage();
    const test = createTestStore({ storage, documentOptions: { history: { keep: 0 } } });
    test.store.dispatch(projectLoaded(makeProject('p1', 'v1')));
    await test.autosave.flush();
    for (let i = 2; i < 6; i++) await saveTitle(test, `v${i}`, 10);
    expect(await historyKeys(storage)).toEqual([]);
  });

  it('holds every document of the collection together under maxBytes, the oldest going first', async () => {
    const storage = makeStorage();
    const size = await storedBytes(makeProject('p1', 'v0'));
    const test = createTestStore({ storage, documentOptions: { history: { keep: 10, everyMs: MINUTE, maxBytes: size * 3.5 } } });
    for (const id of ['p1', 'p2']) {
      test.store.dispatch(projectLoaded(makeProject(id, 'v0')));
      await test.autosave.flush();
    }
    await jest.advanceTimersByTimeAsync(2 * MINUTE);
    for (let round = 1; round <= 3; round++) {
      for (const id of ['p1', 'p2']) {
        test.store.dispatch(projectLoaded(makeProject(id, `v${round}`)));
        await test.autosave.flush();
      }
      await settle();
      await jest.advanceTimersByTimeAsync(2 * MINUTE);
    }
    await settle();
    const kept = [...(await test.autosave.history('project', 'p1')), ...(await test.autosave.history('project', 'p2'))];
    expect(kept.reduce((sum, v) => sum + v.bytes, 0)).toBeLessThanOrEqual(size * 3.5);
    expect(kept.length).toBe(3);
    // The newest survived: round 2's copies of both, and the later of round 1's.
    expect(Math.min(...kept.map((v) => v.savedAt))).toBeGreaterThan(0);
  });

  it('restoreVersion puts the old copy back as a new edit: saved, and history left as it was plus the copy it replaced', async () => {
    const storage = makeStorage();
    const test = createTestStore({ storage, documentOptions: { history: { everyMs: MINUTE } } });
    test.store.dispatch(projectLoaded(makeProject('p1', 'The good one')));
    await test.autosave.flush();
    await jest.advanceTimersByTimeAsync(2 * MINUTE);
    await saveTitle(test, 'A bad edit', 2);
    const [good] = await test.autosave.history('project', 'p1');

    await test.autosave.restoreVersion('project', 'p1', good.versionId);
    expect(test.store.getState().project.current?.title).toBe('The good one');
    expect(test.status().status).toBe('pending');
    await test.autosave.flush();
    await settle();
    expect(test.status().status).toBe('saved');
    const after = await test.autosave.history('project', 'p1');
    expect(after.map((v) => v.versionId)).toContain(good.versionId);
    expect(after.map((v) => v.reason)).toContain('before-restore');

    // A fresh start loads the restored copy.
    const next = createTestStore({ storage });
    await expect(next.autosave.load('project', 'p1')).resolves.toMatchObject({ document: { title: 'The good one' } });
  });

  it('remove() takes the history with it', async () => {
    const storage = makeStorage();
    const test = createTestStore({ storage, documentOptions: { history: { everyMs: MINUTE } } });
    test.store.dispatch(projectLoaded(makeProject('p1', 'v1')));
    await test.autosave.flush();
    await jest.advanceTimersByTimeAsync(2 * MINUTE);
    await saveTitle(test, 'v2');
    expect(await historyKeys(storage)).toHaveLength(1);
    await test.autosave.remove('project', 'p1');
    expect(await historyKeys(storage)).toEqual([]);
  });
});

describe('a stale copy from the remote on reload', () => {
  it('replaces the newer local copy, which history keeps: one restore away', async () => {
    const server = misbehavingServer();
    const storage = memoryStorage();
    const first = createDevice(server.remote(), { storage });
    first.store.dispatch(projectLoaded(makeProject('p1', 'Newer, pushed')));
    await within(first.synced());
    await first.autosave.dispose();
    // The server is restored from an older backup: another version, older words.
    server.seed('project:p1', makeProject('p1', 'Older, from the backup'));

    const second = createDevice(server.remote(), { storage });
    await within(second.autosave.load('project', 'p1'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(second.project()?.title).toBe('Older, from the backup');
    const [kept] = await second.autosave.history('project', 'p1');
    expect(kept.reason).toBe('before-remote');
    await expect(second.autosave.readVersion('project', 'p1', kept.versionId)).resolves.toMatchObject({ title: 'Newer, pushed' });
    await second.autosave.restoreVersion('project', 'p1', kept.versionId);
    await within(second.autosave.flush());
    await jest.advanceTimersByTimeAsync(1000);
    expect(server.document('project:p1')?.data).toMatchObject({ title: 'Newer, pushed' });
    await second.autosave.dispose();
  });
});

describe('usage() and prune()', () => {
  it('usage adds up to what is stored, by kind; prune frees what it says', async () => {
    const storage = memoryStorage();
    const test = createTestStore({ storage, documentOptions: { history: { everyMs: MINUTE } } });
    for (const id of ['p1', 'p2']) {
      test.store.dispatch(projectLoaded(makeProject(id, `${id} v1`)));
      await test.autosave.flush();
    }
    await jest.advanceTimersByTimeAsync(2 * MINUTE);
    await saveTitle(test, 'p2 v2');
    const used = await test.autosave.usage();
    const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)).length;
    expect(used.documents).toEqual({ 'project:p1': expect.any(Number), 'project:p2': expect.any(Number) });
    for (const key of ['project:p1', 'project:p2']) expect(Math.abs(used.documents[key] - bytes(await storage.getItem(key)))).toBeLessThanOrEqual(100);
    expect(used.history).toBeGreaterThan(0);
    expect(used.total).toBe(used.documents['project:p1'] + used.documents['project:p2'] + used.history + used.quarantine + used.outbox);

    const freed = await test.autosave.prune({ keepVersions: 0 });
    expect(freed).toBe(used.history);
    expect(await historyKeys(storage)).toEqual([]);
    expect((await test.autosave.usage()).history).toBe(0);
    expect(await storage.getItem('project:p1')).not.toBeNull();
  });

  it('counts a text as UTF-8 bytes, whatever it holds past ASCII', () => {
    const texts = ['', 'plain', 'é', 'x'.repeat(5000) + 'ü', '中文字幕 and English', '🌊 waves, 🐟 fish', 'mixed: é中🌊\u0080\u07ff\u0800\uffff'];
    for (const text of texts) expect([text, utf8Length(text)]).toEqual([text, Buffer.byteLength(text)]);
  });

  it('requestPersistence is false where the browser cannot say', async () => {
    const test = createTestStore();
    await expect(test.autosave.requestPersistence()).resolves.toBe(false);
  });
});

/** A storage with a byte budget that refuses writes past it, as browsers do, each with its own error. */
function fullAfter(budget: number, error: () => Error) {
  const inner = memoryStorage();
  const size = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)).length;
  const used = async (except: string) => {
    let total = 0;
    for (const key of await inner.keys()) if (key !== except) total += size(await inner.getItem(key));
    return total;
  };
  const storage: AutosaveStorage = {
    ...inner,
    async setItem(key, value) {
      if ((await used(key)) + size(value) > budget) throw error();
      return inner.setItem(key, value);
    },
  };
  return { storage, inner };
}

const quotaErrors: [string, () => Error][] = [
  ['Chromium', () => Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError', code: 22 })],
  ['Firefox', () => Object.assign(new Error('The current transaction exceeded its quota limitations.'), { name: 'NS_ERROR_DOM_QUOTA_REACHED', code: 1014 })],
  ['Safari', () => Object.assign(new Error('QuotaExceededError: The quota has been exceeded.'), { name: 'QuotaExceededError', code: 22 })],
];

describe.each(quotaErrors)('a full storage (%s)', (_browser, error) => {
  it('gives up kept copies, oldest first, and the save ends saved; current copies and unsent edits are never pruned', async () => {
    const documentBytes = await storedBytes(makeProject('p1', 'v1'.padEnd(20, '.')));
    // Room for p2, p1 and one kept copy; keeping a second needs the first gone.
    const { storage, inner } = fullAfter(documentBytes * 3.5, error);
    const onError = jest.fn();
    const test = createTestStore({ storage, onError, documentOptions: { history: { everyMs: MINUTE } } });
    test.store.dispatch(projectLoaded(makeProject('p2', 'other document')));
    await test.autosave.flush();
    test.store.dispatch(projectLoaded(makeProject('p1', 'v1')));
    await test.autosave.flush();
    for (let i = 2; i <= 3; i++) {
      await jest.advanceTimersByTimeAsync(2 * MINUTE);
      await saveTitle(test, `v${i}`.padEnd(20, '.'));
    }
    await settle();
    expect(test.status('p1').status).toBe('saved');
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'storage', message: expect.stringContaining('the storage was full') }));
    expect(await inner.getItem('project:p2')).not.toBeNull();
    expect((await readStoredData<Project>(inner, 'project:p1')).title).toBe('v3'.padEnd(20, '.'));
  });
});
