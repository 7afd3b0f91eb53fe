// How httpRemote sends a push: a JSON Patch from the version it is based on
// when the server takes patches and the patch is smaller, gzipped when the
// body is large and the server takes gzip, otherwise the whole document, as
// every server of the protocol takes.
import { RemoteError } from '../../errors';
import type { PushMeta, PushResult } from '../../types/remote';
import { isObject } from '../../util/check';
import type { Answer, Call, HeaderMap } from './request';
import { clientOf } from './client';

type PatchModule = typeof import('../patch/index');
type Request = (call: Call) => Promise<Answer>;

export interface Capabilities {
  patch: boolean;
  gzip: boolean;
}

export interface SendOptions {
  patch: boolean;
  gzip: boolean;
  patchFromBytes: number;
}

/** What one httpRemote knows about sending: asked once, learned from answers, per remote. */
export interface Delta {
  readonly options: SendOptions;
  /** `_capabilities`, asked the first time it matters; asked again after a failed ask. */
  capabilities: Promise<Capabilities> | undefined;
  known: Capabilities | undefined;
  /** An answer said this server takes no patches (405, 415, 422), or no gzip (415 without gzip in Accept-Encoding). */
  noPatch: boolean;
  noGzip: boolean;
  /** The copy last pushed of each key and the version it became: the next patch is made from it, reference by reference. */
  readonly lastSent: Map<string, { version: string; data: unknown }>;
  patchModule: PatchModule | undefined;
}

/** Bodies over this many bytes are gzipped (for a server that takes gzip). */
export const GZIP_FROM = 8 * 1024;
const PATCH_TYPE = 'application/json-patch+json';
const NONE: Capabilities = { patch: false, gzip: false };

export function createDelta(options: SendOptions): Delta {
  return { options, capabilities: undefined, known: undefined, noPatch: false, noGzip: false, lastSent: new Map(), patchModule: undefined };
}

function capabilitiesOf(d: Delta, request: Request): Promise<Capabilities> {
  return (d.capabilities ??= request({ method: 'GET', key: '_capabilities', answers: [404, 405] }).then(
    (answer) => {
      const body = answer.json;
      // A server of the first protocol has no such route: it takes whole documents.
      d.known = answer.status === 200 && isObject(body) ? { patch: body.patch === true, gzip: body.gzip === true } : NONE;
      return d.known;
    },
    () => {
      // Unreachable, or refused: whole documents this time, and the question is asked again next time.
      d.capabilities = undefined;
      return NONE;
    },
  ));
}

async function patchModule(d: Delta): Promise<PatchModule | undefined> {
  try {
    return (d.patchModule ??= await import('../patch/index'));
  } catch {
    // The chunk did not load (offline, a new deploy): whole documents do.
    return undefined;
  }
}

/** The copy a patch for `meta` is made from: the one last sent when it became that version (it shares the state's references), else the base. */
function patchFrom(d: Delta, key: string, meta: PushMeta): unknown {
  const sent = d.lastSent.get(key);
  return sent && sent.version === meta.base!.version ? sent.data : meta.base!.data;
}

function mayPatch(d: Delta, meta: PushMeta, documentLength: number): boolean {
  return d.options.patch && !d.noPatch && meta.base !== undefined && meta.base.version === meta.baseVersion && !meta.overrode?.length && documentLength >= d.options.patchFromBytes;
}

/** UTF-8 bytes of a string, without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdbff) ? 2 : code < 0x800 ? 1 : 0;
  }
  return bytes;
}

export type Precondition = (baseVersion: string | null) => HeaderMap;
export type Outcome = (call: Call, answer: Answer) => PushResult;

/**
 * Sends one push. A keepalive push (the page is closing) is made without
 * waiting for anything — no `_capabilities` request, no chunk to load, no
 * compression — and stays within `meta.keepaliveBudget`, shared by all the
 * page's last pushes: a patch when one is at hand and smaller, else the
 * document, else nothing (the outbox sends it on the next visit).
 */
