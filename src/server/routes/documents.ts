import { refuse, type Answer } from '../http/answer';
import { readBody } from '../http/body';
import { preconditionOf } from '../http/preconditions';
import { parsePutBody } from '../http/putBody';
import { fingerprint, MAX_IDEMPOTENCY_KEY } from '../idempotency';
import type { Change, JsonPath, StoredDocument, WriteResult } from '../types';
import type { DocumentRequest, HandlerState } from './context';
import { validate } from './validate';

const etag = (version: string) => ({ etag: `"${version}"` });

/** `{ version, data, overrode? }` with the data as its stored text: never parsed on the way out. */
export function documentAnswer(status: number, document: StoredDocument & { text: string }): Answer {
  const overrode = document.overrode && document.overrode.length > 0 ? `,"overrode":${JSON.stringify(document.overrode)}` : '';
  return { status, json: `{"version":${JSON.stringify(document.version)},"data":${document.text}${overrode}}`, headers: etag(document.version) };
}

function gone(key: string, document: StoredDocument): Answer {
  return refuse(404, `${JSON.stringify(key)} was deleted`, { deleted: true, version: document.version });
}

export async function getDocument({ space, key }: DocumentRequest, { options }: HandlerState): Promise<Answer> {
  const document = await options.store.get(space, key);
  if (!document) return refuse(404, `there is no document at ${JSON.stringify(key)}`);
  if (document.text === null) return gone(key, document);
  return documentAnswer(200, { ...document, text: document.text });
}

/** What the store's answer means on the wire. */
export function answerOf(method: 'PUT' | 'DELETE', key: string, result: WriteResult, idempotencyKey: string | null): Answer {
  switch (result.status) {
    case 'written':
      return { status: 200, json: JSON.stringify(result.deleted ? { version: result.version, deleted: true } : { version: result.version }), headers: etag(result.version) };
    case 'replayed':
      return { status: 200, json: JSON.stringify(result.answer), headers: { ...etag(result.answer.version), 'idempotent-replayed': 'true' } };
    case 'key-reused':
      return refuse(422, `Idempotency-Key ${JSON.stringify(idempotencyKey)} was already used for a request with another body; make a new key for a new request`);
    case 'over-quota':
      return refuse(413, `this user's space is full: at most ${result.limit === 'bytes' ? 'its bytes' : 'its documents'} (quota.max${result.limit === 'bytes' ? 'Bytes' : 'Documents'})`, { usage: result.usage });
    case 'refused':
      return refuse(409, 'the change does not apply to the current copy', { detail: result.detail });
    case 'precondition-failed': {
      const { current } = result;
      if (current === null) return refuse(404, `there is no document at ${JSON.stringify(key)} to match If-Match`);
      // A tombstone: an edit based on the copy before the delete must not bring the document back by itself.
      // `If-Match` with the tombstone's version (or `If-None-Match: *`) revives it on purpose.
      if (current.text === null) return method === 'PUT' ? refuse(410, `${JSON.stringify(key)} was deleted`, { deleted: true, version: current.version }) : gone(key, current);
      return documentAnswer(412, { ...current, text: current.text });
    }
  }
}

/** `X-Autosave-Client`: the writer's id, echoed in change events so it can skip its own; a bad one is ignored, not refused. */
function clientOf(request: Request): { client?: string } {
  const client = request.headers.get('x-autosave-client');
  return client && client.length <= 128 && /^[\x21-\x7e]+$/.test(client) ? { client } : {};
}

function idempotencyKeyOf(request: Request): string | null | Answer {
  const key = request.headers.get('idempotency-key');
  if (key !== null && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY)) return refuse(400, `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`);
  return key;
}

/** Runs a write with its Idempotency-Key claimed in this process: the same key again meanwhile is `409`. */
export async function claimed(target: DocumentRequest, state: HandlerState, run: (idempotencyKey: string | null) => Promise<Answer>): Promise<Answer> {
  const idempotencyKey = idempotencyKeyOf(target.request);
  if (typeof idempotencyKey === 'object' && idempotencyKey !== null) return idempotencyKey;
  if (idempotencyKey === null) return run(null);
  const release = state.inFlight.claim(target.space, target.key, idempotencyKey);
  if (!release) return refuse(409, `a request with Idempotency-Key ${JSON.stringify(idempotencyKey)} is still being handled; wait for its answer`);
  try {
    return await run(idempotencyKey);
  } finally {
    release();
  }
}

export async function putDocument(target: DocumentRequest, state: HandlerState): Promise<Answer> {
  const { request, space, key } = target;
  const { options } = state;
  const precondition = preconditionOf(request.headers);
  if (!precondition) return refuse(428, 'a PUT needs If-Match: "<version>", or If-None-Match: * to create the document');
  return claimed(target, state, async (idempotencyKey) => {
    const body = await readBody(request, { ...options, budget: state.budget });
    try {
      const parsed = parsePutBody(body.text, options.maxJsonDepth);
      if ('status' in parsed) return parsed;
      const invalid = await validate(key, parsed.data, options.schemas);
      if (invalid) return invalid;
      const quota = typeof options.quota === 'function' ? await options.quota(space) : options.quota;
      const change: Change = { kind: 'put', text: parsed.text, overrode: parsed.overrode as JsonPath[] | null };
      const result = await options.store.write({
        space,
        key,
        precondition,
        change,
        idempotency: idempotencyKey === null ? undefined : { key: idempotencyKey, fingerprint: fingerprint('PUT', body.text) },
        limits: quota,
        ...clientOf(request),
      });
      return answerOf('PUT', key, result, idempotencyKey);
    } finally {
      body.release();
    }
  });
}

export async function deleteDocument(target: DocumentRequest, state: HandlerState): Promise<Answer> {
  const precondition = preconditionOf(target.request.headers);
  if (!precondition || !('ifMatch' in precondition)) return refuse(428, 'a DELETE needs If-Match: "<version>" (or If-Match: * for whatever is there)');
  return claimed(target, state, async (idempotencyKey) => {
    const result = await state.options.store.write({
      space: target.space,
      key: target.key,
      precondition,
      change: { kind: 'delete' },
      idempotency: idempotencyKey === null ? undefined : { key: idempotencyKey, fingerprint: fingerprint('DELETE', '') },
      ...clientOf(target.request),
    });
    return answerOf('DELETE', target.key, result, idempotencyKey);
  });
}

