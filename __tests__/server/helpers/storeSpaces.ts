import type { StoreOptions, SyncStore } from '../../../src/server';
import type { SuiteContext } from './describeSyncStore';

export function spaceAndIdempotencyCases(c: SuiteContext): void {
  let store: SyncStore;
  let space: string;
  beforeEach(() => {
    store = c.store;
    space = c.space;
  });
  const open = async (options?: StoreOptions) => (store = await c.open(options));
  const { put, written, ifMatch } = c;

  describe('spaces', () => {
    it('keeps the same key apart in two spaces, for every operation', async () => {
      const other = `${space}-other`;
      written(await put('"mine"'));

      expect(await store.get(other, 'project:p1')).toBeNull();
      expect((await store.list(other, { prefix: '', limit: 10 })).items).toEqual([]);
      expect(await store.changes(other, 0, 10)).toEqual({ status: 'changes', changes: [], cursor: 0 });
      expect(await store.usage(other)).toEqual({ bytes: 0, documents: 0 });
      expect(await store.write({ space: other, key: 'project:p1', precondition: { ifMatch: ['*'] }, change: { kind: 'delete' } })).toEqual({
        status: 'precondition-failed',
        current: null,
      });
      written(await store.write({ space: other, key: 'project:p1', precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text: '"theirs"' } }));
      expect((await store.get(space, 'project:p1'))?.text).toBe('"mine"');
    });

    it("never lets user 'a:b' with key 'c:d' meet user 'a' with key 'b:c:d', nor '/' stand for a folder", async () => {
      const pairs: [string, string][] = [
        [`${space}:b`, 'c:d'],
        [space, 'b:c:d'],
        [`${space}/b`, 'c'],
        [space, 'b/c'],
        [`${space}/..`, 'x'],
        [`${space}`, '../x'],
      ];
      for (const [user, key] of pairs) {
        written(await store.write({ space: user, key, precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text: JSON.stringify([user, key]) } }));
      }
      for (const [user, key] of pairs) {
        expect((await store.get(user, key))?.text).toBe(JSON.stringify([user, key]));
        expect((await store.list(user, { prefix: '', limit: 10 })).items.map((item) => item.key)).toContain(key);
        expect((await store.usage(user)).documents).toBe(pairs.filter(([u]) => u === user).length);
      }
    });

    it('counts a cursor per space, advanced by each write', async () => {
      const a = written(await put('1'));
      const b = written(await put('2', ifMatch(a.version)));
      const other = written(await store.write({ space: `${space}-2`, key: 'k', precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text: '1' } }));

      expect(b.cursor).toBe(a.cursor + 1);
      expect(other.cursor).toBe(1);
    });
  });

  describe('idempotency', () => {
    const idem = (key: string, fingerprint = 'f1') => ({ idempotency: { key, fingerprint } });

    it('answers a repeated key and body as the first time, even after the document moved on, and applies it once', async () => {
      const first = written(await put('"A"', idem('c1:1')));
      written(await put('"B"', { ...ifMatch(first.version), ...idem('c2:1') }));

      const again = await put('"A"', idem('c1:1'));

      expect(again).toEqual({ status: 'replayed', answer: { version: first.version } });
      expect((await store.get(space, 'project:p1'))?.text).toBe('"B"');
      // Two writes applied, not three: the replay moved no cursor.
      expect((await store.changes(space, 0, 10)).cursor).toBe(2);
    });

    it('refuses the same key with another body', async () => {
      written(await put('"A"', idem('c1:1', 'f1')));

      expect(await put('"other"', idem('c1:1', 'f2'))).toEqual({ status: 'key-reused' });
    });

    it('keeps records per space and per document', async () => {
      written(await put('"A"', idem('c1:1')));

      const otherSpace = await store.write({ space: `${space}-b`, key: 'project:p1', precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text: '"B"' }, ...idem('c1:1') });
      const otherKey = await put('"C"', idem('c1:1'), 'project:p2');

      expect(otherSpace.status).toBe('written');
      expect(otherKey.status).toBe('written');
    });

    it('replays a delete as a delete', async () => {
      const first = written(await put('"A"'));
      const deleted = written(await store.write({ space, key: 'project:p1', precondition: { ifMatch: [first.version] }, change: { kind: 'delete' }, ...idem('c1:2') }));

      expect(await store.write({ space, key: 'project:p1', precondition: { ifMatch: [first.version] }, change: { kind: 'delete' }, ...idem('c1:2') })).toEqual({
        status: 'replayed',
        answer: { version: deleted.version, deleted: true },
      });
    });

    it('does not record a write that was refused', async () => {
      written(await put('"A"'));
      expect((await put('"B"', idem('c1:9'))).status).toBe('precondition-failed');

      expect(await put('"B"', { ...idem('c1:9'), precondition: { ifMatch: ['*'] } })).toMatchObject({ status: 'written' });
    });

    it('forgets records past their count and their age', async () => {
      await open({ idempotency: { maxPerSpace: 2, maxAgeMs: 60_000 } });
      for (const n of [1, 2, 3]) written(await put(String(n), idem(`c:${n}`), `k:${n}`));
      expect((await put('1', idem('c:1'), 'k:1')).status).toBe('precondition-failed');
      expect((await put('2', idem('c:2'), 'k:2')).status).toBe('replayed');

      c.clock += 61_000;

      expect((await put('3', idem('c:3'), 'k:3')).status).toBe('precondition-failed');
    });
  });
}