export async function send(d: Delta, request: Request, precondition: Precondition, outcome: Outcome, key: string, data: unknown, meta: PushMeta): Promise<PushResult> {
  const document = JSON.stringify(meta.overrode?.length ? { data, overrode: meta.overrode } : { data });
  const headers = { 'idempotency-key': meta.idempotencyKey, ...clientOf(meta.idempotencyKey), ...precondition(meta.baseVersion) };
  const put: Call = { method: 'PUT', key, headers: { 'content-type': 'application/json', ...headers }, body: document, keepalive: meta.keepalive, answers: [412] };
  const patchCall = (text: string): Call => ({
    method: 'PATCH',
    key,
    // Its own idempotency key: a patch whose reply was lost, sent again as a
    // PUT, must not be taken for another body under the same key.
    headers: { 'content-type': PATCH_TYPE, ...headers, 'idempotency-key': `${meta.idempotencyKey}:p` },
    body: text,
    keepalive: meta.keepalive,
    answers: [404, 405, 409, 410, 412, 415, 422],
  });
  const sent = (result: PushResult) => {
    if (result.ok) d.lastSent.set(key, { version: result.version, data });
    return result;
  };

  if (meta.keepalive) {
    let call = put;
    if (mayPatch(d, meta, document.length) && d.known?.patch && d.patchModule) {
      const text = d.patchModule.patchText(patchFrom(d, key, meta), data);
      if (text !== undefined && text.length < document.length) call = patchCall(text);
    }
    const budget = meta.keepaliveBudget;
    const bytes = utf8Length(call.body as string);
    if (budget && bytes > budget.bytes) {
      throw new RemoteError(`redux-autosave: ${key} was not sent as the page closed: ${bytes} bytes do not fit in what is left of the browser's 64 KB for keepalive requests; it is pushed on the next visit`, { key });
    }
    if (budget) budget.bytes -= bytes;
    const answer = await request(call);
    if (call.method === 'PATCH' && answer.status !== 200 && answer.status !== 412) throw new RemoteError(`redux-autosave: ${answer.where} answered ${answer.status}; pushed whole on the next visit`, { key });
    return sent(outcome(call, answer));
  }

  const patching = mayPatch(d, meta, document.length);
  const zipping = d.options.gzip && !d.noGzip && document.length > GZIP_FROM;
  const capabilities = patching || zipping ? await capabilitiesOf(d, request) : NONE;
  if (patching && capabilities.patch) {
    const module = await patchModule(d);
    const text = module?.patchText(patchFrom(d, key, meta), data);
    if (text !== undefined && text.length < document.length) {
      const answer = await compressed(d, request, patchCall(text), capabilities);
      if (answer.status === 200 || answer.status === 412) return sent(outcome(patchCall(text), answer));
      learn(d, answer);
      // 409 (does not apply), 404/410 (gone), or a server that takes no patches: the whole document answers as the protocol says.
    }
  }
  return sent(outcome(put, await compressed(d, request, put, capabilities)));
}

/**
 * The call sent gzipped when it is large and the server takes gzip; sent
 * again as it is when the server answers 415 and its `Accept-Encoding` does
 * not name gzip (RFC 7694), which is remembered.
 */
async function compressed(d: Delta, request: Request, call: Call, capabilities: Capabilities): Promise<Answer> {
  const text = call.body as string;
  if (!capabilities.gzip || d.noGzip || !d.options.gzip || text.length <= GZIP_FROM) return request(call);
  const module = await patchModule(d);
  const zipped = module && (await module.gzip(text));
  if (!zipped) return request(call);
  const answer = await request({ ...call, body: zipped, headers: { ...call.headers, 'content-encoding': 'gzip' }, answers: [...(call.answers ?? []), 415] });
  if (answer.status !== 415) return answer;
  if (!/\bgzip\b/i.test(answer.headers.get('accept-encoding') ?? '')) d.noGzip = true;
  // gzip is taken: the 415 is about the patch itself.
  else if (call.method === 'PATCH') return answer;
  return request(call);
}

/** What a refused patch says of the server: 405, 415 or 422 (not about the document's content) mean no patches here. */
function learn(d: Delta, answer: Answer): void {
  if (answer.status === 405 || answer.status === 415) d.noPatch = true;
  if (answer.status === 422 && !(isObject(answer.json) && 'issues' in answer.json)) d.noPatch = true;
}
