import { isObject } from '../../util/check';

/** `Retry-After` in milliseconds: it is either whole seconds or an HTTP date. */
export function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isNaN(ms) ? undefined : Math.max(0, ms);
}

/**
 * The server's own words, as `: words` to end a message: `{ error }` or
 * `{ message }` when it sent JSON, otherwise the text, kept to a status line.
 */
export function said(text: string | undefined): string {
  let message = text ?? '';
  try {
    const body: unknown = JSON.parse(message);
    const words = isObject(body) && (body.error ?? body.message);
    if (typeof words === 'string') message = words;
  } catch {
    // not JSON: the text itself
  }
  message = message.replace(/\s+/g, ' ').trim();
  return message && `: ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`;
}

/**
 * The body as text, counting bytes as they arrive and cancelling the stream
 * past `limit`, so a huge body is never held whole (Content-Length, when
 * sent, refuses it before that); `undefined` when it was over.
 */
export async function readText(response: Response, limit: number): Promise<string | undefined> {
  if (Number(response.headers.get('content-length')) > limit) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
}
