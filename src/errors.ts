import type { SaveError, SaveErrorCode, ValidationIssue } from './types/status';

/**
 * The error the library reports for a document it could not save or load.
 * `code` tells callers what went wrong without parsing the message.
 */
export class AutosaveError extends Error {
  readonly code: SaveErrorCode;
  /** The storage key of the document concerned, when there is one. */
  readonly key: string | undefined;
  readonly issues: ValidationIssue[] | undefined;
  /** False when trying again cannot help (no storage exists here at all). */
  readonly retryable: boolean;

  constructor(
    code: SaveErrorCode,
    message: string,
    details: { key?: string; issues?: ValidationIssue[]; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AutosaveError';
    this.code = code;
    this.key = details.key;
    this.issues = details.issues;
    this.retryable = details.retryable ?? true;
  }
}

/**
 * A mistake in the app's setup, as production builds throw it: a code the
 * README's "Error codes" explains, instead of the whole message that
 * development builds give.
 */
export function codedError(code: number): TypeError {
  return new TypeError(
    `redux-autosave error ${code}: see https://github.com/redux-autosave/redux-autosave#error-codes, or a development build for the whole message`,
  );
}

/** A plain, serializable copy of an error, as the status slice keeps it. */
export function toSaveError(error: AutosaveError): SaveError {
  return error.issues
    ? { code: error.code, message: error.message, issues: error.issues }
    : { code: error.code, message: error.message };
}

/**
 * The error for a storage call that failed (after its retries): the key,
 * how many tries, and whether the quota was the cause. An AutosaveError
 * raised inside an adapter keeps its own words and gets the key.
 */
export function storageError(key: string, action: 'write' | 'read', error: unknown): AutosaveError {
  const exhausted = error instanceof RetriesExhausted ? error : undefined;
  const cause = exhausted ? exhausted.lastError : error;
  if (cause instanceof AutosaveError) {
    return cause.key === key
      ? cause
      : new AutosaveError(cause.code, cause.message, { key, cause, retryable: cause.retryable, issues: cause.issues });
  }
  const tries = exhausted ? ` after ${exhausted.attempts} ${exhausted.attempts === 1 ? 'try' : 'tries'}` : '';
  const quota = isQuotaError(cause) ? 'storage quota exceeded: ' : '';
  return new AutosaveError('storage', `redux-autosave: ${quota}could not ${action} ${key}${tries}: ${messageOf(cause)}`, { key, cause });
}

/** Thrown by `withRetry` when the policy gives up: the last error, and how many tries it took. */
export class RetriesExhausted extends Error {
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super('retries exhausted', { cause: lastError });
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

// Browsers disagree on how a full disk looks: Chrome and Safari name the
// DOMException, old Firefox used its own name, WebKit code 22, Firefox 1014,
// and localforage's IndexedDB driver surfaces the transaction error as is.
export function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return (
    name === 'QuotaExceededError' ||
    name === 'NS_ERROR_DOM_QUOTA_REACHED' ||
    code === 22 ||
    code === 1014 ||
    (typeof message === 'string' && /quota/i.test(message))
  );
}

/** Words for a value in an error message: what a caller passed, without dumping it. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/**
 * A remote request that failed. `offline` when the remote could not be
 * reached at all (network error, timeout); `retryable` when another try may
 * succeed (those, 429 and 5xx); `retryAfterMs` from a `Retry-After` header.
 */
export class RemoteError extends AutosaveError {
  readonly status: number | undefined;
  readonly offline: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: {
      key?: string;
      status?: number;
      offline?: boolean;
      retryable?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
      /** `auth` when the remote refused who the request was made as. */
      code?: 'remote' | 'auth';
    } = {},
  ) {
    super(details.code ?? 'remote', message, { key: details.key, cause: details.cause, retryable: details.retryable ?? false });
    this.name = 'RemoteError';
    this.status = details.status;
    this.offline = details.offline ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}
