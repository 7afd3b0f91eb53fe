// Sync servers with the bugs real ones have, behind a `fetch` of their own,
// so the real httpRemote meets them under fake timers. Every answer takes
// 1 ms of the fake clock, so a client in a hot loop shows up as thousands of
// requests per simulated second instead of hanging the test.
import { httpRemote } from '../../src/sync/httpRemote';
import type { RemoteAdapter } from '../../src';

export type ServerBug =
  /** GET of one key answers with the document stored under another. */
  | { kind: 'otherKey'; answer: string }
  /** If-Match is compared with its quotes left on: every PUT with If-Match is a 412. */
  | { kind: 'quotedIfMatch' }
  /** Every write keeps the version it replaced. */
  | { kind: 'sameVersion' }
  /** Every PUT with If-Match is a 412 carrying a newer version of the same data (another writer that never stops). */
  | { kind: 'alwaysConflict' };

export function misbehavingServer(bug: ServerBug | null = null) {
  const documents = new Map<string, { version: string; json: string; counter: number }>();
  const requests: { method: string; key: string; status: number }[] = [];
  let counter = 0;

  function answer(method: string, key: string, headers: Headers, body: string | undefined): [number, unknown] {
    const current = documents.get(key);
    if (method === 'GET') {
      const served = bug?.kind === 'otherKey' ? documents.get(bug.answer) : current;
      return served ? [200, { version: served.version, data: JSON.parse(served.json) }] : [404, { error: 'not found' }];
    }
    const ifMatch = headers.get('if-match');
    const { data } = JSON.parse(body ?? '{}') as { data: unknown };
    if (current && ifMatch !== null) {
      const tag = bug?.kind === 'quotedIfMatch' ? ifMatch : ifMatch.replace(/^"(.*)"$/, '$1');
      if (bug?.kind === 'alwaysConflict') {
        current.version = `${++counter}-other`;
        return [412, { version: current.version, data: JSON.parse(current.json) }];
      }
      if (tag !== current.version) return [412, { version: current.version, data: JSON.parse(current.json) }];
    } else if (current && headers.get('if-none-match') === '*') {
      return [412, { version: current.version, data: JSON.parse(current.json) }];
    }
    const version = bug?.kind === 'sameVersion' && current ? current.version : `${++counter}-v`;
    documents.set(key, { version, json: JSON.stringify(data), counter });
    return [200, { version }];
  }

  const fetch = (async (input: string | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const key = decodeURIComponent(url.pathname.split('/').pop()!);
    const method = init.method ?? 'GET';
    await new Promise((resolve) => setTimeout(resolve, 1));
    const [status, body] = answer(method, key, new Headers(init.headers), init.body as string | undefined);
    requests.push({ method, key, status });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof globalThis.fetch;

  return {
    remote: (): RemoteAdapter => httpRemote({ url: 'http://sync.test/api/autosave', fetch, timeoutMs: 5000 }),
    requests,
    /** Stores a document as another client would have. */
    seed(key: string, data: unknown) {
      documents.set(key, { version: `${++counter}-v`, json: JSON.stringify(data), counter });
    },
    document(key: string) {
      const stored = documents.get(key);
      return stored && { version: stored.version, data: JSON.parse(stored.json) as unknown };
    },
    setBug(next: ServerBug | null) {
      bug = next;
    },
  };
}
