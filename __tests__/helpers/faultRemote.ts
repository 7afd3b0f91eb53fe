// A sync server in memory that speaks the protocol of DESIGN.md §4 (versions
// assigned here, compare-and-write in one step, Idempotency-Keys remembered)
// behind a `fetch` of its own, so the real `httpRemote` talks to it under fake
// timers, with faults switched on and off by the test: a dropped connection,
// 500/503/429 with Retry-After, an answer slower than the timeout, a write
// applied and its reply lost, a body that breaks the protocol.
import { applyPatch, checkPatch } from '../../src/server/patch/applyPatch';
import { httpRemote, type HttpRemoteOptions } from '../../src/sync/httpRemote';
import type { RemoteAdapter } from '../../src';

/** A fault for one request. */
export type RemoteFault =
  /** The connection drops before the request reaches the server (fetch rejects). */
  | { kind: 'drop' }
  /** The server answers this status, with `Retry-After` when given, and applies nothing. */
  | { kind: 'status'; status: 500 | 503 | 429 | number; retryAfter?: string; body?: string }
  /** No answer until the client gives up (its `timeoutMs`); nothing is applied. */
  | { kind: 'slow' }
  /** The server applies the request, then the connection drops before the reply arrives. */
  | { kind: 'lostReply' }
  /** The server answers with this body (HTML, truncated JSON…) and applies nothing. */
  | { kind: 'garbage'; status?: number; body: string; contentType?: string };

export type FaultKind = RemoteFault['kind'] | 'down';

