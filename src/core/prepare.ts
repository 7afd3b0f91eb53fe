import { checksum, checksumFormat1 } from '../envelope';
import { AutosaveError, messageOf } from '../errors';
import { where } from '../util/path';
import type { CollectionConfig } from '../options';
import type { DocumentState } from './document';
import { toWire } from './schema';

let roundTripModule: Promise<typeof import('./roundTripChunk')> | undefined;

/**
 * Reads what JSON can carry off the collection's schema, once, before its
 * first save: production builds load that code then, not at start. A chunk
 * that fails to load (offline, or removed by a deploy) is tried again by the
 * next save; until then nothing is written.
 */
export async function readSchema(collection: CollectionConfig): Promise<void> {
  if (collection.roundTrip) return;
  try {
    const { analyzeSchema } = await (roundTripModule ??= import('./roundTripChunk'));
    collection.roundTrip ??= analyzeSchema(collection.schema);
  } catch (error) {
    roundTripModule = undefined;
    throw new AutosaveError(
      'storage',
      `redux-autosave: could not load the part of redux-autosave that checks ${collection.name} documents (${messageOf(error)}), so nothing was written; the next save tries again`,
      { cause: error },
    );
  }
}

/** The checksum of `json` by the algorithm of the envelope format it is written in. */
export function checksumFor(format: 1 | 2, json: string): string {
  return format === 2 ? checksum(json) : checksumFormat1(json);
}

/** A document ready to be written: its stored (wire) form and the JSON text of it. */
export interface Prepared {
  wire: unknown;
  json: string;
}

/**
 * Checks and serializes a document for writing; the error when it must not
 * be written: the schema refuses it, JSON cannot carry it, or it is over
 * `maxDocumentBytes`.
 */
export function prepare(doc: DocumentState, document: unknown, maxDocumentBytes: number): Prepared | AutosaveError {
  const { key, collection } = doc;
  const checked = toWire(collection, document, `redux-autosave: ${key} is not valid, so it was not saved`, key);
  if (!checked.ok) return checked.error;
  const wire = checked.data;
  let json: string;
  try {
    json = JSON.stringify(wire);
  } catch (error) {
    return new AutosaveError('validation', `redux-autosave: ${key} cannot be serialized, so it was not saved: ${messageOf(error)}`, {
      key,
      cause: error,
      retryable: false,
    });
  }
  // Only the parts the schema leaves open can hold what JSON would change;
  // the check runs after stringify, which has proved the value acyclic.
  const problem = collection.roundTrip?.check?.(wire);
  if (problem) {
    return new AutosaveError(
      'validation',
      `redux-autosave: ${key} holds ${problem.what} at ${where(problem.path)}, which JSON cannot carry, so it was not saved (it would not load back as it is); store plain JSON values, or give that part a codec in the schema`,
      { key, retryable: false, issues: [{ code: 'not_json', path: problem.path, message: `${problem.what}, which JSON cannot carry` }] },
    );
  }
  const bytes = sizeOverLimit(json, maxDocumentBytes);
  if (bytes !== undefined) {
    return new AutosaveError('validation', `redux-autosave: ${key} is ${bytes} bytes serialized, over maxDocumentBytes (${maxDocumentBytes}); not saved`, {
      key,
      retryable: false,
    });
  }
  return { wire, json };
}

/**
 * The UTF-8 size of `json` when it is over `limit`, `undefined` when not. A
 * string of n UTF-16 units takes at most 3n bytes, so a document far below
 * the limit is never encoded to find out.
 */
function sizeOverLimit(json: string, limit: number): number | undefined {
  if (json.length * 3 <= limit) return undefined;
  const bytes = new TextEncoder().encode(json).length;
  return bytes > limit ? bytes : undefined;
}
