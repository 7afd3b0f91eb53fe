import { randomUUID } from 'node:crypto';
import type { StoreOptions, SyncStore, WriteRequest, WriteResult } from '../../../src/server';

/** Makes a fresh store with these options; the suite closes it after each test. */
export type MakeStore = (options: StoreOptions) => SyncStore | Promise<SyncStore>;

/**
 * The conformance suite every `SyncStore` passes — memory and file here,
 * Postgres and Redis next — run unchanged. Spaces are named afresh for each
 * test, so a database store needs no cleaning between them.
 */
export function describeSyncStore(name: string, makeStore: MakeStore): void {
  describe(`SyncStore conformance: ${name}`, () => {
    let store: SyncStore;
    let clock: number;
    let space: string;
    const open = async (options: StoreOptions = {}) => {
      await store?.close();
      store = await makeStore({ now: () => clock, ...options });
      return store;
    };
    const put = (text: string, over: Partial<WriteRequest> = {}, key = 'project:p1'): Promise<WriteResult> =>
      store.write({ space, key, precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text }, ...over });
    const written = (result: WriteResult) => {
      if (result.status !== 'written') throw new Error(`expected a write, got ${JSON.stringify(result)}`);
      return result;
    };
    const ifMatch = (version: string) => ({ precondition: { ifMatch: [version] } });

    beforeEach(async () => {
      clock = 1_700_000_000_000;
      space = `user-${randomUUID()}`;
      await open();
    });
    afterEach(async () => {
      await store.close();
    });

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
          updatedAt: clock,
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

        clock += 61_000;

        expect((await put('3', idem('c:3'), 'k:3')).status).toBe('precondition-failed');
      });
    });

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
        expect(second).toEqual({ items: [{ key: 'project:c', version: versions['project:c'], bytes: 2, updatedAt: clock }] });
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

        clock += 61_000;

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
        store = await makeStore({ now: () => clock });
      });
    });
  });
}
