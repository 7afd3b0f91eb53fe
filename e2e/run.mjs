// Browser tests of the dashboard example: Debian's Chromium, driven by
// playwright-core, against the servers `npm start` runs — the app and
// `redux-autosave/server` with bearer tokens — started here on free
// 127.0.0.1 ports, a fresh pair per scenario. A scenario's pages are
// browsers of their own (`t.open`) or tabs of one browser (`t.tab`). Every
// scenario saves a screenshot to test-results/, and a failing one a screenshot
// of each of its pages at the moment it failed; `t.note` lines are printed
// under its result. Ends with `e2e: N passed, N failed`.
//
//   npm run test:e2e            build, then run all
//   node e2e/run.mjs --no-build  reuse dist/ and examples/dashboard/dist/
//   node e2e/run.mjs offline     only scenarios whose name contains "offline"
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildDashboard, startDashboard } from '../examples/dashboard/serve.mjs';
import { scenarios } from './scenarios.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const results = join(root, 'test-results');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const only = args.filter((arg) => !arg.startsWith('--'));

if (!existsSync(CHROMIUM)) {
  console.error(`e2e: no Chromium at ${CHROMIUM}; install Debian's (apt-get install -y chromium) or set CHROMIUM`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}

if (!args.includes('--no-build')) {
  const started = Date.now();
  await buildDashboard({ quiet: true });
  console.log(`e2e: built the package and the dashboard in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await mkdir(results, { recursive: true });
for (const file of await readdir(results)) if (file.startsWith('e2e-')) await rm(join(results, file));

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

// Every push (PUT, or PATCH for a delta push) a page's requests got an answer to, and who waits for one.
const pushes = new WeakMap();
function watchPushes(page) {
  const log = { seen: [], waiting: new Set() };
  pushes.set(page, log);
  page.on('response', (response) => {
    const request = response.request();
    if (request.method() !== 'PUT' && request.method() !== 'PATCH') return;
    // A gzipped body (over 8 KB, for a server that takes gzip) is read as the server reads it.
    const raw = request.postDataBuffer();
    const zipped = request.headers()['content-encoding'] === 'gzip';
    const push = { url: response.url(), status: response.status(), body: raw ? (zipped ? gunzipSync(raw) : raw).toString() : '' };
    log.seen.push(push);
    for (const waiter of log.waiting) waiter(push);
  });
}
function pushedBy(page, url, text, timeoutMs = 20_000) {
  const log = pushes.get(page);
  const matches = (push) => push.url === url && push.status === 200 && push.body.includes(text);
  if (log.seen.some(matches)) return Promise.resolve();
  return new Promise((resolvePush, reject) => {
    const timer = setTimeout(() => {
      log.waiting.delete(waiter);
      reject(new Error(`no PUT or PATCH ${url} holding ${JSON.stringify(text)} was answered 200 within ${timeoutMs} ms; seen: ${JSON.stringify(log.seen.map((p) => [p.url, p.status]))}`));
    }, timeoutMs);
    const waiter = (push) => {
      if (!matches(push)) return;
      clearTimeout(timer);
      log.waiting.delete(waiter);
      resolvePush();
    };
    log.waiting.add(waiter);
  });
}

// Scenarios with `services: ['postgres']` run their sync servers on a schema
// of their own in the Postgres at DATABASE_URL, dropped afterwards. Where none
// answers they are skipped with a line saying so — unless REQUIRE_SERVICES=1
// (CI), where that is a failure.
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
async function withPostgres(run) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 and no Postgres answers at ${DATABASE_URL}: ${error.message}`);
    return 'skipped';
  }
  const schema = `e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const store = new URL(DATABASE_URL);
  store.searchParams.set('schema', schema);
  try {
    return await run(store.toString());
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await client.end();
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const selected = scenarios.filter((s) => only.length === 0 || only.some((word) => s.name.toLowerCase().includes(word.toLowerCase())));
for (const scenario of selected) {
  const number = scenarios.indexOf(scenario) + 1;
  if (scenario.services?.includes('postgres')) {
    const outcome = await withPostgres((store) => runScenario(scenario, number, { store })).catch((error) => {
      failed++;
      console.log(`✗ ${number}. ${scenario.name}\n    ${error.message}`);
    });
    if (outcome === 'skipped') {
      skipped++;
      console.log(`- ${number}. ${scenario.name}: skipped, it needs PostgreSQL and none answers at ${DATABASE_URL} (CI runs it)`);
    }
  } else {
    await runScenario(scenario, number, {});
  }
}

/** One scenario on servers of its own (`extra`: startDashboard's options for it); counts it passed or failed. */
async function runScenario(scenario, number, extra) {
  const dir = await mkdtemp(join(tmpdir(), 'redux-autosave-e2e-'));
  const servers = await startDashboard({ port: 0, syncPort: 0, syncDir: dir, ...scenario.dashboard, ...extra });
  const pages = [];
  const contexts = [];
  const pageErrors = [];
  const notes = [];
  /** A new page of `context` on the app, once the app shows its first project. */
  async function openPage(context, query) {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error));
    watchPushes(page);
    pages.push(page);
    await page.goto(servers.url + query);
    await page.waitForSelector('html[data-ready="true"]');
    return page;
  }
  const t = {
    servers,
    /** A new browser context (its own IndexedDB) with one page on the app. */
    async open(query = '') {
      const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
      contexts.push(context);
      return openPage(context, query);
    },
    /**
     * Another tab next to `page`: a page of the same browser context, so the
     * two share IndexedDB, BroadcastChannel and Web Locks.
     */
    tab: (page, query = '') => openPage(page.context(), query),
    /** Resolves once `page` has had a PUT or PATCH of `key` answered 200 whose body holds `text` (before now or later). */
    pushed: (page, key, text = '') => pushedBy(page, `${servers.syncUrl}/${encodeURIComponent(key)}`, text),
    /** The document the sync server holds at `key` for `user` (the app's default user unless given), or null. */
    async onServer(key, user = 'demo') {
      const answer = await fetch(`${servers.syncUrl}/${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${servers.tokenFor(user)}` } });
      return answer.status === 404 ? null : (await answer.json()).data;
    },
    async close(page) {
      await page.context().close();
    },
    /** A line printed under the scenario's result: a timing, what a step found. */
    note(line) {
      notes.push(line);
    },
    async screenshot(page, label) {
      await page.screenshot({ path: join(results, `e2e-${number}-${label}.png`) });
    },
  };
  const started = Date.now();
  try {
    await scenario.run(t);
    if (pageErrors.length > 0) throw new Error(`the page threw: ${pageErrors.map((e) => e.message).join('; ')}`);
    passed++;
    console.log(`✓ ${number}. ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const line of notes) console.log(`    ${line}`);
  } catch (error) {
    failed++;
    console.log(`✗ ${number}. ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const line of notes) console.log(`    ${line}`);
    console.log(String(error?.stack ?? error).replace(/^/gm, '    '));
    for (const [i, page] of pages.entries()) {
      await page
        .screenshot({ path: join(results, `e2e-${number}-failed-page${i + 1}.png`) })
        .catch(() => {});
    }
  } finally {
    await Promise.all(contexts.map((context) => context.close().catch(() => {})));
    await servers.close();
    await rm(dir, { recursive: true, force: true });
  }
}
await browser.close();

if (skipped > 0) console.log(`e2e: ${skipped} skipped for want of a service`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
