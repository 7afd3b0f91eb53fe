// Loaded with import() by httpRemote the first time it makes a patch or
// compresses a body: apps without a remote, and pushes that need neither,
// never download it.
import { diff } from './diff';

export { diff, type PatchOperation } from './diff';

const REFUSED = /^(__proto__|constructor|prototype)$/;

/**
 * The JSON Patch from `from` to `to` as the text to send; `undefined` when
 * it would pass through a member the server refuses to walk (`__proto__`,
 * `constructor`, `prototype` as data): such a document goes whole.
 */
export function patchText(from: unknown, to: unknown): string | undefined {
  const operations = diff(from, to);
  for (const operation of operations) {
    const pointers = 'from' in operation ? [operation.path, operation.from] : [operation.path];
    if (pointers.some((pointer) => pointer.split('/').some((token) => REFUSED.test(token)))) return undefined;
  }
  return JSON.stringify(operations);
}

/**
 * `text` gzipped with the platform's `CompressionStream` (browsers, and
 * Node ≥ 18 where it is zlib underneath), buffered whole: a streaming upload
 * needs `duplex: 'half'` and HTTP/2, which is not portable. `undefined`
 * where there is no `CompressionStream`: the body goes as it is.
 */
export async function gzip(text: string): Promise<Uint8Array | undefined> {
  if (typeof CompressionStream !== 'function' || typeof Blob !== 'function' || typeof Response !== 'function') return undefined;
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
