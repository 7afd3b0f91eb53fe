import { isPlainObject } from '@reduxjs/toolkit';

export interface MergeResult<T = unknown> {
  merged: T;
  /** Paths where local and remote both changed the same field differently; local's value was kept. */
  conflicts: (string | number)[][];
}

type Key = string | number;
type Path = Key[];
type Dict = Record<string, unknown>;

/** Stands for a key or an item that a side does not have (deleted, or never there). */
const ABSENT: unique symbol = Symbol('absent');

/**
 * Three-way merge of two copies of a document that both started from `base`,
 * the last copy they agreed on. Where only one side changed something, that
 * change is taken; where both changed it alike, there is nothing to decide;
 * where both changed it differently, local wins and the path is reported.
 *
 * - Plain objects merge key by key, all the way down.
 * - Arrays whose items are all objects with a unique `id` (string or number)
 *   merge item by item: both sides' insertions, deletions and edits are kept.
 *   Order: that of the side that reordered items of `base`, or local's when both
 *   or neither did; the other side's insertions go after their predecessor in
 *   that side's order, after the first side's own insertions at the same spot.
 *   Both sides moving items differently is a conflict at the array's path.
 * - Any other array is one value: a tuple like `[x, y]` has no merge that would
 *   not invent a point nobody drew. Give list items ids to merge them.
 * - An edit against a deletion keeps the edit (nothing typed is lost), and is a
 *   conflict.
 * - No `base` (never synced): as if it were empty, so every difference is a
 *   conflict that local wins.
 * - `__proto__`, `constructor` and `prototype` are data like any other key: they
 *   are kept as own properties (as `JSON.parse` makes them) and never touch a
 *   prototype.
 *
 * Paths point into `merged`: an array step is an index in the merged array.
 * Inputs are never changed; unchanged subtrees are shared with them.
 *
 * ```ts
 * threeWayMerge({ a: 1, b: 1 }, { a: 2, b: 1 }, { a: 1, b: 3 });
 * // { merged: { a: 2, b: 3 }, conflicts: [] }
 * ```
 */
export function threeWayMerge<T>(base: T | undefined | null, local: T, remote: T): MergeResult<T> {
  const conflicts: Path[] = [];
  const merged = mergeValue(base ?? ABSENT, local, remote, [], conflicts) as T;
  return { merged, conflicts };
}

function mergeValue(base: unknown, local: unknown, remote: unknown, path: Path, conflicts: Path[]): unknown {
  if (deepEqual(local, remote)) return local;
  if (deepEqual(base, local)) return remote;
  if (deepEqual(base, remote)) return local;
  if (isDict(local) && isDict(remote)) {
    return mergeObjects(isDict(base) ? base : {}, local, remote, path, conflicts);
  }
  const localItems = itemsById(local);
  const remoteItems = itemsById(remote);
  if (localItems && remoteItems) {
    return mergeItems(itemsById(base) ?? new Map(), localItems, remoteItems, path, conflicts);
  }
  conflicts.push(path);
  return local === ABSENT ? remote : local;
}

