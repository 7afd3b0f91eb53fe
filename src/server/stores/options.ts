import type { StoreOptions } from '../types';

export const DEFAULT_RETENTION_MS = 30 * 86_400_000;

/** Checks what every embedded store takes; `name` is the factory's, for the message. */
export function storeOptions(name: string, options: StoreOptions = {}): Required<Pick<StoreOptions, 'retentionMs' | 'now'>> & StoreOptions {
  const { retentionMs = DEFAULT_RETENTION_MS, now = Date.now, idempotency = {} } = options;
  const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;
  if (!positive(retentionMs)) throw new TypeError(`redux-autosave: ${name} \`retentionMs\` must be a number of milliseconds above 0, received ${String(retentionMs)}`);
  for (const field of ['maxAgeMs', 'maxPerSpace'] as const) {
    const value = idempotency[field];
    if (value !== undefined && !positive(value)) {
      throw new TypeError(`redux-autosave: ${name} \`idempotency.${field}\` must be a number above 0, received ${String(value)}`);
    }
  }
  if (typeof now !== 'function') throw new TypeError(`redux-autosave: ${name} \`now\` must be a function`);
  return { ...options, retentionMs, now, idempotency };
}
