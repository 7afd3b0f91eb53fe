import fc from 'fast-check';
import { deepEqual, mergeBase, threeWayMerge } from '../src/sync/merge';

type Path = (string | number)[];

/** A list item: `item('a')` is `{ id: 'a', t: 'A' }`. */
const item = (id: string | number, t = String(id).toUpperCase()) => ({ id, t });
const [A, B, C] = [item('a'), item('b'), item('c')];

/** Freezes the inputs so that a merge that writes to them throws (test files are strict mode). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

interface Case {
  name: string;
  base: unknown;
  local: unknown;
  remote: unknown;
  merged: unknown;
  conflicts: Path[];
}

const cases: Case[] = [
  // Objects
  { name: "takes each side's change to a different field", base: { title: 'T', body: 'B' }, local: { title: 'L', body: 'B' }, remote: { title: 'T', body: 'R' }, merged: { title: 'L', body: 'R' }, conflicts: [] },
  { name: 'takes the only side that changed', base: { a: 1, b: 1 }, local: { a: 1, b: 1 }, remote: { a: 2, b: 1 }, merged: { a: 2, b: 1 }, conflicts: [] },
  { name: 'keeps local where both changed a field differently', base: { title: 'T', n: 1 }, local: { title: 'L', n: 1 }, remote: { title: 'R', n: 2 }, merged: { title: 'L', n: 2 }, conflicts: [['title']] },
  { name: 'sees no conflict where both made the same change', base: { title: 'T', n: 1 }, local: { title: 'X', n: 1 }, remote: { title: 'X', n: 2 }, merged: { title: 'X', n: 2 }, conflicts: [] },
  { name: 'merges nested objects field by field', base: { meta: { author: 'a', style: { x: 1 } }, v: 1 }, local: { meta: { author: 'b', style: { x: 1 } }, v: 1 }, remote: { meta: { author: 'a', style: { x: 2 } }, v: 1 }, merged: { meta: { author: 'b', style: { x: 2 } }, v: 1 }, conflicts: [] },
  { name: 'reports a nested conflict by its full path', base: { meta: { author: { name: 'a' } } }, local: { meta: { author: { name: 'b' } } }, remote: { meta: { author: { name: 'c' } } }, merged: { meta: { author: { name: 'b' } } }, conflicts: [['meta', 'author', 'name']] },
  { name: 'keeps keys added on either side', base: { a: 1 }, local: { a: 1, b: 2 }, remote: { a: 1, c: 3 }, merged: { a: 1, b: 2, c: 3 }, conflicts: [] },
  { name: 'keeps local where both added a key with different values', base: { a: 1 }, local: { a: 1, b: 2 }, remote: { a: 1, b: 3 }, merged: { a: 1, b: 2 }, conflicts: [['b']] },
  { name: 'deletes a key deleted locally and unchanged remotely', base: { a: 1, b: 2 }, local: { a: 1 }, remote: { a: 9, b: 2 }, merged: { a: 9 }, conflicts: [] },
  { name: 'deletes a key deleted remotely and unchanged locally', base: { a: 1, b: 2, c: 3 }, local: { a: 1, b: 5, c: 3 }, remote: { a: 1, b: 2 }, merged: { a: 1, b: 5 }, conflicts: [] },
  { name: 'deletes keys deleted on both sides', base: { a: 1, b: 2, c: 3 }, local: { a: 1 }, remote: { a: 2 }, merged: { a: 2 }, conflicts: [] },
  { name: 'keeps a key edited remotely though deleted locally, as a conflict', base: { a: 1, b: { x: 1 } }, local: { a: 1 }, remote: { a: 1, b: { x: 2 } }, merged: { a: 1, b: { x: 2 } }, conflicts: [['b']] },
  { name: 'keeps a key edited locally though deleted remotely, as a conflict', base: { a: 1, b: { x: 1 } }, local: { a: 1, b: { x: 2 } }, remote: { a: 1 }, merged: { a: 1, b: { x: 2 } }, conflicts: [['b']] },

  // Arrays of objects with ids
  { name: 'keeps edits to different items', base: { items: [A, B, C] }, local: { items: [item('a', 'L'), B, C] }, remote: { items: [A, B, item('c', 'R')] }, merged: { items: [item('a', 'L'), B, item('c', 'R')] }, conflicts: [] },
  { name: 'keeps edits to different fields of one item', base: { items: [{ id: 1, t: 'a', done: false }] }, local: { items: [{ id: 1, t: 'b', done: false }] }, remote: { items: [{ id: 1, t: 'a', done: true }] }, merged: { items: [{ id: 1, t: 'b', done: true }] }, conflicts: [] },
  { name: 'reports an item field both changed at its index in the merged array', base: { items: [A, B, C] }, local: { items: [item('x'), A, B, item('c', 'L')] }, remote: { items: [A, B, item('c', 'R')] }, merged: { items: [item('x'), A, B, item('c', 'L')] }, conflicts: [['items', 3, 't']] },
  { name: 'keeps items appended on both sides, local first', base: { items: [A, B] }, local: { items: [A, B, item('l1')] }, remote: { items: [A, B, item('r1')] }, merged: { items: [A, B, item('l1'), item('r1')] }, conflicts: [] },
  { name: 'keeps items inserted at the start on both sides, local first', base: { items: [A] }, local: { items: [item('l1'), A] }, remote: { items: [item('r1'), A] }, merged: { items: [item('l1'), item('r1'), A] }, conflicts: [] },
  { name: 'puts a remote insertion after its remote predecessor', base: { items: [A, B, C] }, local: { items: [item('x'), A, B, C] }, remote: { items: [A, item('r1'), B, C] }, merged: { items: [item('x'), A, item('r1'), B, C] }, conflicts: [] },
  { name: 'deletes items deleted on either side', base: { items: [A, B, C] }, local: { items: [A, C] }, remote: { items: [A, B] }, merged: { items: [A] }, conflicts: [] },
  { name: 'keeps an item deleted locally but edited remotely, as a conflict', base: { items: [A, B, C] }, local: { items: [A, C] }, remote: { items: [A, item('b', 'R'), C] }, merged: { items: [A, item('b', 'R'), C] }, conflicts: [['items', 1]] },
  { name: 'keeps an item deleted remotely but edited locally, as a conflict', base: { items: [A, B, C] }, local: { items: [A, B, item('c', 'L')] }, remote: { items: [A, B] }, merged: { items: [A, B, item('c', 'L')] }, conflicts: [['items', 2]] },
  { name: 'honours a local move alongside a remote edit', base: { items: [A, B, C] }, local: { items: [C, A, B] }, remote: { items: [A, item('b', 'R'), C] }, merged: { items: [C, A, item('b', 'R')] }, conflicts: [] },
  { name: "honours a remote move, with local's insertion after its local predecessor", base: { items: [A, B, C] }, local: { items: [A, item('x'), B, C] }, remote: { items: [C, B, A] }, merged: { items: [C, B, A, item('x')] }, conflicts: [] },
  { name: "keeps local's order where both moved items differently, as a conflict", base: { items: [A, B, C] }, local: { items: [B, A, C] }, remote: { items: [A, C, B] }, merged: { items: [B, A, C] }, conflicts: [['items']] },
  { name: 'sees no conflict where both made the same move', base: { items: [A, B, C] }, local: { items: [C, A, B] }, remote: { items: [C, A, B, item('r1')] }, merged: { items: [C, A, B, item('r1')] }, conflicts: [] },
  { name: 'keeps one copy of an item both inserted alike', base: { items: [A] }, local: { items: [A, item('x')] }, remote: { items: [item('a', 'R'), item('x')] }, merged: { items: [item('a', 'R'), item('x')] }, conflicts: [] },
  { name: 'merges an item both inserted differently as if from nothing', base: { items: [A] }, local: { items: [A, item('x', 'L')] }, remote: { items: [A, item('x', 'R')] }, merged: { items: [A, item('x', 'L')] }, conflicts: [['items', 1, 't']] },
  { name: 'merges by numeric ids', base: { items: [item(1), item(2)] }, local: { items: [item(1, 'L'), item(2)] }, remote: { items: [item(1), item(2), item(3)] }, merged: { items: [item(1, 'L'), item(2), item(3)] }, conflicts: [] },
  { name: 'treats an array with duplicate ids as one value', base: { items: [item(1)] }, local: { items: [item(1), item(1, 'L')] }, remote: { items: [item(1, 'R')] }, merged: { items: [item(1), item(1, 'L')] }, conflicts: [['items']] },

  // Other arrays are values
  { name: 'takes an array of objects without ids from the only side that changed it', base: { pts: [{ x: 1 }], n: 1 }, local: { pts: [{ x: 1 }], n: 2 }, remote: { pts: [{ x: 1 }, { x: 2 }], n: 1 }, merged: { pts: [{ x: 1 }, { x: 2 }], n: 2 }, conflicts: [] },
  { name: 'keeps local where both changed an array of objects without ids', base: { pts: [{ x: 1 }] }, local: { pts: [{ x: 2 }] }, remote: { pts: [{ x: 1 }, { x: 3 }] }, merged: { pts: [{ x: 2 }] }, conflicts: [['pts']] },
  { name: 'takes primitive arrays from the only side that changed them', base: { tags: ['a'], n: 1 }, local: { tags: ['a', 'b'], n: 1 }, remote: { tags: ['a'], n: 2 }, merged: { tags: ['a', 'b'], n: 2 }, conflicts: [] },
  { name: 'keeps local where both changed a primitive array', base: { tags: ['a'] }, local: { tags: ['a', 'b'] }, remote: { tags: ['c'] }, merged: { tags: ['a', 'b'] }, conflicts: [['tags']] },
  { name: 'does not merge tuples element by element', base: { pos: [0, 0] }, local: { pos: [1, 0] }, remote: { pos: [0, 2] }, merged: { pos: [1, 0] }, conflicts: [['pos']] },

  // Type changes
  { name: 'takes a local type change when remote left the field alone', base: { v: 's', n: 1 }, local: { v: { x: 1 }, n: 1 }, remote: { v: 's', n: 2 }, merged: { v: { x: 1 }, n: 2 }, conflicts: [] },
  { name: 'takes a remote type change when local left the field alone', base: { v: { x: 1 }, n: 1 }, local: { v: { x: 1 }, n: 2 }, remote: { v: [1], n: 1 }, merged: { v: [1], n: 2 }, conflicts: [] },
  { name: 'keeps local where both changed a type differently', base: { v: 's' }, local: { v: { x: 1 } }, remote: { v: [1] }, merged: { v: { x: 1 } }, conflicts: [['v']] },
  { name: 'keeps local where one side changed the type and the other the content', base: { items: [A] }, local: { items: null }, remote: { items: [item('a', 'R')] }, merged: { items: null }, conflicts: [['items']] },
  { name: 'merges two objects that both replaced a string as if from nothing', base: { v: 's' }, local: { v: { x: 1 } }, remote: { v: { y: 2 } }, merged: { v: { x: 1, y: 2 } }, conflicts: [] },

  // No base
  { name: 'with a null base, keeps keys from both sides', base: null, local: { a: 1 }, remote: { b: 2 }, merged: { a: 1, b: 2 }, conflicts: [] },
  { name: 'with an undefined base, keeps local where the sides differ', base: undefined, local: { a: 1, b: 1 }, remote: { a: 2, b: 1 }, merged: { a: 1, b: 1 }, conflicts: [['a']] },
  { name: 'with a null base, merges id arrays as if both inserted everything', base: null, local: { items: [A, item('x')] }, remote: { items: [item('a', 'R'), item('y')] }, merged: { items: [A, item('x'), item('y')] }, conflicts: [['items', 0, 't']] },
  { name: 'with a null base, keeps a local primitive document', base: null, local: 'l', remote: 'r', merged: 'l', conflicts: [[]] },
  { name: 'with a null base, sees no conflict between equal sides', base: null, local: { a: [1] }, remote: { a: [1] }, merged: { a: [1] }, conflicts: [] },
];

describe('threeWayMerge', () => {
  it.each(cases)('$name', ({ base, local, remote, merged, conflicts }) => {
    const result = threeWayMerge(deepFreeze(base), deepFreeze(local), deepFreeze(remote));
    expect(result.merged).toEqual(merged);
    expect(result.conflicts).toEqual(conflicts);
  });

  it('shares the subtrees it did not have to rebuild', () => {
    const base = { a: { x: 1 }, b: { n: 1 }, c: 1 };
    const local = { ...base, c: 2 };
    const remote = { ...base, b: { n: 2 } };
    const { merged } = threeWayMerge(base, local, remote);
    expect(merged).toEqual({ a: { x: 1 }, b: { n: 2 }, c: 2 });
    expect(merged.a).toBe(base.a);
    expect(merged.b).toBe(remote.b);
  });
});

describe('threeWayMerge and prototype keys', () => {
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype);
  afterEach(() => {
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeNames);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps a __proto__ key from JSON.parse as an own property, not a prototype', () => {
    const base = JSON.parse('{"a":1}');
    const local = JSON.parse('{"a":1,"__proto__":{"polluted":"yes"}}');
    const remote = JSON.parse('{"a":2}');
    const { merged, conflicts } = threeWayMerge<Record<string, unknown>>(base, local, remote);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(merged.polluted).toBeUndefined();
    expect(JSON.stringify(merged)).toBe('{"a":2,"__proto__":{"polluted":"yes"}}');
    expect(conflicts).toEqual([]);
  });

  it('merges inside a __proto__ key like any other, reporting its conflicts', () => {
    const base = JSON.parse('{"__proto__":{"polluted":"no","x":1}}');
    const local = JSON.parse('{"__proto__":{"polluted":"local","x":1}}');
    const remote = JSON.parse('{"__proto__":{"polluted":"remote","x":2}}');
    const { merged, conflicts } = threeWayMerge(base, local, remote);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"polluted":"local","x":2}}');
    expect(conflicts).toEqual([['__proto__', 'polluted']]);
  });

  it('deletes a __proto__ key that one side deleted, like any other key', () => {
    const base = JSON.parse('{"a":1,"__proto__":{"polluted":"yes"}}');
    const local = JSON.parse('{"a":2,"__proto__":{"polluted":"yes"}}');
    const remote = JSON.parse('{"a":1}');
    const { merged } = threeWayMerge(base, local, remote);
    expect(JSON.stringify(merged)).toBe('{"a":2}');
    expect(Object.hasOwn(merged, '__proto__')).toBe(false);
  });

  it('treats constructor and prototype keys as data', () => {
    const base = JSON.parse('{"constructor":{"prototype":{"x":1}}}');
    const local = JSON.parse('{"constructor":{"prototype":{"x":2}}}');
    const remote = JSON.parse('{"constructor":{"prototype":{"x":1,"polluted":"yes"}},"prototype":1}');
    const { merged, conflicts } = threeWayMerge(base, local, remote);
    expect(JSON.stringify(merged)).toBe('{"constructor":{"prototype":{"x":2,"polluted":"yes"}},"prototype":1}');
    expect(conflicts).toEqual([]);
  });

  it('does not read a missing __proto__ or constructor key from the prototype', () => {
    // Only remote has these keys: were `base.constructor` read through the prototype
    // (the Object function), they would look changed and conflict.
    const { merged, conflicts } = threeWayMerge({}, { a: 1 }, JSON.parse('{"constructor":1,"__proto__":2}'));
    expect(JSON.stringify(merged)).toBe('{"a":1,"constructor":1,"__proto__":2}');
    expect(conflicts).toEqual([]);
  });
});

describe('deepEqual', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['equal nested data', { a: [1, { b: null }] }, { a: [1, { b: null }] }, true],
    ['a different leaf', { a: [1, { b: null }] }, { a: [1, { b: 0 }] }, false],
    ['a missing key against an undefined one', { a: undefined }, { b: undefined }, false],
    ['an array against an object with index keys', [1], { 0: 1 }, false],
    ['arrays of different lengths', [1], [1, 1], false],
  ])('compares %s', (_name, a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
    expect(deepEqual(b, a)).toBe(expected);
  });
});

// Property tests. A document has scalar fields and an `items` list; each field and
// each base item belongs to local, to remote or to neither, and only its owner edits it.

type Side = 'local' | 'remote';
type Scalar = number | string | boolean | null;
interface Item {
  id: string;
  x: Scalar;
  y: Scalar;
}
type Doc = Record<string, unknown> & { items: Item[] };

const scalar: fc.Arbitrary<Scalar> = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('p', 'q'), fc.boolean(), fc.constant(null));
const owner = fc.constantFrom<Side | 'none'>('local', 'remote', 'none');
const insertion = fc.record({ at: fc.nat(), x: scalar, y: scalar });

const plans = fc.record({
  fields: fc.array(fc.record({ base: fc.option(scalar, { nil: undefined }), owner, deleted: fc.boolean(), value: scalar }), { maxLength: 5 }),
  items: fc.array(
    fc.record({ x: scalar, y: scalar, owner, action: fc.constantFrom('edit x', 'edit y', 'delete'), value: scalar }),
    { maxLength: 8 },
  ),
  inserts: fc.record({ local: fc.array(insertion, { maxLength: 3 }), remote: fc.array(insertion, { maxLength: 3 }) }),
});
type Plan = typeof plans extends fc.Arbitrary<infer P> ? P : never;

/** The document as `side` sees it after making its own edits (`'base'` makes none). */
function documentOf(plan: Plan, side: Side | 'base'): Doc {
  const doc: Doc = { items: [] };
  plan.fields.forEach((field, i) => {
    const value = field.owner !== side ? field.base : field.deleted ? undefined : field.value;
    if (value !== undefined) doc[`f${i}`] = value;
  });
  plan.items.forEach(({ x, y, owner, action, value }, i) => {
    const original = { id: `b${i}`, x, y };
    if (owner !== side) doc.items.push(original);
    else if (action !== 'delete') doc.items.push({ ...original, [action === 'edit x' ? 'x' : 'y']: value });
  });
  if (side !== 'base') {
    plan.inserts[side].forEach(({ at, x, y }, i) => {
      doc.items.splice(at % (doc.items.length + 1), 0, { id: `${side}${i}`, x, y });
    });
  }
  return doc;
}

