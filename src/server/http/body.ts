import { refuse, Refusal } from './answer';
import { bodyEncoding, inflate } from './encoding';

/**
 * The bytes of request bodies being read at once, across all requests, and
 * how many uploads are open. Past either, a request is answered `503` with
 * `Retry-After` at once instead of being held: twenty 10 MB uploads never sit
 * in memory together, and a thousand slow ones never hold a thousand sockets.
 */
export class UploadBudget {
  private bytes = 0;
  private uploads = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxUploads: number,
  ) {}

  open(): boolean {
    if (this.uploads >= this.maxUploads) return false;
    this.uploads++;
    return true;
  }

  close(): void {
    this.uploads--;
  }

  reserve(bytes: number): boolean {
    if (this.bytes + bytes > this.maxBytes) return false;
    this.bytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.bytes -= bytes;
  }
}

export interface BodyLimits {
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  budget: UploadBudget;
}

const busy = (what: 'uploads' | 'bytes') =>
  new Refusal(
    refuse(503, `the server is reading too many ${what} at once; try again shortly`, {}, {
      'retry-after': '1',
      // Too many uploads at once is a flood (slow bodies): their connections are shed at once, not drained.
      ...(what === 'uploads' ? { connection: 'close' } : {}),
    }),
  );

function joined(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const whole = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.byteLength;
  }
  return whole;
}

/** Thrown when the client went away mid-upload: nobody reads the answer, and it is not the server's failure. */
export class ClientGone extends Error {}

/**
 * Reads a request's body as UTF-8 text within `maxBodyBytes` (413, refused
 * from Content-Length before a byte is read; a gzipped body is held to it
 * once inflated), `bodyTimeoutMs` (408) and the
 * shared budget (503). Resolves to the text and a `release` to call once the
 * request is done with it: the bytes count against the budget until then.
 */
export async function readBody(request: Request, { maxBodyBytes, bodyTimeoutMs, budget }: BodyLimits): Promise<{ text: string; release: () => void }> {
  const encoding = bodyEncoding(request);
  const declared = request.headers.get('content-length');
  const length = declared === null ? undefined : Number(declared);
  if (length !== undefined && length > maxBodyBytes) throw new Refusal(refuse(413, `the body is larger than ${maxBodyBytes} bytes (maxBodyBytes)`));
  if (!request.body) return { text: '', release: () => {} };
  if (!budget.open()) throw busy('uploads');
  let reserved = 0;
  const release = () => {
    budget.release(reserved);
    reserved = 0;
  };
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (length !== undefined) {
      if (!budget.reserve(length)) throw busy('bytes');
      reserved = length;
    }
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Refusal(refuse(408, `the body did not arrive within ${bodyTimeoutMs} ms (bodyTimeoutMs)`))), bodyTimeoutMs);
    });
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const next = await Promise.race([
        reader.read().catch((cause) => {
          throw new ClientGone('the client closed the request before its body was read', { cause });
        }),
        timedOut,
      ]);
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxBodyBytes) throw new Refusal(refuse(413, `the body is larger than ${maxBodyBytes} bytes (maxBodyBytes)`));
      if (size > reserved) {
        if (!budget.reserve(size - reserved)) throw busy('bytes');
        reserved = size;
      }
      chunks.push(next.value);
    }
    let bytes = joined(chunks, size);
    if (encoding === 'gzip') {
      // The limit is on what the body inflates to, counted in the budget too.
      bytes = await inflate(bytes, maxBodyBytes);
      if (bytes.byteLength > reserved) {
        if (!budget.reserve(bytes.byteLength - reserved)) throw busy('bytes');
        reserved = bytes.byteLength;
      }
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Refusal(refuse(400, 'the body is not UTF-8 text'));
    }
    return { text, release };
  } catch (error) {
    release();
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    budget.close();
  }
}
