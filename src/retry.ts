import { DEFAULTS } from './defaults';
import { RetriesExhausted } from './errors';
import type { RetryOptions, RetryPolicy } from './types/options';

/**
 * Exponential backoff with jitter: about `baseDelayMs`, then twice that, and
 * so on up to `maxDelayMs`, each wait drawn from ±25 % so that many clients
 * failing together do not retry together. `attempts` counts every try.
 *
 * ```ts
 * createAutosave({ retry: exponentialBackoff({ attempts: 5 }), … })
 * ```
 */
export function exponentialBackoff(options: RetryOptions = {}): RetryPolicy {
  const { attempts, baseDelayMs, maxDelayMs } = { ...DEFAULTS.retry, ...options };
  return ({ attempt }) => {
    if (attempt >= attempts) return undefined;
    return backoffDelay(attempt, baseDelayMs, maxDelayMs);
  };
}

/** The wait after failed try number `attempt` (from 1), with jitter. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.min(maxDelayMs, Math.round(delay * (0.75 + Math.random() * 0.5)));
}

/**
 * Runs `task` until it succeeds or `policy` gives up. Errors that say they
 * cannot be helped by another try (`retryable: false`) end it at once.
 */
export async function withRetry<T>(
  task: () => Promise<T>,
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      const hopeless = (error as { retryable?: unknown } | null)?.retryable === false;
      const delay = hopeless ? undefined : policy({ error, attempt });
      if (delay === undefined) throw new RetriesExhausted(attempt, error);
      await sleep(delay);
    }
  }
}