interface StoredRecord {
  counter: number;
  version: string;
  /** The document as JSON text, so nothing outside can change it. */
  json: string;
  /** Idempotency-Key → the version it produced and the body it carried. */
  applied: Map<string, { version: string; json: string }>;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** What a test can check of the server afterwards. */
export interface ServerLog {
  /** Writes applied. */
  writes: number;
  /** Requests answered from a remembered Idempotency-Key. */
  replays: number;
  /**
   * How many different copies each Idempotency-Key was accepted for (the
   * protocol allows 1). Counted from the requests themselves, not from the
   * replay memory below: a retry of the same copy counts once, and the same
   * key sent again with another copy counts again, though the server answers
   * it from memory and stores nothing.
   */
  applied: Map<string, number>;
  /** An Idempotency-Key sent again with a different body: the client reused a key for another copy. */
  reusedForOtherData: string[];
  /** Faults injected, by kind. */
  faults: Record<FaultKind, number>;
  /** Every copy the server accepted, in order: a test can check no accepted write dropped an earlier edit. */
  history: { key: string; version: string; data: unknown; idempotencyKey?: string }[];
  /** Every request, in order: method, key, status (or the fault that ended it), when (the fake clock). */
  requests: { method: string; key: string; url: string; outcome: number | FaultKind; idempotencyKey?: string; at: number }[];
}

/** Parses the `{url}/{key}` of a request; the key is one encoded segment. */
function keyOf(url: string): string {
  const path = new URL(url).pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function aborted(signal: AbortSignal | null | undefined): Error {
  const reason = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

/**
 * An in-memory sync server with fault switches. `fetch` is what `httpRemote`
 * is given; `remote()` builds that `httpRemote`. `down` fails every request
 * as a dropped connection; `inject` queues one-shot faults for the next
 * matching requests.
 */
export function createFaultyServer({ patch: takesPatches = false }: { patch?: boolean } = {}) {
  const records = new Map<string, StoredRecord>();
  const queue: { fault: RemoteFault; method?: 'GET' | 'PUT'; key?: string }[] = [];
  let down = false;
  let latencyMs = 0;
  let uniq = 0;
  /** Idempotency-Key → every different body accepted under it: what `log.applied` counts. */
  const accepted = new Map<string, Set<string>>();
  function countAccepted(idempotencyKey: string | undefined, data: string): void {
    if (!idempotencyKey) return;
    const bodies = accepted.get(idempotencyKey) ?? new Set<string>();
    bodies.add(data);
    accepted.set(idempotencyKey, bodies);
    log.applied.set(idempotencyKey, bodies.size);
  }
  const log: ServerLog = {
    writes: 0,
    replays: 0,
    applied: new Map(),
    reusedForOtherData: [],
    faults: { drop: 0, status: 0, slow: 0, lostReply: 0, garbage: 0, down: 0 },
    history: [],
    requests: [],
  };

  function get(key: string): Answer {
    const record = records.get(key);
    if (!record) return json(404, { error: `there is no document at ${JSON.stringify(key)}` });
    return json(200, { version: record.version, data: JSON.parse(record.json) }, { etag: `"${record.version}"` });
  }

  function put(key: string, headers: Headers, body: string): Answer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return json(400, { error: 'the body is not JSON' });
    }
    if (typeof parsed !== 'object' || parsed === null || !('data' in parsed)) return json(400, { error: 'send { "data": … }' });
    const data = JSON.stringify((parsed as { data: unknown }).data);
    const current = records.get(key);
    const idempotencyKey = headers.get('idempotency-key') ?? undefined;
    const seen = idempotencyKey ? current?.applied.get(idempotencyKey) : undefined;
    if (idempotencyKey && seen) {
      log.replays++;
      if (seen.json !== data) log.reusedForOtherData.push(idempotencyKey);
      countAccepted(idempotencyKey, data);
      return json(200, { version: seen.version });
    }
    const ifMatch = headers.get('if-match');
    const ifNoneMatch = headers.get('if-none-match');
    if (ifMatch === null && ifNoneMatch === null) return json(428, { error: 'a PUT needs If-Match or If-None-Match' });
    const tag = ifMatch?.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
    if (ifMatch !== null && !current) return json(404, { error: `there is no document at ${JSON.stringify(key)}` });
    const conflict = (ifMatch !== null && tag !== '*' && tag !== current!.version) || (ifNoneMatch !== null && current !== undefined);
    if (conflict) return json(412, { version: current!.version, data: JSON.parse(current!.json) }, { etag: `"${current!.version}"` });
    const counter = (current?.counter ?? 0) + 1;
    const version = `${counter}-${(++uniq).toString(36)}`;
    const applied = current?.applied ?? new Map();
    if (idempotencyKey) applied.set(idempotencyKey, { version, json: data });
    countAccepted(idempotencyKey, data);
    records.set(key, { counter, version, json: data, applied });
    log.history.push({ key, version, data: JSON.parse(data), idempotencyKey });
    log.writes++;
    return json(200, { version }, { etag: `"${version}"` });
  }

  /**
   * With `patch: true`: a JSON Patch from the version If-Match names, applied
   * by the server's own code; the result is stored as a PUT's copy would be.
   */
  function patch(key: string, headers: Headers, body: string): Answer {
    const current = records.get(key);
    const idempotencyKey = headers.get('idempotency-key') ?? undefined;
    const seen = idempotencyKey ? current?.applied.get(idempotencyKey) : undefined;
    if (idempotencyKey && seen) {
      log.replays++;
      countAccepted(idempotencyKey, seen.json);
      return json(200, { version: seen.version });
    }
    const tag = headers.get('if-match')?.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
    if (!tag || tag === '*') return json(428, { error: 'a PATCH needs If-Match' });
    if (!current) return json(404, { error: `there is no document at ${JSON.stringify(key)}` });
    if (tag !== current.version) return json(412, { version: current.version, data: JSON.parse(current.json) }, { etag: `"${current.version}"` });
    let checked;
    try {
      checked = checkPatch(JSON.parse(body), 10_000);
    } catch {
      return json(400, { error: 'the body is not JSON' });
    }
    if (checked.status !== 'ok') return json(422, { error: checked.error, patch: 'invalid' });
    const applied = applyPatch(current.json, checked.operations, 1e9);
    if (applied.status !== 'ok') return json(409, { error: applied.error });
    const headersOfPut = new Headers({ 'if-match': `"${current.version}"` });
    if (idempotencyKey) headersOfPut.set('idempotency-key', idempotencyKey);
    return put(key, headersOfPut, JSON.stringify({ data: applied.data }));
  }

  function handle(method: string, key: string, headers: Headers, body: string): Answer {
    if (method === 'GET' && key === '_capabilities' && takesPatches) return json(200, { protocol: 1, patch: true, gzip: false, live: false });
    if (method === 'GET') return get(key);
    if (method === 'PUT') return put(key, headers, body);
    if (method === 'PATCH' && takesPatches) return patch(key, headers, body);
    return json(405, { error: `${method} is not supported` });
  }

  /** Waits `ms` on the fake clock, or rejects as fetch does when the request is aborted meanwhile. */
  function travel(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(aborted(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  function takeFault(method: string, key: string): RemoteFault | undefined {
    // A fault meant for a push meets a PATCH as it would a PUT.
    const as = method === 'PATCH' ? 'PUT' : method;
    const index = queue.findIndex((q) => (!q.method || q.method === as) && (!q.key || q.key === key));
    return index === -1 ? undefined : queue.splice(index, 1)[0].fault;
  }

  /** A `fetch` that reaches this server; requests of a killed session hang, as a closed tab's would. */
  function fetchFor(session: { killed: boolean } = { killed: false }): typeof fetch {
    return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const signal = init.signal;
      const method = (init.method ?? 'GET').toUpperCase();
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const key = keyOf(url);
      const headers = new Headers(init.headers);
      const body = typeof init.body === 'string' ? init.body : '';
      const idempotencyKey = headers.get('idempotency-key') ?? undefined;
      const at = Date.now();
      const record = (outcome: number | FaultKind) => log.requests.push({ method, key, url, outcome, idempotencyKey, at });
      if (session.killed) return new Promise<Response>(() => {});
      if (signal?.aborted) throw aborted(signal);
      // The request travels: whatever happens next happens after this tick,
      // and half the latency (on the fake clock) each way.
      await Promise.resolve();
      const latency = latencyMs;
      await travel(latency / 2, signal);
      if (session.killed) return new Promise<Response>(() => {});
      if (down) {
        log.faults.down++;
        record('down');
        throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:443') });
      }
      const fault = takeFault(method, key);
      if (fault) {
        log.faults[fault.kind]++;
        record(fault.kind);
      }
      switch (fault?.kind) {
        case 'drop':
          throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
        case 'slow':
          return new Promise<Response>((_resolve, reject) => {
            signal?.addEventListener('abort', () => reject(aborted(signal)), { once: true });
          });
        case 'lostReply':
          handle(method, key, headers, body);
          throw new TypeError('fetch failed', { cause: new Error('other side closed') });
        case 'status':
          return new Response(fault.body ?? JSON.stringify({ error: `status ${fault.status}` }), {
            status: fault.status,
            headers: { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) },
          });
        case 'garbage':
          return new Response(fault.body, { status: fault.status ?? 200, headers: { 'content-type': fault.contentType ?? 'text/html' } });
        default: {
          const answer = handle(method, key, headers, body);
          record(answer.status);
          await travel(latency / 2, signal);
          // A closed tab never hears the answer of what the server applied.
          if (session.killed) return new Promise<Response>(() => {});
          return new Response(answer.body, { status: answer.status, headers: answer.headers });
        }
      }
    }) as typeof fetch;
  }

  return {
    log,
    /** The document the server holds at `key`, parsed, or undefined. */
    document(key: string): { version: string; data: unknown } | undefined {
      const record = records.get(key);
      return record && { version: record.version, data: JSON.parse(record.json) };
    },
    keys: () => [...records.keys()],
    /** Drops every document and the log of what was applied, as a wiped server would. */
    forgetAll() {
      records.clear();
      accepted.clear();
      log.applied.clear();
      log.requests.length = 0;
      log.history.length = 0;
    },
    get down() {
      return down;
    },
    /** How long a request and its answer take together, on the fake clock (0 by default). */
    get latencyMs() {
      return latencyMs;
    },
    set latencyMs(value: number) {
      latencyMs = value;
    },
    set down(value: boolean) {
      down = value;
    },
    /** Queues a one-shot fault for the next request (of that method, to that key, when given). */
    inject(fault: RemoteFault, where: { method?: 'GET' | 'PUT'; key?: string } = {}) {
      queue.push({ fault, ...where });
    },
    /** Drops the faults still queued. */
    heal() {
      queue.length = 0;
      down = false;
      latencyMs = 0;
    },
    pendingFaults: () => queue.length,
    fetchFor,
    /** The real `httpRemote`, talking to this server through `fetchFor(session)`. */
    remote(options: Partial<HttpRemoteOptions> & { session?: { killed: boolean } } = {}): RemoteAdapter {
      const { session, ...rest } = options;
      // With patches on, even the tests' small documents go as patches.
      return httpRemote({ url: 'https://sync.test/api/autosave', timeoutMs: 5000, ...(takesPatches ? { patchFromBytes: 0 } : {}), ...rest, fetch: fetchFor(session) });
    },
    /** Writes a document as another client would, bypassing any fault. */
    write(key: string, data: unknown): string {
      const current = records.get(key);
      const headers = new Headers(current ? { 'if-match': `"${current.version}"` } : { 'if-none-match': '*' });
      const answer = put(key, headers, JSON.stringify({ data }));
      return (JSON.parse(answer.body) as { version: string }).version;
    },
  };
}

export type FaultyServer = ReturnType<typeof createFaultyServer>;
