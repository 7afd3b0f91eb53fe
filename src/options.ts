import { DEFAULTS } from './defaults';
import { INTERNAL_PREFIX } from './keys';
import { exponentialBackoff } from './retry';
import { analyzeSchema, type RoundTrip } from './roundTrip';
import { localforageStorage } from './storage/localforage';
import { withTimeouts } from './storage/timed';
import type { Action } from '@reduxjs/toolkit';
import type { ZodType } from 'zod';
import type { AutosaveOptions, AutosaveStorage, ConflictStrategy, Migration, RetryOptions, RetryPolicy } from './types/options';
import type { RemoteAdapter } from './types/remote';
import { badOption as fail, isObject } from './util/check';

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
  /** What JSON can carry of this collection's documents, read off the schema. */
  roundTrip: RoundTrip;
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
  /** How long `load` waits for the remote's copy before it settles for the local one. */
  remoteTimeoutMs: number;
}

const OPTION_NAMES = [
  'documents',
  'storage',
  'retry',
  'maxDocumentBytes',
  'reducerPath',
  'onError',
  'remote',
  'conflict',
  'crossTab',
  'storageTimeouts',
  'storageFormat',
];

const CONFLICT_STRATEGIES = ['merge', 'local', 'remote', 'manual'];
const DOCUMENT_OPTION_NAMES = ['select', 'id', 'schema', 'restore', 'version', 'migrations', 'debounceMs', 'maxWaitMs'];


function rejectUnknown(value: Record<string, unknown>, known: string[], prefix: string): void {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      throw new TypeError(
        `redux-autosave: unknown option \`${prefix}${name}\`; the options here are ${known.join(', ')}`,
      );
    }
  }
}

function duration(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(option, 'a number of milliseconds, 0 or more', value);
  }
  return value;
}

function readCollection(name: string, raw: unknown): CollectionConfig {
  const at = `documents.${name}`;
  if (name === '' || name.includes(':') || name.startsWith(INTERNAL_PREFIX)) {
    throw new TypeError(
      `redux-autosave: \`documents\` has the collection name ${JSON.stringify(name)}; a collection name cannot be empty, contain ':' or begin with '${INTERNAL_PREFIX}'`,
    );
  }
  if (!isObject(raw)) fail(at, 'an object with select, schema and restore', raw);
  rejectUnknown(raw, DOCUMENT_OPTION_NAMES, `${at}.`);
  const { select, id, schema, restore, version = DEFAULTS.document.version, migrations = {} } = raw;
  if (typeof select !== 'function') fail(`${at}.select`, 'a function (state) => document', select);
  if (id !== undefined && typeof id !== 'function') fail(`${at}.id`, 'a function (document) => id', id);
  if (!isObject(schema) || typeof schema.safeParse !== 'function') fail(`${at}.schema`, 'a zod schema', schema);
  if (!isObject(schema._zod)) fail(`${at}.schema`, 'a zod 4 schema (zod 3 schemas are not supported)', schema);
  if (typeof restore !== 'function') fail(`${at}.restore`, 'an action creator (document) => action', restore);
  if (!Number.isInteger(version) || (version as number) < 1) fail(`${at}.version`, 'a whole number, 1 or more', version);
  if (!isObject(migrations)) fail(`${at}.migrations`, 'an object of functions keyed by version', migrations);
  for (const [to, migration] of Object.entries(migrations)) {
    const target = Number(to);
    if (!Number.isInteger(target) || target < 2 || target > (version as number)) {
      fail(`${at}.migrations`, `keyed by the versions they migrate to (2 to ${version as number})`, to);
    }
    if (typeof migration !== 'function') fail(`${at}.migrations.${to}`, 'a function', migration);
  }
  const roundTrip = analyzeSchema(schema as unknown as ZodType);
  if (roundTrip.unrepresentable.length > 0) {
    // Such a save would be reported `saved` and then fail to load (or load as
    // something else): every stored copy and every push is JSON text.
    throw new TypeError(
      `redux-autosave: \`${at}.schema\` accepts ${roundTrip.unrepresentable.join(', ')}, which JSON cannot carry, so a saved copy could not be loaded back; ` +
        'store it as JSON (z.iso.datetime() for a date, an array or record for a Map or Set), or wrap it in a codec that encodes it: ' +
        'z.codec(z.iso.datetime(), z.date(), { decode: (s) => new Date(s), encode: (d) => d.toISOString() })',
    );
  }
  return {
    name,
    select: select as CollectionConfig['select'],
    id: id as CollectionConfig['id'],
    schema: schema as unknown as ZodType,
    restore: restore as CollectionConfig['restore'],
    version: version as number,
    migrations: migrations as Record<number, Migration>,
    debounceMs: duration(raw.debounceMs, `${at}.debounceMs`, DEFAULTS.document.debounceMs),
    maxWaitMs: duration(raw.maxWaitMs, `${at}.maxWaitMs`, DEFAULTS.document.maxWaitMs),
    roundTrip,
  };
}

function readStorage(storage: unknown): AutosaveStorage {
  if (storage === undefined) return localforageStorage();
  if (!isObject(storage)) fail('storage', 'an object with getItem, setItem, removeItem and keys', storage);
  for (const method of ['getItem', 'setItem', 'removeItem', 'keys']) {
    if (typeof storage[method] !== 'function') fail(`storage.${method}`, 'a function returning a promise', storage[method]);
  }
  return storage as unknown as AutosaveStorage;
}

