import type { StoreOptions, SyncStore } from '../../../src/server';
import type { SuiteContext } from './describeSyncStore';

export function feedAndLimitCases(c: SuiteContext): void {
  let store: SyncStore;
  let space: string;
  beforeEach(() => {
    store = c.store;
    space = c.space;
  });
  const open = async (options?: StoreOptions) => (store = await c.open(options));
  const { put, written, ifMatch } = c;

  describe('listing', () => {
    it('lists live documents by prefix in key order, with versions, page by page', async () => {
      const versions: Record<string, string> = {};
      for (const key of ['project:b', 'workspace', 'project:a', 'project:c', 'projectx:z']) versions[key] = written(await put('{}', {}, key)).version;

      const first = await store.list(space, { prefix: 'project:', limit: 2 });
      const second = await store.list(space, { prefix: 'project:', limit: 2, after: first.next });

      expect(first.items.map(({ key, version }) => [key, version])).toEqual([
        ['project:a', versions['project:a']],
        ['project:b', versions['project:b']],
      ]);
      expect(first.next).toBe('project:b');
      expect(second).toEqual({ items: [{ key: 'project:c', version: versions['project:c'], bytes: 2, updatedAt: c.clock }] });
    });
  });

  describe('changes', () => {
    it('reports the latest change of each key after a cursor, in cursor order, page by page', async () => {
      const a1 = written(await put('1', {}, 'a'));
      const b1 = written(await put('1', {}, 'b'));
      const a2 = written(await put('2', ifMatch(a1.version), 'a'));
      const c1 = written(await put('1', {}, 'c'));

      expect(await store.changes(space, a1.cursor, 10)).toEqual({
        status: 'changes',
        cursor: c1.cursor,
        changes: [
          { cursor: b1.cursor, key: 'b', version: b1.version },
          { cursor: a2.cursor, key: 'a', version: a2.version },
          { cursor: c1.cursor, key: 'c', version: c1.version },
        ],
      });
      expect(await store.changes(space, 0, 2)).toEqual({
        status: 'changes',
        cursor: a2.cursor,
        changes: [
          { cursor: b1.cursor, key: 'b', version: b1.version },
          { cursor: a2.cursor, key: 'a', version: a2.version },
        ],
      });
      expect(await store.changes(space, c1.cursor, 10)).toEqual({ status: 'changes', changes: [], cursor: c1.cursor });
    });

    it('says reset for a cursor it never issued', async () => {
      written(await put('1'));

      expect(await store.changes(space, 99, 10)).toEqual({ status: 'reset', cursor: 1 });
    });

    it('says reset for a cursor older than the retention once a tombstone past it is purged', async () => {
      await open({ retentionMs: 60_000 });
      const first = written(await put('"A"'));
      written(await store.write({ space, key: 'project:p1', precondition: { ifMatch: [first.version] }, change: { kind: 'delete' } }));
      const kept = written(await put('"B"', {}, 'project:p2'));
      expect((await store.changes(space, 0, 10)).status).toBe('changes');

      c.clock += 61_000;

      expect(await store.changes(space, 0, 10)).toEqual({ status: 'reset', cursor: kept.cursor });
      expect(await store.changes(space, kept.cursor - 1, 10)).toMatchObject({ status: 'changes', changes: [{ key: 'project:p2' }] });
      expect(await store.get(space, 'project:p1')).toBeNull();
      expect(store.retentionMs).toBe(60_000);
    });

    it('wakes the watchers of the space written, and no others', async () => {
      if (!store.watch) return expect(store.watch).toBeUndefined();
      const mine = jest.fn();
      const theirs = jest.fn();
      const stop = store.watch(space, mine);
      store.watch(`${space}-other`, theirs);

      written(await put('1'));
      await new Promise((resolve) => setImmediate(resolve));
      stop();
      written(await put('2', {}, 'project:p2'));
      await new Promise((resolve) => setImmediate(resolve));

      expect(mine).toHaveBeenCalledTimes(1);
      expect(theirs).not.toHaveBeenCalled();
    });
  });

  describe('usage and quotas', () => {
    it('counts the live documents of a space and their UTF-8 bytes', async () => {
      const a = written(await put('"é"', {}, 'a'));
      written(await put('"xyz"', {}, 'b'));
      expect(await store.usage(space)).toEqual({ bytes: 4 + 5, documents: 2 });

      written(await store.write({ space, key: 'a', precondition: { ifMatch: [a.version] }, change: { kind: 'delete' } }));

      expect(await store.usage(space)).toEqual({ bytes: 5, documents: 1 });
    });

    it('refuses a write past the bytes or documents limit, and lets a space shrink', async () => {
      const limits = { maxBytes: 12, maxDocuments: 2 };
      const a = written(await put('"12345"', { limits }, 'a'));
      written(await put('"1"', { limits }, 'b'));

      expect(await put('"1"', { limits }, 'c')).toEqual({ status: 'over-quota', usage: { bytes: 10, documents: 2 }, limit: 'documents' });
      expect(await put('"1234567890"', { limits, ...ifMatch(a.version) }, 'a')).toMatchObject({ status: 'over-quota', limit: 'bytes' });
      expect(await put('"1"', { limits: { maxBytes: 1 }, ...ifMatch(a.version) }, 'a')).toMatchObject({ status: 'written' });
      expect((await store.get(space, 'b'))?.text).toBe('"1"');
    });
  });

  describe('versions and closing', () => {
    it('never issues a version twice, not even to a store opened afresh', async () => {
      const seen = new Set<string>();
      let version = written(await put('0')).version;
      seen.add(version);
      for (let n = 1; n < 20; n++) seen.add((version = written(await put(String(n), ifMatch(version))).version));
      await open();
      const fresh = `${space}-fresh`;
      let again = written(await store.write({ space: fresh, key: 'project:p1', precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text: '0' } })).version;
      for (let n = 1; n < 20; n++) {
        expect(seen.has(again)).toBe(false);
        again = written(await store.write({ space: fresh, key: 'project:p1', precondition: { ifMatch: [again] }, change: { kind: 'put', text: String(n) } })).version;
      }
      expect(seen.size).toBe(20);
    });

    it('finishes the writes under way when closed, and refuses work after', async () => {
      const writes = Array.from({ length: 5 }, (_, n) => put(String(n), {}, `k:${n}`));

      await store.close();

      expect((await Promise.all(writes)).map((result) => result.status)).toEqual(Array(5).fill('written'));
      await expect(store.get(space, 'k:1')).rejects.toThrow(/closed/);
      c.store = store = await c.makeStore({ now: () => c.clock });
    });
  });
}
