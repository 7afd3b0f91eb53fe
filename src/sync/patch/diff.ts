// The difference between two JSON documents as an RFC 6902 JSON Patch. Made
// for Redux state: a subtree that is the same object on both sides is
// skipped without being looked into, so the work follows the size of the
// change, not of the document.

export type PatchOperation =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move'; from: string; path: string };

type Record_ = Record<string, unknown>;
type Id = string | number;

const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** A member JSON keeps: `undefined` and functions are left out of JSON text, so they count as absent. */
const present = (value: unknown) => value !== undefined && typeof value !== 'function';

function isPlainObject(value: unknown): value is Record_ {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // Any realm's Object.prototype (a structured clone may come from another one), or none.
  const proto = Object.getPrototypeOf(value);
  return (proto === null || Object.getPrototypeOf(proto) === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** Values compared as the JSON text they become (numbers, strings, a Date, NaN as null…). */
function sameText(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The operations that turn `from` into `to`. Objects member by member,
 * arrays whose elements are all objects with a distinct `id` by id (an
 * insert near the top is one `add`, a reorder `move`s), other arrays by the
 * common start and end and the elements between.
 *
 * ```ts
 * diff({ title: 'A', shots: [{ id: 1 }] }, { title: 'B', shots: [{ id: 0 }, { id: 1 }] })
 * // [{ op: 'replace', path: '/title', value: 'B' }, { op: 'add', path: '/shots/0', value: { id: 0 } }]
 * ```
 */
export function diff(from: unknown, to: unknown): PatchOperation[] {
  const operations: PatchOperation[] = [];
  diffValue(from, to, '', operations);
  return operations;
}

function diffValue(a: unknown, b: unknown, path: string, out: PatchOperation[]): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) return diffArray(a, b, path, out);
  if (isPlainObject(a) && isPlainObject(b)) return diffObject(a, b, path, out);
  if (!Array.isArray(a) && !Array.isArray(b) && !isPlainObject(a) && !isPlainObject(b) && sameText(a, b)) return;
  out.push({ op: 'replace', path, value: b });
}

function diffObject(a: Record_, b: Record_, path: string, out: PatchOperation[]): void {
  for (const key of Object.keys(a)) {
    if (present(a[key]) && !(Object.hasOwn(b, key) && present(b[key]))) out.push({ op: 'remove', path: `${path}/${escape(key)}` });
  }
  for (const key of Object.keys(b)) {
    const value = b[key];
    if (!present(value)) continue;
    if (Object.hasOwn(a, key) && present(a[key])) diffValue(a[key], value, `${path}/${escape(key)}`, out);
    else out.push({ op: 'add', path: `${path}/${escape(key)}`, value });
  }
}

/** JSON writes `undefined` (and functions) in an array as `null`. */
const element = (value: unknown) => (present(value) ? value : null);

/** The ids of an array of objects that each have a distinct `id`; `undefined` for any other array. */
function idsOf(list: unknown[]): Id[] | undefined {
  const ids: Id[] = [];
  const seen = new Set<Id>();
  for (const item of list) {
    const id = isPlainObject(item) ? item.id : undefined;
    if ((typeof id !== 'string' && typeof id !== 'number') || seen.has(id)) return undefined;
    seen.add(id);
    ids.push(id);
  }
  return ids;
}

function diffArray(a: unknown[], b: unknown[], path: string, out: PatchOperation[]): void {
  const idsA = a.length > 0 && b.length > 0 ? idsOf(a) : undefined;
  const idsB = idsA && idsOf(b);
  if (idsA && idsB) return diffById(a, idsA, b, idsB, path, out);
  const same = (x: unknown, y: unknown) => x === y || (!isContainer(x) && !isContainer(y) && sameText(element(x), element(y)));
  let start = 0;
  while (start < a.length && start < b.length && same(a[start], b[start])) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && same(a[endA - 1], b[endB - 1])) {
    endA--;
    endB--;
  }
  const common = Math.min(endA - start, endB - start);
  for (let i = start; i < start + common; i++) diffValue(element(a[i]), element(b[i]), `${path}/${i}`, out);
  for (let i = start + common; i < endB; i++) out.push({ op: 'add', path: `${path}/${i}`, value: element(b[i]) });
  for (let i = start + common; i < endA; i++) out.push({ op: 'remove', path: `${path}/${start + common}` });
}

const isContainer = (value: unknown) => typeof value === 'object' && value !== null;

/**
 * By id: the elements gone are removed (from the end, so the indexes of
 * those before stay put), then the list is walked in its new order: an
 * element in place is compared with itself, one further down is moved up,
 * a new one is added.
 */
function diffById(a: unknown[], idsA: Id[], b: unknown[], idsB: Id[], path: string, out: PatchOperation[]): void {
  const wanted = new Set(idsB);
  const items = a.slice();
  const ids = idsA.slice();
  for (let i = ids.length - 1; i >= 0; i--) {
    if (wanted.has(ids[i])) continue;
    out.push({ op: 'remove', path: `${path}/${i}` });
    items.splice(i, 1);
    ids.splice(i, 1);
  }
  for (let i = 0; i < b.length; i++) {
    if (ids[i] !== idsB[i]) {
      const at = ids.indexOf(idsB[i], i + 1);
      if (at === -1) {
        out.push({ op: 'add', path: `${path}/${i}`, value: b[i] });
        items.splice(i, 0, b[i]);
        ids.splice(i, 0, idsB[i]);
        continue;
      }
      out.push({ op: 'move', from: `${path}/${at}`, path: `${path}/${i}` });
      items.splice(i, 0, items.splice(at, 1)[0]);
      ids.splice(i, 0, ids.splice(at, 1)[0]);
    }
    diffValue(items[i], b[i], `${path}/${i}`, out);
  }
}
