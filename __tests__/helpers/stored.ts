// What a storage holds for one document, decoded whatever the envelope's
// format: format 2 keeps the document as its JSON text (`json`, or after a
// header line in a storage that keeps only strings), format 1 as a plain
// value (`data`, or the whole envelope as one JSON string). Tests read stored
// copies through here rather than reaching into `.data`, so they assert the
// same thing whichever format the library writes by default.

/** A stored envelope, decoded: `data` is the document itself, parsed if it was stored as text. */
export interface DecodedEnvelope<T = unknown> {
  format: 1 | 2;
  version: number;
  savedAt: number;
  checksum: string;
  /** The document. */
  data: T;
  /** Format 2: the document's JSON text exactly as stored (what its checksum covers). Format 1: undefined. */
  json?: string;
  /** Whether the storage holds the envelope as one string (a header line and the text, for format 2). */
  asString: boolean;
}

/**
 * Decodes a stored envelope of either format. Throws (failing the test) for
 * anything that is not one: a missing value, another shape, a format-2
 * envelope without its text.
 */
export function decodeStored<T = unknown>(stored: unknown): DecodedEnvelope<T> {
  if (stored == null) throw new Error(`decodeStored: nothing is stored (${String(stored)})`);
  const asString = typeof stored === 'string';
  let envelope: Record<string, unknown>;
  if (typeof stored === 'string') {
    // Format 2 as a string: a JSON header line, a newline, then the document's raw text.
    // Format 1 as a string: the whole envelope as JSON (which may itself contain newlines if reformatted).
    const newline = stored.indexOf('\n');
    const header = newline === -1 ? undefined : tryParse(stored.slice(0, newline));
    if (header && typeof header === 'object' && (header as { format?: unknown }).format === 2) {
      envelope = { ...(header as Record<string, unknown>), json: stored.slice(newline + 1) };
    } else {
      envelope = JSON.parse(stored) as Record<string, unknown>;
    }
  } else if (typeof stored === 'object' && !Array.isArray(stored)) {
    envelope = stored as Record<string, unknown>;
  } else {
    throw new Error(`decodeStored: not an envelope: ${JSON.stringify(stored)}`);
  }
  const { format, version, savedAt, checksum } = envelope;
  if (format !== 1 && format !== 2) throw new Error(`decodeStored: unknown envelope format ${JSON.stringify(format)}`);
  const base = { format: format as 1 | 2, version: version as number, savedAt: savedAt as number, checksum: checksum as string, asString };
  if (format === 2) {
    const { json } = envelope;
    if (typeof json !== 'string') throw new Error('decodeStored: a format-2 envelope without its json text');
    return { ...base, data: JSON.parse(json) as T, json };
  }
  if (!('data' in envelope)) throw new Error('decodeStored: a format-1 envelope without its data');
  if ('json' in envelope) throw new Error('decodeStored: a format-1 envelope that also carries json');
  return { ...base, data: envelope.data as T };
}

/** The document part of a stored envelope, however the storage keeps it; `null`/`undefined` passed through (nothing stored). */
export function storedData<T = unknown>(stored: unknown): T {
  if (stored == null) return stored as T;
  return decodeStored<T>(stored).data;
}

/** The envelope stored at `key`, decoded (throws if nothing is stored there). */
export async function readStored<T = unknown>(
  storage: { getItem(key: string): Promise<unknown> },
  key: string,
): Promise<DecodedEnvelope<T>> {
  return decodeStored<T>(await storage.getItem(key));
}

/** The document stored at `key` (throws if nothing is stored there). */
export async function readStoredData<T = unknown>(storage: { getItem(key: string): Promise<unknown> }, key: string): Promise<T> {
  return (await readStored<T>(storage, key)).data;
}

/**
 * `stored` with its document replaced by `edit(document)` and nothing else
 * changed: same format, same shape (object or string), the checksum left as
 * it was — a copy changed in storage behind its checksum.
 */
export function withStoredData<T = unknown>(stored: unknown, edit: (document: T) => unknown): unknown {
  const decoded = decodeStored<T>(stored);
  const data = edit(decoded.data);
  const { format, version, savedAt, checksum } = decoded;
  if (format === 2) {
    const json = JSON.stringify(data);
    if (!decoded.asString) return { ...(stored as object), json };
    return `${JSON.stringify({ format, version, savedAt, checksum })}\n${json}`;
  }
  return decoded.asString ? JSON.stringify({ ...(JSON.parse(stored as string) as object), data }) : { ...(stored as object), data };
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
