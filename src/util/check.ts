import { describe } from '../errors';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws the error for a bad option, naming it, what it must be and what
 * came: `` redux-autosave: `retry.attempts` must be …, received … ``.
 * `owner` names the factory when it is not `createAutosave` (`'httpRemote '`).
 */
export function badOption(option: string, expected: string, received: unknown, owner = ''): never {
  throw new TypeError(`redux-autosave: ${owner}\`${option}\` must be ${expected}, received ${describe(received)}`);
}
