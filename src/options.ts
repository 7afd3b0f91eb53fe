import type { Action } from '@reduxjs/toolkit';
import type { ZodType } from 'zod';
import { DEFAULTS } from './defaults';
import { codedError } from './errors';
import { checkOptions } from './optionChecks';
import { exponentialBackoff } from './retry';
import type { RoundTrip } from './roundTrip';
import { localforageStorage } from './storage/localforage';
import { withTimeouts } from './storage/timed';
import { withSizes, type Sizes } from './core/sizes';
import type { AutosaveOptions, AutosaveStorage, ConflictStrategy, Migration, RetryOptions, RetryPolicy } from './types/options';
import type { RemoteAdapter } from './types/remote';
import { isObject } from './util/check';

/** One collection's options, checked and with every default filled in. */
export interface CollectionConfig {
  name: string;
  select: (state: unknown) => unknown;
  id: ((document: any) => string | number) | undefined;
  schema: ZodType;
  restore: (document: any) => Action;
  version: number;
  migrations: Record<number, Migration>;
  debounceMs: number;
  maxWaitMs: number;
  history: { keep: number; everyMs: number; maxBytes: number };
  /**
   * What JSON can carry of this collection's documents, read off the schema:
   * at once in development builds (whose option checks read it), before the
   * first save in production builds (see `core/prepare.ts`).
   */
  roundTrip: RoundTrip | undefined;
}

export interface Config {
  collections: CollectionConfig[];
  storage: AutosaveStorage;
  retry: RetryPolicy;
  maxDocumentBytes: number;
  reducerPath: string;
  onError: ((error: unknown) => void) | undefined;
  remote: RemoteAdapter | undefined;
  conflict: ConflictStrategy;
  crossTab: boolean;
  /** The backoff of the `retry` option, which remote pushes reuse without a limit on tries. */
  retryDelays: { baseDelayMs: number; maxDelayMs: number };
  storageTimeouts: { readMs: number; writeMs: number };
  storageFormat: 1 | 2;
  /** The sizes of what the instance writes, for `usage()` (kept by the storage wrapper). */
  sizes: Sizes;
  /** How long `load` waits for the remote's copy before it settles for the local one. */
  remoteTimeoutMs: number;
}

/**
 * Checks the options and fills in every default, in this one place.
 * Development builds check every option and name each mistake
 * (`optionChecks.ts`); production builds check the outline only, with the
 * short codes the README's "Error codes" explains.
 */
export function readOptions(options: AutosaveOptions<any, string>): Config {
  const roundTrips = process.env.NODE_ENV !== 'production' ? checkOptions(options) : checkOutline(options);
  const documents = options.documents as Record<string, Record<string, any>>;
  const timeouts = { ...DEFAULTS.storageTimeouts, ...options.storageTimeouts };
  const retry = readRetry(options.retry);
  const { remote } = options;
  return {
    collections: Object.keys(documents).map((name) => {
      const { select, id, schema, restore, version, migrations, debounceMs, maxWaitMs, history } = documents[name];
      return {
        name,
        select,
        id,
        schema,
        restore,
        version: version ?? DEFAULTS.document.version,
        migrations: migrations ?? {},
        debounceMs: debounceMs ?? DEFAULTS.document.debounceMs,
        maxWaitMs: maxWaitMs ?? DEFAULTS.document.maxWaitMs,
        history: { ...DEFAULTS.history, ...history },
        roundTrip: roundTrips?.get(name),
      };
    }),
    ...withSizes(
      withTimeouts(options.storage ?? localforageStorage(), timeouts),
      Object.keys(documents),
    ),
    retry: retry.policy,
    retryDelays: retry.delays,
    remote,
    remoteTimeoutMs: remote?.timeoutMs ?? DEFAULTS.remote.timeoutMs,
    conflict: options.conflict ?? DEFAULTS.conflict,
    crossTab: options.crossTab ?? typeof BroadcastChannel !== 'undefined',
    storageTimeouts: timeouts,
    storageFormat: options.storageFormat ?? DEFAULTS.storageFormat,
    maxDocumentBytes: options.maxDocumentBytes ?? DEFAULTS.maxDocumentBytes,
    reducerPath: options.reducerPath ?? DEFAULTS.reducerPath,
    onError: options.onError,
  };
}

function readRetry(retry: AutosaveOptions<any, string>['retry']): { policy: RetryPolicy; delays: Required<RetryOptions> } {
  if (typeof retry === 'function') return { policy: retry, delays: DEFAULTS.retry };
  const delays = { ...DEFAULTS.retry, ...retry };
  return { policy: exponentialBackoff(delays), delays };
}

/** Production builds: what would break the instance outright, by code (1 to 4). */
function checkOutline(options: any): undefined {
  const rule = (ok: unknown, code: number) => {
    if (!ok) throw codedError(code);
  };
  rule(isObject(options) && isObject(options.documents) && Object.keys(options.documents).length > 0, 1);
  for (const name of Object.keys(options.documents)) {
    const doc = options.documents[name];
    rule(name && !name.includes(':') && isObject(doc) && typeof doc.select === 'function' && typeof doc.restore === 'function' && typeof (doc.schema as { safeParse?: unknown } | undefined)?.safeParse === 'function', 2);
  }
  const { storage, remote } = options;
  rule(storage === undefined || (isObject(storage) && ['getItem', 'setItem', 'removeItem', 'keys'].every((m) => typeof storage[m] === 'function')), 3);
  rule(remote === undefined || (isObject(remote) && typeof remote.pull === 'function' && typeof remote.push === 'function'), 4);
  return undefined;
}
