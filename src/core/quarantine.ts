import { checksum } from '../envelope';
import { AutosaveError, storageError, toSaveError } from '../errors';
import { quarantinePrefix } from '../keys';
import { withRetry } from '../retry';
import type { LoadResult } from '../types/instance';
import { failDocument, type DocumentState } from './document';
import type { Runtime } from './runtime';

/**
 * Keeps a stored copy that cannot be loaded (corrupt, invalid, unmigratable)
 * aside before anything can write over it, and makes the load's answer.
 * When it cannot be kept aside yet, the next save tries again first.
 */
export async function quarantine(
  rt: Runtime,
  doc: DocumentState,
  stored: unknown,
  status: 'invalid' | 'corrupt',
  error: AutosaveError,
): Promise<LoadResult<never>> {
  let quarantineKey: string | null = null;
  try {
    quarantineKey = await withRetry(() => copyAside(rt, doc.key, stored), rt.config.retry, rt.sleep);
    doc.storedUnverified = false;
  } catch (asideError) {
    doc.storedUnverified = true;
    rt.report(storageError(quarantinePrefix(doc.key), 'write', asideError));
  }
  const where = quarantineKey
    ? `; the stored copy was kept aside at ${quarantineKey}`
    : '; the stored copy could not be kept aside yet and will be before anything is written over it';
  const kept = new AutosaveError(error.code, error.message + where, { key: doc.key, issues: error.issues, cause: error });
  failDocument(rt, doc, kept);
  return { status, error: toSaveError(kept), quarantineKey };
}

/** Copies what is stored at `key` to a quarantine key, once per distinct value; resolves that key. */
export async function copyAside(rt: Runtime, key: string, stored: unknown): Promise<string> {
  const { storage } = rt.config;
  let text: string;
  try {
    text = typeof stored === 'string' ? stored : JSON.stringify(stored) ?? String(stored);
  } catch {
    text = String(Date.now());
  }
  // Named by the value's checksum: keeping the same copy twice writes
  // nothing new. A different copy whose checksum collides takes the next
  // free suffix, so it never lands on an earlier one.
  const sum = checksum(text);
  const name = quarantinePrefix(key) + sum.slice(sum.indexOf(':') + 1);
  for (let n = 0; ; n++) {
    const aside = n === 0 ? name : `${name}-${n}`;
    const existing = await storage.getItem(aside);
    if (existing == null) {
      await storage.setItem(aside, stored);
      return aside;
    }
    if (sameText(existing, text)) return aside;
  }
}

function sameText(stored: unknown, text: string): boolean {
  try {
    return (typeof stored === 'string' ? stored : JSON.stringify(stored)) === text;
  } catch {
    return false;
  }
}
