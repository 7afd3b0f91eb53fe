import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Authorize } from '../index';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * An `authorize` from a JSON file of `{ "<token>": "<userId>" }`: a request
 * with `Authorization: Bearer <token>` acts in that user's space. Tokens are
 * looked up by their hash, so how long a lookup takes says nothing about a
 * token's characters.
 */
export function bearerTokensFromFile(file: string): Authorize {
  let entries: [string, unknown][];
  try {
    entries = Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
  } catch (error) {
    throw new Error(`redux-autosave-server: --tokens ${file} must be a JSON object { "<token>": "<userId>" }: ${(error as Error).message}`);
  }
  const users = new Map<string, string>();
  for (const [token, userId] of entries) {
    if (token.length < 16 || typeof userId !== 'string' || userId === '') {
      throw new Error(`redux-autosave-server: --tokens ${file}: each token must be at least 16 characters and map to a non-empty user id`);
    }
    users.set(digest(token), userId);
  }
  return (request) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    const userId = token ? users.get(digest(token)) : undefined;
    return userId ? { userId } : null;
  };
}
