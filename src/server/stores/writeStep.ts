import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { IdempotentAnswer, JsonPath, SpaceUsage, StoredDocument, WriteRequest, WriteResult } from '../types';

/** What a store knows of a key's current copy without reading its text. */
export interface CurrentMeta {
  version: string;
  deleted: boolean;
  bytes: number;
}

export interface IdempotencyRecord {
  fingerprint: string;
  answer: IdempotentAnswer;
  at: number;
}

/** What the step needs from the store, read under the store's lock for the space. */
export interface StepContext {
  current: CurrentMeta | null;
  usage: SpaceUsage;
  recorded: IdempotencyRecord | undefined;
  /** The whole current copy: for `derive`, and for the answer of a failed precondition. */
  readCurrent(): Promise<StoredDocument>;
}

/** The write the store must now make, all of it or none. */
export interface Plan {
  version: string;
  /** `null` writes a tombstone. */
  text: string | null;
  bytes: number;
  overrode: JsonPath[] | null;
}

/**
 * The decisions every store makes the same way, in this order: a replay
 * first (the document has moved on since, and that is the point of a retry),
 * then the precondition, then the new copy, then the quota.
 */
export async function planWrite(request: WriteRequest, context: StepContext): Promise<WriteResult | Plan> {
  const { change, idempotency, precondition } = request;
  const { current, recorded } = context;
  if (idempotency && recorded) {
    return recorded.fingerprint === idempotency.fingerprint ? { status: 'replayed', answer: recorded.answer } : { status: 'key-reused' };
  }
  const live = current !== null && !current.deleted;
  const holds =
    'ifMatch' in precondition
      ? precondition.ifMatch.some((tag) => (tag === '*' ? live : current !== null && tag === current.version))
      : !precondition.ifNoneMatch.some((tag) => (tag === '*' ? live : live && tag === current.version));
  // Deleting or patching needs a document: a tombstone's own version matches, but there is nothing to change.
  if (!holds || (change.kind !== 'put' && !live)) return { status: 'precondition-failed', current: current && (await context.readCurrent()) };

  let text: string | null = null;
  if (change.kind === 'put') text = change.text;
  if (change.kind === 'derive') {
    const produced = change.produce(await context.readCurrent());
    if (produced.status === 'refused') return { status: 'refused', detail: produced.detail };
    text = produced.text;
  }
  const bytes = text === null ? 0 : Buffer.byteLength(text);
  const { limits } = request;
  const { usage } = context;
  const liveBefore = live ? 1 : 0;
  const liveAfter = text === null ? 0 : 1;
  const bytesAfter = usage.bytes - (live ? current.bytes : 0) + bytes;
  if (limits?.maxDocuments !== undefined && liveAfter > liveBefore && usage.documents + 1 > limits.maxDocuments) {
    return { status: 'over-quota', usage, limit: 'documents' };
  }
  // Only growth is refused: a space already over a lowered quota may still shrink.
  if (limits?.maxBytes !== undefined && bytesAfter > limits.maxBytes && bytesAfter > usage.bytes) {
    return { status: 'over-quota', usage, limit: 'bytes' };
  }
  const overrode = change.kind === 'delete' ? null : (change.overrode ?? null);
  return { version: nextVersion(current?.version), text, bytes, overrode };
}

export function isPlan(outcome: WriteResult | Plan): outcome is Plan {
  return !('status' in outcome);
}

/**
 * `"<counter>-<random>"`: the counter for people reading logs, the random
 * tail so that a version is never issued twice — not after a restart of the
 * memory store, not after a tombstone is purged and the key starts again.
 */
export function nextVersion(previous: string | undefined): string {
  const counter = previous === undefined ? 0 : Number.parseInt(previous, 10) || 0;
  return `${counter + 1}-${randomBytes(6).toString('hex')}`;
}

/** The answer a replay gives: what the applied write answered. */
export function answerOf(plan: Plan): IdempotentAnswer {
  return plan.text === null ? { version: plan.version, deleted: true } : { version: plan.version };
}