function readRetry(retry: unknown): { policy: RetryPolicy; delays: Required<RetryOptions> } {
  if (retry === undefined) return { policy: exponentialBackoff(DEFAULTS.retry), delays: DEFAULTS.retry };
  if (typeof retry === 'function') return { policy: retry as RetryPolicy, delays: DEFAULTS.retry };
  if (!isObject(retry)) fail('retry', 'an object { attempts, baseDelayMs, maxDelayMs } or a retry policy function', retry);
  rejectUnknown(retry, ['attempts', 'baseDelayMs', 'maxDelayMs'], 'retry.');
  const attempts = retry.attempts ?? DEFAULTS.retry.attempts;
  if (!Number.isInteger(attempts) || (attempts as number) < 1) fail('retry.attempts', 'a whole number, 1 or more', attempts);
  const delays = {
    attempts: attempts as number,
    baseDelayMs: duration(retry.baseDelayMs, 'retry.baseDelayMs', DEFAULTS.retry.baseDelayMs),
    maxDelayMs: duration(retry.maxDelayMs, 'retry.maxDelayMs', DEFAULTS.retry.maxDelayMs),
  };
  return { policy: exponentialBackoff(delays), delays };
}

function readRemote(remote: unknown): RemoteAdapter | undefined {
  if (remote === undefined) return undefined;
  if (!isObject(remote) || typeof remote.pull !== 'function' || typeof remote.push !== 'function') {
    fail('remote', 'a RemoteAdapter (an object with pull and push), such as httpRemote({ url })', remote);
  }
  return remote as unknown as RemoteAdapter;
}

function readStorageTimeouts(timeouts: unknown): Config['storageTimeouts'] {
  if (timeouts === undefined) return DEFAULTS.storageTimeouts;
  if (!isObject(timeouts)) fail('storageTimeouts', 'an object { readMs, writeMs }', timeouts);
  rejectUnknown(timeouts, ['readMs', 'writeMs'], 'storageTimeouts.');
  const limit = (name: 'readMs' | 'writeMs') => {
    const value = timeouts[name];
    if (value === undefined) return DEFAULTS.storageTimeouts[name];
    if (typeof value !== 'number' || !(value > 0)) fail(`storageTimeouts.${name}`, 'a number of milliseconds above 0 (Infinity for none)', value);
    return value;
  };
  return { readMs: limit('readMs'), writeMs: limit('writeMs') };
}

function readStorageFormat(format: unknown): 1 | 2 {
  if (format === undefined) return DEFAULTS.storageFormat;
  if (format !== 1 && format !== 2) fail('storageFormat', '1 or 2', format);
  return format;
}

function readCrossTab(crossTab: unknown): boolean {
  if (crossTab === undefined) return typeof BroadcastChannel !== 'undefined';
  if (typeof crossTab !== 'boolean') fail('crossTab', 'true or false', crossTab);
  return crossTab;
}

function readConflict(conflict: unknown): ConflictStrategy {
  if (conflict === undefined) return DEFAULTS.conflict;
  if (typeof conflict === 'function' || CONFLICT_STRATEGIES.includes(conflict as string)) return conflict as ConflictStrategy;
  return fail('conflict', `one of ${CONFLICT_STRATEGIES.map((s) => `'${s}'`).join(', ')} or a resolver function`, conflict);
}

/** Checks every option at once and fills in the defaults, in this one place. */
export function readOptions(options: AutosaveOptions<any, string>): Config {
  if (!isObject(options)) fail('options', 'an object', options);
  rejectUnknown(options, OPTION_NAMES, '');
  const { documents, reducerPath = DEFAULTS.reducerPath, onError, maxDocumentBytes = DEFAULTS.maxDocumentBytes } = options;
  if (!isObject(documents) || Object.keys(documents).length === 0) {
    fail('documents', 'an object with at least one collection', documents);
  }
  if (typeof reducerPath !== 'string' || reducerPath === '') fail('reducerPath', 'a non-empty string', reducerPath);
  if (onError !== undefined && typeof onError !== 'function') fail('onError', 'a function', onError);
  if (typeof maxDocumentBytes !== 'number' || !(maxDocumentBytes > 0)) {
    fail('maxDocumentBytes', 'a number of bytes, more than 0', maxDocumentBytes);
  }
  const retry = readRetry(options.retry);
  const storageTimeouts = readStorageTimeouts(options.storageTimeouts);
  const remote = readRemote(options.remote);
  return {
    collections: Object.entries(documents).map(([name, raw]) => readCollection(name, raw)),
    storage: withTimeouts(readStorage(options.storage), storageTimeouts),
    retry: retry.policy,
    retryDelays: retry.delays,
    remote,
    remoteTimeoutMs: remote?.timeoutMs ?? DEFAULTS.remote.timeoutMs,
    conflict: readConflict(options.conflict),
    crossTab: readCrossTab(options.crossTab),
    storageTimeouts,
    storageFormat: readStorageFormat(options.storageFormat),
    maxDocumentBytes,
    reducerPath,
    onError,
  };
}
