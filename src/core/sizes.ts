// The size manifest: how many UTF-8 bytes each key this instance writes
// takes, kept as it writes (and loads), so usage() reads no document to
// answer. It is written to storage, one key per collection, when the page is
// hidden (never on the path of a save, so a save still writes one key); a
// new page reads it once, on first use.
import { INTERNAL_PREFIX } from '../keys';
import type { AutosaveStorage } from '../types/options';

const MANIFEST = `${INTERNAL_PREFIX}manifest/`;
const BASE = `${INTERNAL_PREFIX}base/`;

// Runs of characters past ASCII. The regular expression engine skips the
// ASCII in native code, which matters most on a page's first load, where a
// loop over every character of a large document still runs uncompiled.
const NON_ASCII = /[^\x00-\x7f]+/g;

/** The UTF-8 length of a string, counted without encoding it: its length, plus what each character past ASCII adds. */
export function utf8Length(text: string): number {
  let bytes = text.length;
  NON_ASCII.lastIndex = 0;
  for (let run = NON_ASCII.exec(text); run !== null; run = NON_ASCII.exec(text)) {
    const units = run[0];
    for (let i = 0; i < units.length; i++) {
      const unit = units.charCodeAt(i);
      if (unit < 0x800) bytes += 1;
      else if (unit >= 0xd800 && unit <= 0xdbff) {
        bytes += 2; // a surrogate pair: 4 bytes for 2 units
        i++;
      } else bytes += 2;
    }
  }
  return bytes;
}

export interface Sizes {
  readonly bytes: Map<string, number>;
  /** Collections whose sizes changed since their manifest was written. */
  readonly changed: Set<string>;
  /** Reads the manifests stored by earlier pages, once (on first use: nothing is read at start). */
  loaded(): Promise<void>;
  /** Writes the manifests now (best effort). */
  persist(): Promise<void>;
}

/** The size of a value as written: a string's UTF-8 length, a format-2 envelope's text, or its JSON. */
function sizeOf(key: string, value: unknown, bytes: Map<string, number>): number {
  if (typeof value === 'string') return utf8Length(value);
  const json = (value as { json?: unknown } | null)?.json;
  if (typeof json === 'string') return utf8Length(json) + 80;
  // A base holds the copy last pushed: about the document's own size, not
  // serialized again to find out.
  if (key.startsWith(BASE)) return bytes.get(key.slice(BASE.length)) ?? 0;
  try {
    return utf8Length(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
}

/** The collection a stored key belongs to (`project` of `project:p1` and of `__autosave/history/project:p1/…`). */
export function collectionOfKey(key: string): string {
  const documentKey = key.startsWith(INTERNAL_PREFIX) ? key.slice(key.indexOf('/', INTERNAL_PREFIX.length) + 1) : key;
  return documentKey.slice(0, documentKey.indexOf(':'));
}

/**
 * Wraps `storage` so that every write and removal keeps the sizes in step.
 * `collections` names the manifests (one per collection, so `purge()` takes
 * a collection's with it).
 */
export function withSizes(storage: AutosaveStorage, collections: readonly string[]): { storage: AutosaveStorage; sizes: Sizes } {
  const bytes = new Map<string, number>();
  const manifest = (collection: string) => `${MANIFEST}${collection}:`;
  const sized: AutosaveStorage = Object.assign(Object.create(storage) as AutosaveStorage, {
    getItem: (key: string) => storage.getItem(key),
    keys: () => storage.keys(),
    async setItem(key: string, value: unknown) {
      const result = await storage.setItem(key, value);
      if (!key.startsWith(MANIFEST)) {
        bytes.set(key, sizeOf(key, value, bytes));
        sizes.changed.add(collectionOfKey(key));
      }
      return result;
    },
    async removeItem(key: string) {
      const result = await storage.removeItem(key);
      if (bytes.delete(key)) sizes.changed.add(collectionOfKey(key));
      return result;
    },
  });
  let loading: Promise<void> | undefined;
  const sizes: Sizes = {
    bytes,
    changed: new Set(),
    loaded: () =>
      (loading ??= Promise.all(
        collections.map(async (collection) => {
          const stored = (await storage.getItem(manifest(collection)).catch(() => null)) as Record<string, number> | null;
          // What this page wrote or loaded already is newer than an earlier page's note of it.
          for (const [key, size] of Object.entries(stored ?? {})) if (!bytes.has(key) && typeof size === 'number') bytes.set(key, size);
        }),
      ).then(() => {})),
    async persist() {
      await sizes.loaded();
      const changed = collections.filter((collection) => sizes.changed.has(collection));
      sizes.changed.clear();
      await Promise.all(
        changed.map((collection) => {
          const own = Object.fromEntries([...bytes].filter(([key]) => collectionOfKey(key) === collection));
          return storage.setItem(manifest(collection), own).catch(() => {});
        }),
      );
    },
  };
  return { storage: sized, sizes };
}

/** Notes the size of a copy read from storage: a page that only loads a document knows its size too. */
export function noteLoaded(sizes: Sizes, key: string, stored: unknown): void {
  sizes.bytes.set(key, sizeOf(key, stored, sizes.bytes));
}
