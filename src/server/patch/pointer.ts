/** Tokens no pointer may pass through: writing them would reach an object's prototype (a patch library had this hole). */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The tokens of an RFC 6901 JSON Pointer (`/shots/0/prompt` → ['shots', '0',
 * 'prompt']), `~1` and `~0` unescaped; a string for a pointer that is not
 * one, or that passes through a forbidden name.
 */
export function parsePointer(pointer: unknown): string[] | string {
  if (typeof pointer !== 'string') return 'a pointer must be a string';
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return `the pointer ${JSON.stringify(pointer)} must be empty or start with '/'`;
  const tokens = pointer.slice(1).split('/');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (/~[^01]|~$/.test(token)) return `the pointer ${JSON.stringify(pointer)} has a '~' that is neither ~0 nor ~1`;
    tokens[i] = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (FORBIDDEN.has(tokens[i])) return `the pointer ${JSON.stringify(pointer)} passes through ${JSON.stringify(tokens[i])}, which is refused`;
  }
  return tokens;
}

/** An array index as RFC 6901 writes one: digits, no leading zero. */
export function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}
