/**
 * What a route answers, turned into a `Response` in one place (CORS, caching
 * and content type added there). `json` is text already: a document's data
 * goes out as the bytes it was stored as.
 */
export interface Answer {
  status: number;
  json: string;
  headers?: Record<string, string>;
  /** A body streamed instead of `json` (the live changes' event stream). */
  body?: ReadableStream<Uint8Array>;
}

export function answer(status: number, body: Record<string, unknown>, headers?: Record<string, string>): Answer {
  return { status, json: JSON.stringify(body), headers };
}

/** An expected refusal: `{ error }` plus any fields a client may act on. */
export function refuse(status: number, error: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Answer {
  return answer(status, { error, ...extra }, headers);
}

/** A failure thrown by a step that already knows its answer (a body too large, a client gone). */
export class Refusal extends Error {
  constructor(readonly answer: Answer) {
    super(answer.json);
  }
}
