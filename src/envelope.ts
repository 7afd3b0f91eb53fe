import { AutosaveError, messageOf } from './errors';
import type { Migration } from './types';

export const FORMAT = 1;

/** The stored form of a document: `data` is the document itself. */
export interface Envelope {
  format: typeof FORMAT;
  version: number;
  savedAt: number;
  checksum: string;
  data: unknown;
}

// FNV-1a over the UTF-16 code units of the serialized document: cheap enough
// to run on every save (about a nanosecond a character) and it catches the
// truncated or hand-edited copies a checksum is here for. It is no defence
// against tampering, and does not need to be.
export function checksum(json: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < json.length; i++) {
    hash ^= json.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `fnv1a:${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

/**
 * Wraps a document already serialized as `json`. A storage that keeps only
 * strings gets the envelope as JSON, built around `json` so the document is
 * serialized once.
 */
export function wrap(data: unknown, json: string, sum: string, version: number, savedAt: number, asString: boolean): unknown {
  if (asString) {
    return `{"format":${FORMAT},"version":${version},"savedAt":${savedAt},"checksum":"${sum}","data":${json}}`;
  }
  const envelope: Envelope = { format: FORMAT, version, savedAt, checksum: sum, data };
  return envelope;
}

export type Unwrapped =
  | { ok: true; envelope: Envelope }
  | { ok: false; code: 'corrupt' | 'migration'; message: string };

/** Checks a stored value: parsable, an envelope of a known format, checksum intact. */
export function unwrap(stored: unknown, key: string, currentVersion: number): Unwrapped {
  let value = stored;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      return corrupt(`${key}: the stored value is not valid JSON (${messageOf(error)})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return corrupt(`${key}: the stored value is not an autosave envelope`);
  }
  const envelope = value as Partial<Envelope>;
  if (envelope.format !== FORMAT) {
    return corrupt(`${key}: unknown envelope format ${JSON.stringify(envelope.format)} (expected ${FORMAT})`);
  }
  if (
    !Number.isInteger(envelope.version) ||
    typeof envelope.savedAt !== 'number' ||
    typeof envelope.checksum !== 'string' ||
    !('data' in envelope)
  ) {
    return corrupt(`${key}: the envelope is missing version, savedAt, checksum or data`);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(envelope.data);
  } catch (error) {
    return corrupt(`${key}: the stored data cannot be serialized (${messageOf(error)})`);
  }
  if (json === undefined || checksum(json) !== envelope.checksum) {
    return corrupt(`${key}: checksum mismatch; the stored copy was changed or cut short`);
  }
  if (envelope.version! > currentVersion) {
    return {
      ok: false,
      code: 'migration',
      message: `${key}: stored with schema version ${envelope.version}, newer than this app's version ${currentVersion}`,
    };
  }
  return { ok: true, envelope: envelope as Envelope };
}

function corrupt(message: string): Unwrapped {
  return { ok: false, code: 'corrupt', message };
}

/** Runs the migrations from `from` up to `to`, in order. */
export function migrate(
  data: unknown,
  from: number,
  to: number,
  migrations: Record<number, Migration>,
  key: string,
): unknown {
  let value = data;
  for (let version = from + 1; version <= to; version++) {
    const step = migrations[version];
    if (!step) {
      throw new AutosaveError('migration', `${key}: no migration to version ${version} (stored at version ${from})`, {
        key,
      });
    }
    try {
      value = step(value);
    } catch (error) {
      throw new AutosaveError('migration', `${key}: migration to version ${version} threw: ${messageOf(error)}`, {
        key,
        cause: error,
      });
    }
  }
  return value;
}
