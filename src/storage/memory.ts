import type { AutosaveStorage } from '../types';

let instances = 0;
// Tells this page's memory storages from another page's: tabs announce saves
// to others of the same storage name, and two pages never share a memory.
const page = Math.random().toString(36).slice(2, 10);

/**
 * A storage in memory, for tests and server-side rendering. Values are
 * copied in and out with `structuredClone`, as IndexedDB would, so nothing
 * stored can be changed by a later mutation.
 *
 * ```ts
 * createAutosave({ storage: memoryStorage(), documents: { … } })
 * ```
 */
export function memoryStorage(initial?: Iterable<readonly [string, unknown]>): AutosaveStorage {
  const items = new Map<string, unknown>();
  // Stores over this one instance are the "tabs" that share it.
  const name = `memory:${page}:${++instances}`;
  if (initial) for (const [key, value] of initial) items.set(key, structuredClone(value));
  return {
    name,
    async getItem(key) {
      return items.has(key) ? structuredClone(items.get(key)) : null;
    },
    async setItem(key, value) {
      items.set(key, structuredClone(value));
      return value;
    },
    async removeItem(key) {
      items.delete(key);
    },
    async keys() {
      return [...items.keys()];
    },
  };
}
