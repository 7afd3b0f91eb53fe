import { Buffer } from 'node:buffer';
import { refuse, type Answer } from '../http/answer';
import { readBody } from '../http/body';
import { scanJson } from '../http/jsonText';
import { entityTags } from '../http/preconditions';
import { fingerprint } from '../idempotency';
import { applyPatch, checkPatch } from '../patch/applyPatch';
import type { Produced } from '../types';
import type { DocumentRequest, HandlerState } from './context';
import { answerOf, claimed } from './documents';
import { validate } from './validate';

export const PATCH_TYPE = 'application/json-patch+json';
/** Said on every answer: what a `PATCH` takes (RFC 5789). */
export const ACCEPT_PATCH = { 'accept-patch': PATCH_TYPE };
/** Operations one patch may hold. */
export const MAX_PATCH_OPERATIONS = 10_000;

/**
 * `PATCH {basePath}/{key}`: an RFC 6902 JSON Patch made from the version
 * `If-Match` names. It is applied to that version's text, the result checked
 * (size, depth, the server's schema), then written with the store's one
 * compare-and-set step on that same version: a write in between makes it a
 * `412` with the newer copy, as for a `PUT`, and nothing is stored.
 */
export async function patchDocument(target: DocumentRequest, state: HandlerState): Promise<Answer> {
  const { request, space, key } = target;
  const { options } = state;
  const ifMatch = request.headers.get('if-match');
  const tags = ifMatch === null ? [] : entityTags(ifMatch);
  if (tags.length !== 1 || tags[0] === '*') return refuse(428, 'a PATCH needs If-Match: "<version>", the one version the patch was made from');
  const [version] = tags;
  const type = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase();
  if (type !== PATCH_TYPE) return refuse(415, `a PATCH takes Content-Type: ${PATCH_TYPE}, not ${JSON.stringify(type ?? '')}`, {}, ACCEPT_PATCH);
  return claimed(target, state, async (idempotencyKey) => {
    const body = await readBody(request, { ...options, budget: state.budget });
    try {
      const scan = scanJson(body.text, options.maxJsonDepth);
      if (scan.status === 'too-deep') return refuse(400, `the body is nested deeper than ${options.maxJsonDepth} levels (maxJsonDepth)`);
      let parsed: unknown;
      try {
        if (scan.status === 'not-json') throw new SyntaxError('not JSON');
        parsed = JSON.parse(body.text);
      } catch {
        return refuse(400, 'the body is not JSON; send a JSON Patch (an array of operations)');
      }
      const checked = checkPatch(parsed, MAX_PATCH_OPERATIONS);
      if (checked.status === 'too-many') return refuse(413, checked.error);
      if (checked.status === 'invalid') return refuse(422, `not a JSON Patch: ${checked.error}`, { patch: 'invalid' });
      // Made only against the version named: another (or none) is left to the
      // store's step, which answers it as for a PUT (412 with the newer copy,
      // 404, 410, or the replay of this very request).
      let produced: Produced = { status: 'refused', detail: 'the document moved' };
      const current = await options.store.get(space, key);
      if (current?.text != null && current.version === version) {
        const applied = applyPatch(current.text, checked.operations, options.maxBodyBytes);
        if (applied.status === 'too-large') return refuse(413, applied.error);
        if (applied.status === 'conflict') return refuse(409, `the patch does not apply to version ${version}: ${applied.error}; nothing was stored (send the whole document with PUT)`);
        const text = JSON.stringify(applied.data) ?? 'null';
        if (Buffer.byteLength(text) > options.maxBodyBytes) return refuse(413, `the patched document is larger than ${options.maxBodyBytes} bytes (maxBodyBytes)`);
        if (scanJson(text, options.maxJsonDepth).status === 'too-deep') return refuse(400, `the patched document is nested deeper than ${options.maxJsonDepth} levels (maxJsonDepth)`);
        const invalid = await validate(key, applied.data, options.schemas);
        if (invalid) return invalid;
        produced = { status: 'ok', text };
      }
      const quota = typeof options.quota === 'function' ? await options.quota(space) : options.quota;
      const result = await options.store.write({
        space,
        key,
        precondition: { ifMatch: [version] },
        // The step checks the precondition on `version` itself; what it is handed was made from that version's text.
        change: { kind: 'derive', produce: (document) => (document.version === version ? produced : { status: 'refused', detail: 'the document moved' }) },
        idempotency: idempotencyKey === null ? undefined : { key: idempotencyKey, fingerprint: fingerprint('PATCH', body.text) },
        limits: quota,
      });
      return answerOf('PUT', key, result, idempotencyKey);
    } finally {
      body.release();
    }
  });
}
