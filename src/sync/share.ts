import { isPlainObject } from '@reduxjs/toolkit';

/**
 * `next`, with every part equal to the same part of `previous` replaced by
 * `previous`'s own object: a copy parsed afresh (the schema's output, a
 * remote's JSON) keeps the references of what did not change, so selectors
 * and `React.memo` see only what did (`result.shots[i] === previous.shots[i]`
 * for each shot no one edited). Plain objects and arrays are compared; Dates
 * by time; anything else is kept as `next` has it unless it is the very same.
 *
 * ```ts
 * const shown = shareUnchanged(state.project, decoded);
 * ```
 */
export function shareUnchanged<T>(previous: unknown, next: T): T {
  return share(previous, next) as T;
}

function share(previous: unknown, next: unknown): unknown {
  if (Object.is(previous, next)) return previous;
  if (Array.isArray(previous) && Array.isArray(next)) {
    let same = previous.length === next.length;
    const items = next.map((item, i) => {
      const shared = i < previous.length ? share(previous[i], item) : item;
      if (shared !== previous[i]) same = false;
      return shared;
    });
    return same ? previous : items;
  }
  if (isPlainObject(previous) && isPlainObject(next)) {
    const before = previous as Record<string, unknown>;
    const after = next as Record<string, unknown>;
    const keys = Object.keys(after);
    let same = keys.length === Object.keys(before).length;
    const result: Record<string, unknown> = {};
    for (const key of keys) {
      const shared = Object.hasOwn(before, key) ? share(before[key], after[key]) : after[key];
      if (!Object.hasOwn(before, key) || shared !== before[key]) same = false;
      // defineProperty: a `__proto__` key of the data stays data.
      Object.defineProperty(result, key, { value: shared, enumerable: true, writable: true, configurable: true });
    }
    return same ? previous : result;
  }
  if (previous instanceof Date && next instanceof Date && previous.getTime() === next.getTime()) return previous;
  return next;
}
