import { open, readFile } from 'node:fs/promises';
import type { JsonPath, StoredDocument } from '../../types';
import type { DocumentMeta } from '../spaceIndex';

/**
 * One file per document: a header line (JSON, so it holds no raw newline)
 * and after it the document's text exactly as it was sent — never parsed
 * and serialized again, so a GET answers the bytes that were PUT. A
 * tombstone is a header alone. Idempotency records live elsewhere: a 1 KB
 * document stays a 1 KB file however often it is written.
 */
interface Header {
  key: string;
  version: string;
  cursor: number;
  deleted: boolean;
  updatedAt: number;
  overrode: JsonPath[] | null;
  client?: string;
}

export function documentParts(key: string, meta: Omit<DocumentMeta, 'bytes'>, text: string | null): string[] {
  const header: Header = { key, version: meta.version, cursor: meta.cursor, deleted: meta.deleted, updatedAt: meta.updatedAt, overrode: meta.overrode, ...(meta.client ? { client: meta.client } : {}) };
  return text === null ? [`${JSON.stringify(header)}\n`] : [`${JSON.stringify(header)}\n`, text];
}

function parseHeader(line: string, file: string): Header {
  const header = JSON.parse(line) as Header;
  if (typeof header?.key !== 'string' || typeof header.version !== 'string' || typeof header.cursor !== 'number') {
    throw new Error(`redux-autosave: fileStore cannot read ${file}: its first line is not a document header`);
  }
  return header;
}

/** The whole document, or `null` when the file is not there. */
export async function readDocument(file: string): Promise<StoredDocument | null> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const end = content.indexOf('\n');
  const header = parseHeader(end === -1 ? content : content.slice(0, end), file);
  return {
    key: header.key,
    version: header.version,
    text: header.deleted ? null : content.slice(end + 1),
    overrode: header.overrode ?? null,
    cursor: header.cursor,
    updatedAt: header.updatedAt,
  };
}

/** The header and the text's size, reading no more of the file than the header line. */
export async function readMeta(file: string): Promise<{ key: string; meta: DocumentMeta } | null> {
  const handle = await open(file, 'r').catch((error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  });
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    const chunks: Buffer[] = [];
    let read = 0;
    let newline = -1;
    while (newline === -1 && read < size) {
      const chunk = Buffer.alloc(Math.min(16 * 1024, size - read));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, read);
      if (bytesRead === 0) break;
      newline = chunk.subarray(0, bytesRead).indexOf(10);
      chunks.push(chunk.subarray(0, newline === -1 ? bytesRead : newline));
      read += bytesRead;
    }
    const line = Buffer.concat(chunks);
    const header = parseHeader(line.toString('utf8'), file);
    const bytes = header.deleted ? 0 : size - line.length - 1;
    return {
      key: header.key,
      meta: { version: header.version, cursor: header.cursor, deleted: header.deleted, updatedAt: header.updatedAt, overrode: header.overrode ?? null, bytes, ...(typeof header.client === 'string' ? { client: header.client } : {}) },
    };
  } finally {
    await handle.close();
  }
}