/** The ids of `items` that are also in `among`, in `items`' order. */
const idsAmong = (items: Item[], among: Item[]) => items.map((i) => i.id).filter((id) => among.some((j) => j.id === id));

describe('threeWayMerge properties', () => {
  it("keeps both sides' edits, without conflicts, when they touch different fields and items", () => {
    fc.assert(
      fc.property(plans, (plan) => {
        const [base, local, remote] = [documentOf(plan, 'base'), documentOf(plan, 'local'), documentOf(plan, 'remote')];
        const { merged, conflicts } = threeWayMerge(base, local, remote);
        expect(conflicts).toEqual([]);

        const owned = (owner: Side | 'none') => (owner === 'remote' ? remote : local);
        const expectedFields = Object.fromEntries(
          plan.fields.flatMap((field, i) => (`f${i}` in owned(field.owner) ? [[`f${i}`, owned(field.owner)[`f${i}`]]] : [])),
        );
        const { items, ...fields } = merged;
        expect(fields).toEqual(expectedFields);

        const byId = (doc: Doc) => new Map(doc.items.map((i) => [i.id, i]));
        const expectedItems = new Map([...byId(local), ...byId(remote)]);
        plan.items.forEach(({ owner }, i) => {
          const id = `b${i}`;
          const mine = byId(owned(owner)).get(id);
          if (mine) expectedItems.set(id, mine);
          else expectedItems.delete(id);
        });
        expect(byId(merged)).toEqual(expectedItems);

        // Neither side moved anything, so each side's order survives among the items it has.
        expect(idsAmong(merged.items, local.items)).toEqual(idsAmong(local.items, merged.items));
        expect(idsAmong(merged.items, remote.items)).toEqual(idsAmong(remote.items, merged.items));
      }),
      { numRuns: 300 },
    );
  });

  it('returns the other side whole when one side is still the base', () => {
    fc.assert(
      // A null base means "never synced" (see the null-base cases), so it is left out here.
      fc.property(fc.jsonValue().filter((v) => v !== null), fc.jsonValue(), (base, other) => {
        expect(threeWayMerge(base, base, other)).toEqual({ merged: other, conflicts: [] });
        expect(threeWayMerge(base, other, base)).toEqual({ merged: other, conflicts: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('returns the other side whole for structured documents too', () => {
    fc.assert(
      fc.property(plans, fc.constantFrom<Side>('local', 'remote'), (plan, side) => {
        const [base, edited] = [documentOf(plan, 'base'), documentOf(plan, side)];
        expect(threeWayMerge(base, base, edited)).toEqual({ merged: edited, conflicts: [] });
        expect(threeWayMerge(base, edited, base)).toEqual({ merged: edited, conflicts: [] });
      }),
      { numRuns: 200 },
    );
  });

  it('never changes its inputs or Object.prototype, whatever they hold', () => {
    const prototypeNames = Object.getOwnPropertyNames(Object.prototype);
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (base, local, remote) => {
        const before = JSON.stringify([base, local, remote]);
        threeWayMerge(deepFreeze(base), deepFreeze(local), deepFreeze(remote));
        expect(JSON.stringify([base, local, remote])).toBe(before);
        expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeNames);
      }),
      { numRuns: 300 },
    );
  });
});

describe('mergeBase', () => {
  const stored = { title: 'Stored', tags: ['a'], shots: [{ id: 's1', prompt: 'dawn' }, { id: 's2', prompt: 'gulls' }] };
  const remote = { title: 'Remote', tags: ['a'], shots: [{ id: 's1', prompt: 'dusk' }, { id: 's3', prompt: 'harbour' }] };

  it('takes, field by field, the source the copy agrees with, and the stored copy where the copy has an edit of its own', () => {
    // Title from the remote, s1 as stored, s2 kept, s3 from the remote, a new s4 and new tags of its own.
    const copy = { title: 'Remote', tags: ['a', 'b'], shots: [{ id: 's1', prompt: 'dawn' }, { id: 's2', prompt: 'gulls' }, { id: 's3', prompt: 'harbour' }, { id: 's4', prompt: 'new' }] };
    expect(mergeBase(copy, stored, remote)).toEqual({
      title: 'Remote',
      tags: ['a'],
      shots: [{ id: 's1', prompt: 'dawn' }, { id: 's2', prompt: 'gulls' }, { id: 's3', prompt: 'harbour' }],
    });
  });

  it('makes a merge count only the copy\'s own edits: what it took from either source gives way to a third copy', () => {
    const copy = { title: 'Remote', tags: ['a', 'b'], shots: [{ id: 's1', prompt: 'dawn' }, { id: 's3', prompt: 'harbour' }] };
    const theirs = { title: 'Theirs', tags: ['a'], shots: [{ id: 's1', prompt: 'theirs' }] };
    const { merged, conflicts } = threeWayMerge(mergeBase(copy, stored, remote), copy, theirs);
    // Their title and prompt win (the copy only took those from a source); the copy's own tag stays; s3, which
    // the copy took from the remote and theirs lacks, goes (it comes back from the remote).
    expect(merged).toEqual({ title: 'Theirs', tags: ['a', 'b'], shots: [{ id: 's1', prompt: 'theirs' }] });
    expect(conflicts).toEqual([]);
  });

  it('is null for a copy made from nothing stored, and the copy itself when it agrees with the remote', () => {
    expect(mergeBase({ title: 'Mine' }, null, null)).toBeNull();
    expect(mergeBase(remote, undefined, remote)).toBe(remote);
  });
});
