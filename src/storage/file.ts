import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AutosaveStorage } from '../types';

const SUFFIX = '.json';

// encodeURIComponent leaves letters, digits and - _ . ! ~ * ' ( ) alone, so
// '/', '\\', ':' and control characters can never leave `dir` or break a
// name; '*' is escaped too for Windows, and a leading '.' so no key becomes
// a hidden file or '..'.
function fileName(key: string): string {
  return encodeURIComponent(key).replace(/\*/g, '%2A').replace(/^\./, '%2E') + SUFFIX;
}

function keyOf(name: string): string | undefined {
  if (!name.endsWith(SUFFIX)) return undefined;
  try {
    return decodeURIComponent(name.slice(0, -SUFFIX.length));
  } catch {
    return undefined;
  }
}

/**
 * A storage for Node: one JSON file per key in `dir`, each written to a
 * temporary file, flushed to disk and renamed over the old one, so a crash
 * leaves either the old copy or the new, never half of one.
 *
 * ```ts
 * import { fileStorage } from 'redux-autosave/node';
 * createAutosave({ storage: fileStorage('./.autosave'), documents: { … } })
 * ```
 */
export function fileStorage(dir: string): AutosaveStorage {
  if (typeof dir !== 'string' || dir === '') {
    throw new TypeError(`redux-autosave: fileStorage(dir) needs a directory path, received ${typeof dir}`);
  }
  let ready: Promise<unknown> | undefined;
  const ensureDir = () => (ready ??= mkdir(dir, { recursive: true }));

  return {
    stringsOnly: true,
    async getItem(key) {
      try {
        return await readFile(join(dir, fileName(key)), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async setItem(key, value) {
      await ensureDir();
      const target = join(dir, fileName(key));
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.datasync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return value;
    },
    async removeItem(key) {
      await rm(join(dir, fileName(key)), { force: true });
    },
    async keys() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      return names.map(keyOf).filter((key): key is string => key !== undefined);
    },
  };
}
