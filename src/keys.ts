/** Library bookkeeping lives under this prefix, so `list()` never shows it. */
export const INTERNAL_PREFIX = '__autosave/';

export const DEFAULT_ID = 'default';

/** `{collection}:{id}`, the key a document is stored at. */
export function storageKey(collection: string, id: string | number | undefined): string {
  return `${collection}:${id ?? DEFAULT_ID}`;
}

export function quarantinePrefix(key: string): string {
  return `${INTERNAL_PREFIX}quarantine/${key}/`;
}
