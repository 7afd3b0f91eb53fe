import { StoreUnavailableError } from '../unavailable';

// Postgres error classes and Node socket errors that mean "the database is not reachable now", not "the query is wrong".
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|not queryable|the database system is (starting up|shutting down)/i;

export function isConnectionError(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

/** Rethrows a lost connection as `StoreUnavailableError` (the handler's `503`); anything else as it came. */
export function unavailableOr(error: unknown): never {
  if (error instanceof StoreUnavailableError) throw error;
  if (isConnectionError(error)) {
    throw new StoreUnavailableError(`redux-autosave: postgresStore cannot reach the database: ${(error as Error).message}`, { cause: error });
  }
  throw error;
}
