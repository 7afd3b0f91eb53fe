import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { refuse, Refusal, type Answer } from './answer';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/** What the server takes as `Content-Encoding`, said on every answer (RFC 7694). */
export const ACCEPTED_ENCODINGS = { 'accept-encoding': 'gzip' };

/** Answers smaller than this go out as they are: gzip's header costs more than it saves. */
const COMPRESS_FROM = 1024;

/** Whether a request body is gzipped; a `415` naming what is taken for an encoding the server cannot read. */
export function bodyEncoding(request: Request): 'gzip' | 'identity' {
  const header = request.headers.get('content-encoding');
  const codings = (header ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length === 1 && (codings[0] === 'gzip' || codings[0] === 'x-gzip')) return 'gzip';
  throw new Refusal(refuse(415, `the body's Content-Encoding ${JSON.stringify(header)} is not taken; send gzip or none`, {}, ACCEPTED_ENCODINGS));
}

/**
 * Inflates a gzipped body, stopping as soon as it passes `maxBytes` (a
 * small body that inflates to gigabytes is refused after `maxBytes`, never
 * inflated whole).
 */
export async function inflate(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Refusal(refuse(413, `the body inflates past ${maxBytes} bytes (maxBodyBytes)`));
    }
    throw new Refusal(refuse(400, 'the body is not valid gzip (Content-Encoding: gzip)'));
  }
}

/** Whether the client takes a gzipped answer: `gzip` listed in `Accept-Encoding` without `q=0`. */
function acceptsGzip(request: Request): boolean {
  const header = request.headers.get('accept-encoding');
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** The answer's body, gzipped when the client asked and it is large enough to gain. */
export async function encodeAnswer(request: Request, answer: Answer): Promise<{ body: string | ArrayBuffer; headers: Record<string, string> }> {
  if (answer.json.length < COMPRESS_FROM || !acceptsGzip(request)) return { body: answer.json, headers: {} };
  const zipped = await gzipAsync(answer.json);
  return { body: zipped.buffer.slice(zipped.byteOffset, zipped.byteOffset + zipped.byteLength) as ArrayBuffer, headers: { 'content-encoding': 'gzip' } };
}
