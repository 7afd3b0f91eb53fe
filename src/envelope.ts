import { messageOf } from './errors';

/** The newest envelope format this release writes and reads. */
export const FORMAT = 2;

/**
 * A stored copy, unwrapped: `data` is the document in its stored (wire) form.
 * Format 2 keeps the document as its JSON text (`json`), exactly as it was
 * serialized for the save; format 1 (earlier releases) as a plain value.
 */
export interface Envelope {
  format: 1 | 2;
  version: number;
  savedAt: number;
  checksum: string;
  data: unknown;
}

// MurmurHash3 (x86, 32 bits) over the UTF-16 code units of the JSON text,
// two units to a 32-bit block: no encoding step, so a save hashes the text it
// already has and a load hashes the text it is about to parse. It catches the
// truncated or hand-edited copies a checksum is here for; it is no defence
// against tampering, and does not need to be.
function murmur3Utf16(text: string): number {
  // Two code units per 32-bit block, two blocks per turn, the mixing written
  // out: a page's first load runs this over the whole document before the
  // engine has compiled it, and there every call and turn of the loop costs.
  const end = text.length & ~1;
  const pairs = text.length & ~3;
  let hash = 0;
  let k = 0;
  let i = 0;
  for (; i < pairs; i += 4) {
    k = Math.imul(text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16), 0xcc9e2d51);
    hash ^= Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    hash = (Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64) | 0;
    k = Math.imul(text.charCodeAt(i + 2) | (text.charCodeAt(i + 3) << 16), 0xcc9e2d51);
    hash ^= Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    hash = (Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64) | 0;
  }
  if (i < end) {
    hash = mixBlock(hash, text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16));
    hash = (Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64) | 0;
  }
  if (end < text.length) hash = mixBlock(hash, text.charCodeAt(end));
  return finish(hash, text.length * 2);
}

