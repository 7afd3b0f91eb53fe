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

const encoder = new TextEncoder();

// MurmurHash3 (x86, 32 bits) over the UTF-8 bytes of the serialized
// document, four bytes a step: it runs on every save and load, and hashing
// native bytes is several times faster than a loop over UTF-16 code units.
// It catches the truncated or hand-edited copies a checksum is here for; it
// is no defence against tampering, and does not need to be.
// Four bytes a read where the platform is little-endian (every one a browser
// or Node runs on today); byte by byte elsewhere, for the same hash.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function murmur3(bytes: Uint8Array): number {
  const end = bytes.length & ~3;
  const words = LITTLE_ENDIAN && bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, end >>> 2) : undefined;
  let hash = 0;
  for (let i = 0; i < end; i += 4) {
    let k = words ? words[i >>> 2] : bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    hash ^= k;
    hash = (Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let i = bytes.length - 1; i >= end; i--) tail = (tail << 8) | bytes[i];
  if (bytes.length > end) {
    tail = Math.imul(tail, 0xcc9e2d51);
    hash ^= Math.imul((tail << 15) | (tail >>> 17), 0x1b873593);
  }
  hash ^= bytes.length;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

export function checksum(json: string): string {
  return `m3:${murmur3(encoder.encode(json)).toString(16).padStart(8, '0')}`;
}

// The first envelopes were written with FNV-1a; they still load.
function fnv1a(json: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < json.length; i++) hash = Math.imul(hash ^ json.charCodeAt(i), 0x01000193);
  return `fnv1a:${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

function checksumLike(sum: string, json: string): string {
  return sum.startsWith('fnv1a:') ? fnv1a(json) : checksum(json);
}

// What `wrap` writes before the document in a string envelope: read to get
// the checksum without parsing a large document, and to check the
// document's own text without serializing it again.
const HEADER = /^\{"format":1,"version":\d+,"savedAt":\d+,"checksum":"([^"]{1,40})","data":/;

/** The checksum a stored value carries, read cheaply; `undefined` if it carries none. */
export function storedChecksum(stored: unknown): string | undefined {
  if (typeof stored === 'string') return HEADER.exec(stored.slice(0, 160))?.[1];
  const sum = (stored as { checksum?: unknown } | null)?.checksum;
  return typeof sum === 'string' ? sum : undefined;
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
  // The document's text as written, when the string is an envelope as `wrap` makes them.
  let text: string | undefined;
  if (typeof value === 'string') {
    const header = HEADER.exec(value.slice(0, 160));
    if (header && value.endsWith('}')) text = value.slice(header[0].length, -1);
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
  let json = text;
  if (json === undefined || checksumLike(envelope.checksum, json) !== envelope.checksum) {
    try {
      json = JSON.stringify(envelope.data);
    } catch (error) {
      return corrupt(`${key}: the stored data cannot be serialized (${messageOf(error)})`);
    }
  }
  if (json === undefined || checksumLike(envelope.checksum, json) !== envelope.checksum) {
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
