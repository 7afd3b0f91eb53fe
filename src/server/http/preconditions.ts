import type { Precondition } from '../types';

/** The entity tags of a precondition header, unquoted and without weakness: `"3-a", W/"4-b"` → ['3-a', '4-b']. */
export function entityTags(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'))
    .filter((tag) => tag !== '');
}

/** `If-Match` wins over `If-None-Match` when both are sent (RFC 9110 §13.2.2 evaluates it first). */
export function preconditionOf(headers: Headers): Precondition | undefined {
  const ifMatch = headers.get('if-match');
  if (ifMatch !== null) return { ifMatch: entityTags(ifMatch) };
  const ifNoneMatch = headers.get('if-none-match');
  if (ifNoneMatch !== null) return { ifNoneMatch: entityTags(ifNoneMatch) };
  return undefined;
}