function mergeObjects(base: Dict, local: Dict, remote: Dict, path: Path, conflicts: Path[]): Dict {
  const merged: Dict = {};
  const keys = new Set([...Object.keys(local), ...Object.keys(remote)]);
  for (const key of keys) {
    const value = mergeValue(own(base, key), own(local, key), own(remote, key), [...path, key], conflicts);
    // defineProperty, not `merged[key] =`: assigning `__proto__` would set the prototype.
    if (value !== ABSENT) Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}

function mergeItems(
  base: Map<Key, Dict>,
  local: Map<Key, Dict>,
  remote: Map<Key, Dict>,
  path: Path,
  conflicts: Path[],
): Dict[] {
  const slots = (id: Key) => [slot(base, id), slot(local, id), slot(remote, id)] as const;
  const kept = (id: Key) => {
    const [b, l, r] = slots(id);
    return !(l === ABSENT && deepEqual(r, b)) && !(r === ABSENT && deepEqual(l, b));
  };
  const [baseIds, localIds, remoteIds] = [[...base.keys()], [...local.keys()], [...remote.keys()]];
  if (reordered(baseIds, localIds) && reordered(baseIds, remoteIds) && reordered(localIds, remoteIds)) {
    conflicts.push(path); // both moved items, each their own way: local's order wins
  }
  // Order first, merge second: conflict paths are indices into the merged array.
  const order = mergedOrder(baseIds, localIds, remoteIds, kept);
  return order.map((id, index) => mergeValue(...slots(id), [...path, index], conflicts) as Dict);
}

function mergedOrder(base: Key[], local: Key[], remote: Key[], kept: (id: Key) => boolean): Key[] {
  const [first, second] = reordered(base, remote) && !reordered(base, local) ? [remote, local] : [local, remote];
  const inSecond = new Set(second);
  const order = first.filter(kept);
  let at = -1; // where the last item of `second` seen so far sits in `order`
  for (const id of second) {
    const index = order.indexOf(id);
    if (index !== -1) at = index;
    else if (kept(id)) {
      while (at + 1 < order.length && !inSecond.has(order[at + 1])) at++;
      order.splice(++at, 0, id);
    }
  }
  return order;
}

/**
 * What `copy`, made from two sources, is an edit of: where it agrees with
 * `remote` or with `stored`, that source's value; elsewhere (an edit of its
 * own) `stored`'s. A tab's copy that took a remote copy in and holds edits
 * not stored yet merges with another tab's copy on this base: what it took
 * from either source is then no edit of its own, and cannot beat that tab's.
 */
export function mergeBase(copy: unknown, stored: unknown, remote: unknown): unknown {
  const value = baseValue(copy, stored ?? ABSENT, remote);
  return value === ABSENT ? null : value;
}

function baseValue(copy: unknown, stored: unknown, remote: unknown): unknown {
  if (deepEqual(copy, remote)) return remote;
  if (deepEqual(copy, stored)) return stored;
  if (isDict(copy) && (isDict(stored) || isDict(remote))) {
    const [s, r] = [isDict(stored) ? stored : {}, isDict(remote) ? remote : {}];
    const base: Dict = {};
    for (const key of new Set([...Object.keys(copy), ...Object.keys(s), ...Object.keys(r)])) {
      const value = baseValue(own(copy, key), own(s, key), own(r, key));
      if (value !== ABSENT) Object.defineProperty(base, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return base;
  }
  const items = itemsById(copy);
  const [s, r] = [itemsById(stored), itemsById(remote)];
  if (items && (s || r)) {
    const [fromStored, fromRemote] = [s ?? new Map<Key, Dict>(), r ?? new Map<Key, Dict>()];
    const ids = new Set([...items.keys(), ...fromStored.keys(), ...fromRemote.keys()]);
    return [...ids].map((id) => baseValue(slot(items, id), slot(fromStored, id), slot(fromRemote, id))).filter((item) => item !== ABSENT);
  }
  return stored;
}

/** Whether `side` changed the relative order of the items it shares with `base`. */
function reordered(base: Key[], side: Key[]): boolean {
  const inBase = new Set(base);
  const inSide = new Set(side);
  const before = base.filter((id) => inSide.has(id));
  const after = side.filter((id) => inBase.has(id));
  return before.some((id, i) => id !== after[i]);
}

/** The items of an array of objects with unique ids, by id; undefined for any other value. */
function itemsById(value: unknown): Map<Key, Dict> | undefined {
  if (!Array.isArray(value)) return undefined;
  const items = new Map<Key, Dict>();
  for (const item of value) {
    const id = isDict(item) ? own(item, 'id') : ABSENT;
    if ((typeof id !== 'string' && typeof id !== 'number') || items.has(id)) return undefined;
    items.set(id, item as Dict);
  }
  return items;
}

/** Deep equality of plain data: primitives by `Object.is`, arrays and plain objects by content. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isDict(a) || !isDict(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
}

function isDict(value: unknown): value is Dict {
  return isPlainObject(value);
}

/** Own properties only: `obj.__proto__` or `obj.constructor` would otherwise read the prototype's. */
function own(obj: Dict, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : ABSENT;
}

function slot<V>(map: Map<Key, V>, id: Key): V | typeof ABSENT {
  return map.has(id) ? (map.get(id) as V) : ABSENT;
}

export { shareUnchanged } from './share';
