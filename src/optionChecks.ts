// The option checks of development builds: every option, each mistake named
// with what came. Production builds run the few checks of `options.ts`
// instead, with short codes, and never download this file.
import { DEFAULTS } from './defaults';
import { INTERNAL_PREFIX } from './keys';
import { analyzeSchema, type RoundTrip } from './roundTrip';
import type { ZodType } from 'zod';
import type { AutosaveOptions } from './types/options';
import { badOption as fail, isObject } from './util/check';

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
const DOCUMENT_OPTION_NAMES = ['select', 'id', 'schema', 'restore', 'version', 'migrations', 'debounceMs', 'maxWaitMs', 'history'];

function rejectUnknown(value: Record<string, unknown>, known: string[], prefix: string): void {
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) {
      throw new TypeError(`redux-autosave: unknown option \`${prefix}${name}\`; the options here are ${known.join(', ')}`);
    }
  }
}

function duration(value: unknown, option: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(option, 'a number of milliseconds, 0 or more', value);
}

function checkCollection(name: string, raw: unknown): RoundTrip {
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
  duration(raw.debounceMs, `${at}.debounceMs`);
  duration(raw.maxWaitMs, `${at}.maxWaitMs`);
  checkHistory(raw.history, `${at}.history`);
  return roundTrip;
}

function checkHistory(history: unknown, at: string): void {
  if (history === undefined) return;
  if (!isObject(history)) fail(at, 'an object { keep, everyMs, maxBytes }', history);
  rejectUnknown(history, ['keep', 'everyMs', 'maxBytes'], `${at}.`);
  const { keep, maxBytes } = history;
  if (keep !== undefined && (!Number.isInteger(keep) || (keep as number) < 0)) fail(`${at}.keep`, 'a whole number, 0 or more (0 keeps none)', keep);
  duration(history.everyMs, `${at}.everyMs`);
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !(maxBytes > 0))) fail(`${at}.maxBytes`, 'a number of bytes, more than 0', maxBytes);
}

function checkStorage(storage: unknown): void {
  if (storage === undefined) return;
  if (!isObject(storage)) fail('storage', 'an object with getItem, setItem, removeItem and keys', storage);
  for (const method of ['getItem', 'setItem', 'removeItem', 'keys']) {
    if (typeof storage[method] !== 'function') fail(`storage.${method}`, 'a function returning a promise', storage[method]);
  }
}

function checkRetry(retry: unknown): void {
  if (retry === undefined || typeof retry === 'function') return;
  if (!isObject(retry)) fail('retry', 'an object { attempts, baseDelayMs, maxDelayMs } or a retry policy function', retry);
  rejectUnknown(retry, ['attempts', 'baseDelayMs', 'maxDelayMs'], 'retry.');
  const attempts = retry.attempts ?? DEFAULTS.retry.attempts;
  if (!Number.isInteger(attempts) || (attempts as number) < 1) fail('retry.attempts', 'a whole number, 1 or more', attempts);
  duration(retry.baseDelayMs, 'retry.baseDelayMs');
  duration(retry.maxDelayMs, 'retry.maxDelayMs');
}

function checkRemote(remote: unknown): void {
  if (remote === undefined) return;
  if (!isObject(remote) || typeof remote.pull !== 'function' || typeof remote.push !== 'function') {
    fail('remote', 'a RemoteAdapter (an object with pull and push), such as httpRemote({ url })', remote);
  }
}

function checkStorageTimeouts(timeouts: unknown): void {
  if (timeouts === undefined) return;
  if (!isObject(timeouts)) fail('storageTimeouts', 'an object { readMs, writeMs }', timeouts);
  rejectUnknown(timeouts, ['readMs', 'writeMs'], 'storageTimeouts.');
  for (const name of ['readMs', 'writeMs']) {
    const value = timeouts[name];
    if (value !== undefined && (typeof value !== 'number' || !(value > 0))) {
      fail(`storageTimeouts.${name}`, 'a number of milliseconds above 0 (Infinity for none)', value);
    }
  }
}

/**
 * Checks every option at once, in development builds; the collections'
 * readings of their schemas come back, so they are not made twice.
 */
export function checkOptions(options: AutosaveOptions<any, string>): Map<string, RoundTrip> {
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
  checkRetry(options.retry);
  checkStorageTimeouts(options.storageTimeouts);
  checkRemote(options.remote);
  const roundTrips = new Map(Object.entries(documents).map(([name, raw]) => [name, checkCollection(name, raw)]));
  checkStorage(options.storage);
  const { conflict, crossTab, storageFormat } = options;
  if (conflict !== undefined && typeof conflict !== 'function' && !CONFLICT_STRATEGIES.includes(conflict as string)) {
    fail('conflict', `one of ${CONFLICT_STRATEGIES.map((s) => `'${s}'`).join(', ')} or a resolver function`, conflict);
  }
  if (crossTab !== undefined && typeof crossTab !== 'boolean') fail('crossTab', 'true or false', crossTab);
  if (storageFormat !== undefined && storageFormat !== 1 && storageFormat !== 2) fail('storageFormat', '1 or 2', storageFormat);
  return roundTrips;
}
