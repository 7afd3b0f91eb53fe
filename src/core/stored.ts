import { unwrap, type Envelope } from '../envelope';
import type { DocumentState } from './document';

/** A stored value as an envelope of this app's schema version, or `undefined` (none, unreadable, another version). */
export function envelopeOf(doc: DocumentState, stored: unknown): Envelope | undefined {
  if (stored === null || stored === undefined) return undefined;
  const unwrapped = unwrap(stored, doc.key, doc.collection.version);
  return unwrapped.ok && unwrapped.envelope.version === doc.collection.version ? unwrapped.envelope : undefined;
}
