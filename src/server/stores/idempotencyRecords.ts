import type { IdempotencyRetention } from '../types';
import type { IdempotencyRecord } from './writeStep';

export const DEFAULT_IDEMPOTENCY_AGE_MS = 86_400_000;
export const DEFAULT_IDEMPOTENCY_PER_SPACE = 1000;

/**
 * One space's idempotency records, apart from its documents, keyed by
 * (document key, Idempotency-Key). A Map keeps insertion order, so the
 * oldest record is always first: expiry by age and by count both trim the
 * front, and the work per write stays constant.
 */
export class IdempotencyRecords {
  private readonly records = new Map<string, IdempotencyRecord & { key: string; idempotencyKey: string }>();
  private readonly maxAgeMs: number;
  private readonly maxPerSpace: number;

  constructor(retention: IdempotencyRetention = {}) {
    this.maxAgeMs = retention.maxAgeMs ?? DEFAULT_IDEMPOTENCY_AGE_MS;
    this.maxPerSpace = retention.maxPerSpace ?? DEFAULT_IDEMPOTENCY_PER_SPACE;
  }

  // A JSON array is an injective name for the pair: no key or Idempotency-Key can forge another pair's.
  private static id(key: string, idempotencyKey: string): string {
    return JSON.stringify([key, idempotencyKey]);
  }

  get(key: string, idempotencyKey: string, now: number): IdempotencyRecord | undefined {
    this.expire(now);
    return this.records.get(IdempotencyRecords.id(key, idempotencyKey));
  }

  add(key: string, idempotencyKey: string, record: IdempotencyRecord): void {
    const id = IdempotencyRecords.id(key, idempotencyKey);
    this.records.delete(id);
    this.records.set(id, { ...record, key, idempotencyKey });
    this.expire(record.at);
  }

  get size(): number {
    return this.records.size;
  }

  /** Oldest first, as they were added: what a file store writes back when it compacts its log. */
  entries(): (IdempotencyRecord & { key: string; idempotencyKey: string })[] {
    return [...this.records.values()];
  }

  private expire(now: number): void {
    for (const [id, record] of this.records) {
      if (this.records.size <= this.maxPerSpace && now - record.at <= this.maxAgeMs) break;
      this.records.delete(id);
    }
  }
}
