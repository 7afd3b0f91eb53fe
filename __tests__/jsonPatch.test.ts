/**
 * The client's diff and the server's JSON Patch, together: for any two
 * documents, the patch the client computes, applied by the server to the
 * first, gives the second (as JSON). Unchanged subtrees shared by reference
 * are never looked into; arrays of objects with ids are diffed by id.
 */
import fc from 'fast-check';
import { applyPatch, checkPatch } from '../src/server/patch/applyPatch';
import { diff } from '../src/sync/patch/diff';
import { patchText } from '../src/sync/patch';

const RUNS = Number(process.env.FC_RUNS ?? 300);

/** The server's result of the client's patch, through the wire (JSON text both ways). */
function patched(from: unknown, to: unknown): unknown {
  const text = patchText(from, to);
  // A patch through `__proto__`, `constructor` or `prototype` (which the
  // server refuses to walk) is never made: such a document goes whole.
  if (text === undefined) {
    expect(JSON.stringify(diff(from, to))).toMatch(/"\/(?:[^"]*\/)?(__proto__|constructor|prototype)(\/|")/);
    return JSON.parse(JSON.stringify(to));
  }
  const operations = JSON.parse(text);
  const checked = checkPatch(operations, 100_000);
  if (checked.status !== 'ok') throw new Error(`the client made an invalid patch: ${checked.error}`);
  const applied = applyPatch(JSON.stringify(from), checked.operations, 1e9);
  if (applied.status !== 'ok') throw new Error(`the patch did not apply: ${applied.error}`);
  return applied.data;
}

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

const shot = (id: fc.Arbitrary<string>) => fc.record({ id, prompt: fc.string({ maxLength: 8 }), dialogue: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }) });
/** Projects of the tests' schema: shots with distinct ids from a small pool, so two projects share many. */
const project = fc.record({
  id: fc.constant('p1'),
  title: fc.string({ maxLength: 10 }),
  shots: fc.uniqueArray(shot(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x/y', '~0')), { selector: (s) => s.id, maxLength: 8 }),
});
/** Any JSON, awkward keys included ('', '/', '~', '__proto__' as data). */
const anyJson = fc.jsonValue({ maxDepth: 4 }).map(asJson);

describe('diff and patch', () => {
  it('round-trips any two projects of the schema', () => {
    fc.assert(
      fc.property(project, project, (a, b) => {
        expect(patched(a, b)).toEqual(asJson(b));
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips any two JSON values', () => {
    fc.assert(
      fc.property(anyJson, anyJson, (a, b) => {
        expect(patched(a, b)).toEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('round-trips a document and an edit of it (shared subtrees, as Redux makes them)', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('title' as const), title: fc.string({ maxLength: 5 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), id: fc.string({ minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('move' as const), from: fc.nat(), to: fc.nat() }),
      fc.record({ kind: fc.constant('prompt' as const), at: fc.nat(), prompt: fc.string({ maxLength: 5 }) }),
    );
    fc.assert(
      fc.property(project, fc.array(edit, { maxLength: 6 }), (a, edits) => {
        let b = a;
        for (const e of edits) {
          const shots = b.shots.slice();
          if (e.kind === 'title') b = { ...b, title: e.title };
          else if (e.kind === 'insert' && !shots.some((s) => s.id === e.id)) shots.splice(e.at % (shots.length + 1), 0, { id: e.id, prompt: '', dialogue: [] });
          else if (shots.length === 0) continue;
          else if (e.kind === 'remove') shots.splice(e.at % shots.length, 1);
          else if (e.kind === 'move') shots.splice(e.to % shots.length, 0, shots.splice(e.from % shots.length, 1)[0]);
          else if (e.kind === 'prompt') shots[e.at % shots.length] = { ...shots[e.at % shots.length], prompt: e.prompt };
          b = { ...b, shots };
        }
        expect(patched(a, b)).toEqual(asJson(b));
      }),
      { numRuns: RUNS },
    );
  });

  it('inserts near the top of an array of objects with ids in one operation', () => {
    const shots = Array.from({ length: 2000 }, (_, i) => ({ id: `s${i}`, prompt: `shot ${i}` }));
    const inserted = [shots[0], { id: 'new', prompt: 'fresh' }, ...shots.slice(1)];

    expect(diff({ shots }, { shots: inserted })).toEqual([{ op: 'add', path: '/shots/1', value: { id: 'new', prompt: 'fresh' } }]);
  });

  it('skips a subtree that is the same object on both sides without looking into it', () => {
    const shared = new Proxy(
      { big: true },
      {
        ownKeys() {
          throw new Error('looked into a shared subtree');
        },
      },
    );

    expect(diff({ a: shared, title: 'A' }, { a: shared, title: 'B' })).toEqual([{ op: 'replace', path: '/title', value: 'B' }]);
  });

  it('escapes "/" and "~" in member names, and leaves out members JSON leaves out', () => {
    expect(diff({ 'a/b': 1, '~': 1, gone: 1 }, { 'a/b': 2, '~': 2, gone: undefined, fn: () => 1 })).toEqual([
      { op: 'remove', path: '/gone' },
      { op: 'replace', path: '/a~1b', value: 2 },
      { op: 'replace', path: '/~0', value: 2 },
    ]);
  });
});
