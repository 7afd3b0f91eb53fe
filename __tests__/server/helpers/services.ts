import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

/**
 * The databases the store tests run on. CI sets REQUIRE_SERVICES=1: there a
 * database that cannot be reached fails the suite instead of being replaced
 * (Postgres) or left out (Redis).
 */
export const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A name no other test file (or jest worker) uses: a schema or a key prefix of its own. */
export function uniqueName(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

export interface TestPostgres {
  /** A URL any process on this machine can connect to. */
  url: string;
  /** Where it came from: the real server, or the embedded one. */
  kind: 'postgres' | 'pglite';
  pool: Pool;
  close(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const probe = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 2_000 });
  probe.on('error', () => {});
  try {
    await probe.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await probe.end().catch(() => {});
  }
}

/**
 * The Postgres at DATABASE_URL, or else an embedded one (PGlite behind a
 * socket server, so the store's `pg` code runs as it does against a real
 * server). PGlite runs one query at a time: concurrent transactions queue.
 */
export async function startPostgres(): Promise<TestPostgres> {
  if (await reachable(DATABASE_URL)) {
    const pool = new Pool({ connectionString: DATABASE_URL, max: 10 });
    pool.on('error', () => {});
    return { url: DATABASE_URL, kind: 'postgres', pool, close: () => pool.end() };
  }
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 and no Postgres answers at ${DATABASE_URL}: start it, or set DATABASE_URL`);
  const child = spawn(process.execPath, [join(__dirname, 'pgliteServer.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /listening (\S+)/.exec(out);
      if (found) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`the embedded Postgres (PGlite) exited (${code}) before listening`)));
  });
  const url = `postgres://postgres@${address}/postgres`;
  const pool = new Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});
  return {
    url,
    kind: 'pglite',
    pool,
    async close() {
      await pool.end();
      child.stdin!.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/**
 * Whether Redis answers at REDIS_URL, asked synchronously (a test file
 * decides at load time which suites it has): a child process sends PING.
 */
export function redisAnswers(url = REDIS_URL): { ok: true } | { ok: false; reason: string } {
  const { hostname, port } = new URL(url);
  const script = `const s=require('net').connect(${Number(port) || 6379},${JSON.stringify(hostname || '127.0.0.1')});s.setTimeout(1500,()=>process.exit(2));s.on('error',e=>{console.log(e.code||e.message);process.exit(1)});s.on('connect',()=>s.write('PING\\r\\n'));s.on('data',d=>process.exit(String(d).startsWith('+PONG')?0:3));`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 5_000 });
  if (result.status === 0) return { ok: true };
  return { ok: false, reason: result.status === 2 ? 'no answer within 1.5 s' : result.stdout.trim() || `exit ${result.status}` };
}
