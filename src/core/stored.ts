import { unwrap, type Envelope } from '../envelope';
import { AutosaveError } from '../errors';
import type { StoredCopy } from '../types/sync';
import type { DocumentState } from './document';
import type { Runtime } from './runtime';

/** A stored value as an envelope of this app's schema version, or `undefined` (none, unreadable, another version). */
export function envelopeOf(doc: DocumentState, stored: unknown): Envelope | undefined {
  if (stored === null || stored === undefined) return undefined;
  const unwrapped = unwrap(stored, doc.key, doc.collection.version);
  return unwrapped.ok && unwrapped.envelope.version === doc.collection.version ? unwrapped.envelope : undefined;
}

/**
 * The stored copy of a document, checked: `undefined` when there is none;
 * throws when it cannot be read soundly or is of another schema version
 * (a load migrates it first).
 */
export async function readStored(rt: Runtime, doc: DocumentState): Promise<StoredCopy | undefined> {
  const stored = await rt.config.storage.getItem(doc.key);
  if (stored == null) return undefined;
  const unwrapped = unwrap(stored, doc.key, doc.collection.version);
  if (!unwrapped.ok) throw new AutosaveError(unwrapped.code === 'newer' ? 'migration' : unwrapped.code, `redux-autosave: ${unwrapped.message}`, { key: doc.key });
  if (unwrapped.envelope.version !== doc.collection.version) {
    throw new AutosaveError('migration', `redux-autosave: ${doc.key} is stored at another version; load it first`, { key: doc.key });
  }
  return { data: unwrapped.envelope.data, checksum: unwrapped.envelope.checksum };
}