function mixBlock(hash: number, block: number): number {
  let k = Math.imul(block, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  return hash ^ k;
}

function finish(hash: number, length: number): number {
  let h = hash ^ length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

/** The checksum of a JSON text, as format 2 writes it. */
export function checksum(json: string): string {
  return `u3:${hex(murmur3Utf16(json))}`;
}

// Earlier releases wrote format 1 with MurmurHash3 over UTF-8 bytes (`m3:`),
// the first ones with FNV-1a (`fnv1a:`). Kept to verify what they wrote, and
// to write format 1 while `storageFormat: 1` asks for it.
let encoder: TextEncoder | undefined;

function murmur3Utf8(text: string): number {
  const bytes = (encoder ??= new TextEncoder()).encode(text);
  const end = bytes.length & ~3;
  let hash = 0;
  for (let i = 0; i < end; i += 4) {
    hash = mixBlock(hash, bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    hash = (Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let i = bytes.length - 1; i >= end; i--) tail = (tail << 8) | bytes[i];
  if (bytes.length > end) hash = mixBlock(hash, tail);
  return finish(hash, bytes.length);
}

/** The checksum of a JSON text as format 1 writes it. */
export function checksumFormat1(json: string): string {
  return `m3:${hex(murmur3Utf8(json))}`;
}

function fnv1a(json: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < json.length; i++) hash = Math.imul(hash ^ json.charCodeAt(i), 0x01000193);
  return `fnv1a:${hex(hash >>> 0)}`;
}

/** `json`'s checksum by the algorithm `sum` names: checksums of different algorithms are never compared. */
function sameChecksum(sum: string, json: string): boolean {
  const algorithm = sum.slice(0, sum.indexOf(':') + 1);
  const computed = algorithm === 'u3:' ? checksum(json) : algorithm === 'm3:' ? checksumFormat1(json) : algorithm === 'fnv1a:' ? fnv1a(json) : '';
  // An unknown algorithm, or no checksum at all, verifies nothing.
  return computed !== '' && computed === sum;
}

/**
 * The stored form of a document already serialized as `json` (whose
 * checksum, by its format's algorithm, is `sum`). Format 2: the text itself
 * in `json`; for a storage that keeps only strings, a header line (the
 * envelope without `json`) and then the raw text, never JSON-encoded twice.
 * Format 1: `data` the value itself, or the whole envelope as JSON.
 */
export function wrap(format: 1 | 2, wire: unknown, json: string, sum: string, version: number, savedAt: number, asString: boolean): unknown {
  if (format === 1) {
    return asString ? `{"format":1,"version":${version},"savedAt":${savedAt},"checksum":"${sum}","data":${json}}` : { format: 1, version, savedAt, checksum: sum, data: wire };
  }
  const header = `{"format":2,"version":${version},"savedAt":${savedAt},"checksum":"${sum}"}`;
  return asString ? `${header}\n${json}` : { format: 2, version, savedAt, checksum: sum, json };
}

// What `wrap` writes before the document in a format-1 string: read to get
// the checksum without parsing a large document, and to check the
// document's own text without serializing it again.
const FORMAT1_HEADER = /^\{"format":1,"version":\d+,"savedAt":\d+,"checksum":"([^"]{1,40})","data":/;
const FORMAT2_HEADER = /^\{"format":2,"version":\d+,"savedAt":\d+,"checksum":"([^"]{1,40})"\}\n/;

/** The checksum a stored value carries, read cheaply (no parse of the document); `undefined` if it carries none. */
export function storedChecksum(stored: unknown): string | undefined {
  if (typeof stored === 'string') {
    const head = stored.slice(0, 160);
    return (FORMAT2_HEADER.exec(head) ?? FORMAT1_HEADER.exec(head))?.[1];
  }
  const sum = (stored as { checksum?: unknown } | null)?.checksum;
  return typeof sum === 'string' ? sum : undefined;
}

export type Unwrapped =
  | { ok: true; envelope: Envelope }
  | { ok: false; code: 'corrupt' | 'migration'; message: string }
  /** Written by a newer release, in a format this one does not know: neither to be kept aside nor written over. */
  | { ok: false; code: 'newer'; message: string };

/** Checks a stored value: parsable, an envelope of a known format, checksum intact. */
export function unwrap(stored: unknown, key: string, currentVersion: number): Unwrapped {
  let value = stored;
  // The document's text as written, when the stored value carries it.
  let text: string | undefined;
  if (typeof stored === 'string') {
    const head = stored.slice(0, 160);
    const format2 = FORMAT2_HEADER.exec(head);
    if (format2) {
      const newline = stored.indexOf('\n');
      text = stored.slice(newline + 1);
      value = parse(stored.slice(0, newline));
    } else {
      const format1 = FORMAT1_HEADER.exec(head);
      if (format1 && stored.endsWith('}')) text = stored.slice(format1[0].length, -1);
      value = parse(stored);
    }
    if (value === undefined) return corrupt(`${key}: the stored value is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return corrupt(`${key}: the stored value is not an autosave envelope`);
  const envelope = value as Partial<Envelope> & { json?: unknown };
  if (typeof envelope.format === 'number' && envelope.format > FORMAT) {
    return {
      ok: false,
      code: 'newer',
      message: `${key} was stored by a newer release of redux-autosave (envelope format ${envelope.format}); reload the page to update`,
    };
  }
  if (envelope.format !== 1 && envelope.format !== 2) return corrupt(`${key}: unknown envelope format ${JSON.stringify(envelope.format)}`);
  if (!Number.isInteger(envelope.version) || typeof envelope.savedAt !== 'number' || typeof envelope.checksum !== 'string') {
    return corrupt(`${key}: the envelope is missing version, savedAt or checksum`);
  }
  let data: unknown;
  if (envelope.format === 2) {
    const json = text ?? envelope.json;
    if (typeof json !== 'string') return corrupt(`${key}: the envelope has no json`);
    if (!sameChecksum(envelope.checksum, json)) return corrupt(`${key}: checksum mismatch; the stored copy was changed or cut short`);
    data = parse(json);
    if (data === undefined) return corrupt(`${key}: the stored document is not valid JSON`);
  } else {
    if (!('data' in envelope)) return corrupt(`${key}: the envelope is missing its data`);
    data = envelope.data;
    // A format-1 string's own text is checked first: it is what was hashed.
    if (text === undefined || !sameChecksum(envelope.checksum, text)) {
      let json: string | undefined;
      try {
        json = JSON.stringify(data);
      } catch (error) {
        return corrupt(`${key}: the stored data cannot be serialized (${messageOf(error)})`);
      }
      if (json === undefined || !sameChecksum(envelope.checksum, json)) return corrupt(`${key}: checksum mismatch; the stored copy was changed or cut short`);
    }
  }
  if (envelope.version! > currentVersion) {
    return { ok: false, code: 'migration', message: `${key}: stored with schema version ${envelope.version}, newer than this app's version ${currentVersion}` };
  }
  return { ok: true, envelope: { format: envelope.format, version: envelope.version!, savedAt: envelope.savedAt, checksum: envelope.checksum, data } };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function corrupt(message: string): Unwrapped {
  return { ok: false, code: 'corrupt', message };
}
