// The server benchmark: requests/s and p50/p99 of GET and PUT, 1 KB and
// 500 KB documents, 1 and 16 clients, on the file, Postgres and Redis stores,
// with the server's memory before and after; then 500 watchers on one process
// and 100 writes/s: the time from a PUT's 200 to its event, and memory per stream.
//   npm run bench:server [-- --quick]
// Loopback only; every loop is bounded in count and time.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(3).toString('hex');
const USERS = quick ? 50 : 500;
const tokens = Object.fromEntries(Array.from({ length: USERS }, (_, n) => [`bench-token-${run}-${String(n).padStart(4, '0')}`, `bench:${run}:user:${n}`]));
const tokenList = Object.keys(tokens);

function startServer(store) {
  const child = spawn(process.execPath, ['--expose-gc', join(here, 'serve.mjs'), store, JSON.stringify(tokens)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const waiters = [];
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      for (const m of String(chunk).matchAll(/^rss (\d+) heap (\d+)$/gm)) waiters.shift()?.({ rss: Number(m[1]), heap: Number(m[2]) });
      const url = /^url (\S+)$/m.exec(out)?.[1];
      if (url && !child.url) resolve(Object.assign(child, { url, memory: () => new Promise((done) => (waiters.push(done), child.kill('SIGUSR2'))) }));
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function call(url, method, token, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(url, { method, agent, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

/** `clients` loops, each on its own key and user, each making `count` requests. */
async function measure(server, op, bytes, clients, count) {
  const data = JSON.stringify({ data: { pad: 'x'.repeat(bytes - 12) } });
  const keys = await Promise.all(Array.from({ length: clients }, async (_, c) => {
    const token = tokenList[c % tokenList.length];
    const key = `${server.url}/bench%3A${run}-${op}-${bytes}-${clients}-${c}`;
    const created = await call(key, 'PUT', token, { 'content-type': 'application/json', 'if-none-match': '*' }, data);
    return { token, key, version: JSON.parse(created.text).version };
  }));
  const times = [];
  const started = performance.now();
  await Promise.all(keys.map(async (k) => {
    for (let n = 0; n < count; n++) {
      const answer = op === 'GET' ? await call(k.key, 'GET', k.token) : await call(k.key, 'PUT', k.token, { 'content-type': 'application/json', 'if-match': `"${k.version}"` }, data);
      if (answer.status !== 200) throw new Error(`${op} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
      if (op === 'PUT') k.version = JSON.parse(answer.text).version;
      times.push(answer.ms);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return { perSecond: times.length / seconds, p50: pct(times, 50), p99: pct(times, 99) };
}

/** 500 watchers (one per user), writes at `rate`/s spread over the users: PUT-200-to-event latency. */
async function watchers(server, rate, seconds) {
  const before = await server.memory();
  const seenAt = new Map();
  const streams = await Promise.all(tokenList.map(async (token) => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/_changes`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true }));
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (const m of buffer.matchAll(/"version":"([^"]+)"/g)) if (!seenAt.has(m[1])) seenAt.set(m[1], performance.now());
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 1);
      }
    })();
    return controller;
  }));
  // Every stream has said hello (its first bytes are in) before the streams' memory is read.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const open = await server.memory();
  const sent = [];
  const total = rate * seconds;
  const started = performance.now();
  const writes = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const token = tokenList[n % tokenList.length];
    writes.push(call(`${server.url}/live%3A${run}-${n}`, 'PUT', token, { 'content-type': 'application/json', 'if-none-match': '*' }, '{"data":1}').then((answer) => {
      sent.push({ version: JSON.parse(answer.text).version, at: performance.now() });
    }));
  }
  await Promise.all(writes);
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline && sent.some((s) => !seenAt.has(s.version))) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const controller of streams) controller.abort();
  const latencies = sent.filter((s) => seenAt.has(s.version)).map((s) => Math.max(0, seenAt.get(s.version) - s.at)).sort((a, b) => a - b);
  return { writes: sent.length, delivered: latencies.length, p50: pct(latencies, 50), p99: pct(latencies, 99), heapPerStreamKb: (open.heap - before.heap) / tokenList.length / 1024, rssPerStreamKb: (open.rss - before.rss) / tokenList.length / 1024, rssMb: open.rss / 1e6, heapMb: open.heap / 1e6 };
}

async function stop(server) {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
}

function reachable(kind, url) {
  const { hostname, port } = new URL(url);
  const probe = `const s=require('net').connect(${Number(port)},'${hostname}');s.setTimeout(1000,()=>process.exit(1));s.on('error',()=>process.exit(1));s.on('connect',()=>process.exit(0));`;
  const ok = spawnSync(process.execPath, ['-e', probe]).status === 0;
  if (!ok) console.log(`${kind}: not reachable at ${url}, left out`);
  return ok;
}

const stores = [['file', 'file']];
if (reachable('Postgres', DATABASE_URL)) stores.push(['Postgres', `${DATABASE_URL}${DATABASE_URL.includes('?') ? '&' : '?'}schema=bench_${run}`]);
if (reachable('Redis', REDIS_URL)) stores.push(['Redis', `${REDIS_URL}?prefix=bench-${run}:`]);
const count = (bytes, clients) => (quick ? 5 : bytes > 10_000 ? (clients > 1 ? 10 : 40) : clients > 1 ? 60 : 300);

console.log(`server benchmark${quick ? ' (--quick)' : ''}: loopback, ${USERS} users`);
console.log('| store | op | size | clients | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|');
for (const [name, spec] of stores) {
  const server = await startServer(spec);
  const before = (await server.memory()).rss;
  for (const bytes of [1_000, 500_000]) {
    for (const clients of [1, 16]) {
      for (const op of ['PUT', 'GET']) {
        const r = await measure(server, op, bytes, clients, count(bytes, clients));
        console.log(`| ${name} | ${op} | ${bytes / 1000} KB | ${clients} | ${fmt(r.perSecond)} | ${fmt(r.p50)} | ${fmt(r.p99)} |`);
      }
    }
  }
  const after = (await server.memory()).rss;
  console.log(`| ${name} | server RSS | | | before ${fmt(before / 1e6)} MB | after ${fmt(after / 1e6)} MB | |`);
  await stop(server);
  // The streams on a fresh process, so what they hold is not lost in what the requests above left.
  const watching = await startServer(spec);
  const live = await watchers(watching, quick ? 20 : 100, quick ? 2 : 10);
  console.log(`| ${name} | ${USERS} watchers, ${quick ? 20 : 100} writes/s | | | ${live.delivered}/${live.writes} events | PUT 200 → event p50 ${fmt(live.p50)} | p99 ${fmt(live.p99)} |`);
  console.log(`| ${name} | ${USERS} open streams' memory | | | heap ${fmt(live.heapMb)} MB, RSS ${fmt(live.rssMb)} MB | ${fmt(live.heapPerStreamKb)} KB heap per stream | ${fmt(live.rssPerStreamKb)} KB RSS per stream |`);
  await stop(watching);
}
agent.destroy();
