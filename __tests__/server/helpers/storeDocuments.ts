import type { SyncStore } from '../../../src/server';
import type { SuiteContext } from './describeSyncStore';

export function documentAndDeleteCases(c: SuiteContext): void {
  let store: SyncStore;
  let space: string;
  beforeEach(() => {
    store = c.store;
    space = c.space;
  });
  const { put, written, ifMatch } = c;

  describe('documents', () => {
    it('finds nothing at a key never written', async () => {
      expect(await store.get(space, 'project:p1')).toBeNull();
    });

    it('keeps the text byte for byte: key order, spacing, escapes and unicode as sent', async () => {
      const text = '{ "z": 1,\n  "a": [1.50, "東京 ✓ 🎬", "\\u0041\\n"], "nested": {"b":null , "a":true} }';
      const { version } = written(await put(text));

      expect(await store.get(space, 'project:p1')).toEqual({
        key: 'project:p1',
        version,
        text,
        overrode: null,
        cursor: expect.any(Number),
        updatedAt: c.clock,
      });
    });

    it('numbers versions per document as "<counter>-<random>"', async () => {
      const first = written(await put('1'));
      const second = written(await put('2', ifMatch(first.version)));

      expect(first.version).toMatch(/^1-[0-9a-z]{6,}$/);
      expect(second.version).toMatch(/^2-[0-9a-z]{6,}$/);
    });

    it('writes on top of the current version and refuses a stale one, answering with the current copy', async () => {
      const first = written(await put('"A"'));
      const second = written(await put('"B"', ifMatch(first.version)));

      const stale = await put('"C"', ifMatch(first.version));

      expect(stale).toEqual({ status: 'precondition-failed', current: expect.objectContaining({ version: second.version, text: '"B"' }) });
      expect((await store.get(space, 'project:p1'))?.text).toBe('"B"');
    });

    it('refuses a create over an existing document, and If-Match on a missing one', async () => {
      written(await put('"A"'));

      expect(await put('"B"')).toMatchObject({ status: 'precondition-failed', current: { text: '"A"' } });
      expect(await put('"B"', ifMatch('1-abc'), 'project:none')).toEqual({ status: 'precondition-failed', current: null });
      expect(await put('"B"', ifMatch('*'), 'project:none')).toEqual({ status: 'precondition-failed', current: null });
    });

    it('lets exactly one of many concurrent writes from one version win', async () => {
      const base = written(await put('0'));

      const results = await Promise.all(Array.from({ length: 12 }, (_, n) => put(String(n + 1), ifMatch(base.version))));

      const winners = results.filter((result) => result.status === 'written');
      expect(winners).toHaveLength(1);
      const stored = await store.get(space, 'project:p1');
      expect(stored?.version).toBe((winners[0] as { version: string }).version);
      expect(results.filter((result) => result.status === 'precondition-failed')).toHaveLength(11);
    });

    it('stores the paths a merge overrode with that version only', async () => {
      const first = written(await put('1', { change: { kind: 'put', text: '1', overrode: [['shots', 2, 'prompt']] } }));
      expect((await store.get(space, 'project:p1'))?.overrode).toEqual([['shots', 2, 'prompt']]);

      written(await put('2', ifMatch(first.version)));

      expect((await store.get(space, 'project:p1'))?.overrode).toBeNull();
    });

    it('derives the new copy from exactly the current one, and writes nothing when it refuses', async () => {
      const first = written(await put('{"n":1}'));
      const seen: string[] = [];

      const refused = await put('', {
        ...ifMatch(first.version),
        change: { kind: 'derive', produce: (current) => (seen.push(current.text!), { status: 'refused', detail: 'no' }) },
      });
      const derived = await put('', {
        ...ifMatch(first.version),
        change: { kind: 'derive', produce: (current) => ({ status: 'ok', text: current.text!.replace('1', '2') }) },
      });

      expect(refused).toEqual({ status: 'refused', detail: 'no' });
      expect(seen).toEqual(['{"n":1}']);
      expect(written(derived).version).toMatch(/^2-/);
      expect((await store.get(space, 'project:p1'))?.text).toBe('{"n":2}');
    });
  });

  describe('deletes', () => {
    it('leaves a tombstone: get finds no text, list skips it, changes report it', async () => {
      const first = written(await put('"A"'));

      const deleted = written(await store.write({ space, key: 'project:p1', precondition: { ifMatch: [first.version] }, change: { kind: 'delete' } }));

      expect(deleted).toEqual({ status: 'written', version: expect.stringMatching(/^2-/), cursor: expect.any(Number), deleted: true });
      expect(await store.get(space, 'project:p1')).toMatchObject({ version: deleted.version, text: null });
      expect((await store.list(space, { prefix: '', limit: 10 })).items).toEqual([]);
      const page = await store.changes(space, first.cursor, 10);
      expect(page).toEqual({ status: 'changes', cursor: deleted.cursor, changes: [{ cursor: deleted.cursor, key: 'project:p1', version: deleted.version, deleted: true }] });
    });

    it('does not let a write based on the version before the delete bring it back', async () => {
      const first = written(await put('"A"'));
      written(await store.write({ space, key: 'project:p1', precondition: { ifMatch: [first.version] }, change: { kind: 'delete' } }));

      expect(await put('"old edit"', ifMatch(first.version))).toMatchObject({ status: 'precondition-failed', current: { text: null } });
      expect(await put('"any"', ifMatch('*'))).toMatchObject({ status: 'precondition-failed' });
      expect((await store.get(space, 'project:p1'))?.text).toBeNull();
    });

    it('creates the key again with a counter that goes on, or revives it from the tombstone version', async () => {
      const first = written(await put('"A"'));
      const tomb = written(await store.write({ space, key: 'project:p1', precondition: { ifMatch: [first.version] }, change: { kind: 'delete' } }));

      const again = written(await put('"new"'));
      const tomb2 = written(await store.write({ space, key: 'project:p1', precondition: { ifMatch: ['*'] }, change: { kind: 'delete' } }));
      const revived = written(await put('"revived"', ifMatch(tomb2.version)));

      expect([tomb.version, again.version, tomb2.version, revived.version].map((v) => v.split('-')[0])).toEqual(['2', '3', '4', '5']);
      expect((await store.get(space, 'project:p1'))?.text).toBe('"revived"');
    });

    it('refuses to delete what is not there, a tombstone included', async () => {
      const missing = await store.write({ space, key: 'project:none', precondition: { ifMatch: ['*'] }, change: { kind: 'delete' } });
      const first = written(await put('"A"'));
      const tomb = written(await store.write({ space, key: 'project:p1', precondition: { ifMatch: [first.version] }, change: { kind: 'delete' } }));
      const twice = await store.write({ space, key: 'project:p1', precondition: { ifMatch: [tomb.version] }, change: { kind: 'delete' } });

      expect(missing).toEqual({ status: 'precondition-failed', current: null });
      expect(twice).toMatchObject({ status: 'precondition-failed', current: { text: null } });
    });
  });
}
