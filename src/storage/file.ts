import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { removeLeftovers, withFileLock } from './fileLock';
import type { AutosaveStorage } from '../types';

const SUFFIX = '.json';
/** Files named by a hash hold their key on the first line. */
const LONG_SUFFIX = '.long.json';
// Most file systems allow 255 bytes a name; room is left for the temp suffix.
const MAX_NAME = 200;

// encodeURIComponent leaves letters, digits and - _ . ! ~ * ' ( ) alone, so
// '/', '\\', ':' and control characters can never leave `dir` or break a
// name; '*' is escaped too for Windows, and a leading '.' so no key becomes
// a hidden file or '..'.
function encode(key: string): string {
  return encodeURIComponent(key).replace(/\*/g, '%2A').replace(/^\./, '%2E');
}

function fileName(key: string): string {
  const encoded = encode(key);
  if (encoded.length + SUFFIX.length <= MAX_NAME) return encoded + SUFFIX;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return `${encoded.slice(0, 100).replace(/%[0-9A-F]?$/, '')}~${hash}${LONG_SUFFIX}`;
}

function decode(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
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
  const path = (key: string) => join(dir, fileName(key));
  // Once per storage: what a killed process left behind goes before the first write.
  let cleaned: Promise<void> | undefined;
  const ready = async () => {
    // Every write makes sure of the directory: it may have been removed
    // since the last one, and a cached failure would never heal.
    await mkdir(dir, { recursive: true });
    await (cleaned ??= removeLeftovers(dir));
  };

  return {
    name: `file:${resolve(dir)}`,
    stringsOnly: true,
    async lock(key, task) {
      await ready();
      return withFileLock(`${path(key)}.lock`, task);
    },
    async getItem(key) {
      try {
        const text = await readFile(path(key), 'utf8');
        return path(key).endsWith(LONG_SUFFIX) ? text.slice(text.indexOf('\n') + 1) : text;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async setItem(key, value) {
      await ready();
      const target = path(key);
      // The pid in the name tells a later start whose temp file this is.
      const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      const body = typeof value === 'string' ? value : JSON.stringify(value);
      const text = target.endsWith(LONG_SUFFIX) ? `${encode(key)}\n${body}` : body;
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
      await rm(path(key), { force: true });
    },
    async keys() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const keys = await Promise.all(
        names.map(async (name) => {
          if (name.endsWith(LONG_SUFFIX)) {
            const text = await readFile(join(dir, name), 'utf8').catch(() => '');
            return decode(text.slice(0, text.indexOf('\n')));
          }
          return name.endsWith(SUFFIX) ? decode(name.slice(0, -SUFFIX.length)) : undefined;
        }),
      );
      return keys.filter((key): key is string => key !== undefined);
    },
  };
}
