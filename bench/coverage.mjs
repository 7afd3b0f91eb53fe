// How much of the startup download a page runs: `node bench/coverage.mjs`
// (npm run size:coverage). Issue 14's startup budget is 5 KB gzip; splitting
// code into chunks loaded on first need can only take out code a page load
// does not run, so this measures that share, in Debian's Chromium.
//
// The page is a local-only app built as the size check builds one (esbuild,
// minified, code splitting, NODE_ENV=production), with RTK and zod bundled
// in: a store with one autosaved document and a `ui` slice, served from
// 127.0.0.1. V8's block coverage (through the DevTools protocol) is taken
// three times: after the store is created and the document loaded from real
// IndexedDB, after one edit is saved, and after the page hides (the
// page-close journal). Each figure is the code of redux-autosave's startup
// chunk that ran in that phase and not before, as minified bytes and as the
// gzip of that code alone; the source map shares each out per module.
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import { chromium } from 'playwright-core';
import { BUILD_DIR, ROOT } from './lib/build.mjs';
import { APP_BUILD, kb } from './lib/size.mjs';
import { table } from './lib/stats.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const DIR = join(BUILD_DIR, 'coverage');
const OUT = join(DIR, 'out');

const APP = `
import { configureStore, createSlice } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave } from '${join(ROOT, 'src', 'index.ts')}';

const Shot = z.object({ id: z.string(), prompt: z.string(), dialogue: z.array(z.object({ speaker: z.string(), line: z.string() })) });
const Project = z.object({ id: z.string(), title: z.string(), shots: z.array(Shot) });
const project = createSlice({
  name: 'project',
  initialState: { current: null },
  reducers: {
    loaded: (state, action) => { state.current = action.payload; },
    retitled: (state, action) => { state.current.title = action.payload; },
  },
});
const ui = createSlice({ name: 'ui', initialState: { tab: 0 }, reducers: { tabbed: (state) => { state.tab++; } } });
// With ?sync, a remote held in the page (the engine's code is measured, not a transport's).
const remoteDocs = new Map();
const remote = location.search === '?sync' ? {
  async pull(key) { return remoteDocs.get(key) ?? null; },
  async push(key, data, meta) {
    const current = remoteDocs.get(key);
    if ((current?.version ?? null) !== meta.baseVersion) return { ok: false, conflict: current };
    remoteDocs.set(key, { version: String(remoteDocs.size + 1) + ':' + Date.now(), data });
    return { ok: true, version: remoteDocs.get(key).version };
  },
} : undefined;
const autosave = createAutosave({
  remote,
  documents: { project: { select: (s) => s.project.current, schema: Project, restore: project.actions.loaded, debounceMs: 100 } },
});
const store = configureStore({
  reducer: { project: project.reducer, ui: ui.reducer, [autosave.reducerPath]: autosave.reducer },
  middleware: (gDM) => gDM().concat(autosave.middleware),
});
const status = () => store.getState()[autosave.reducerPath].documents['project:default']?.status;
const until = (ok) => new Promise((resolve) => { const check = () => (ok() ? resolve(status()) : setTimeout(check, 10)); check(); });
window.phases = {
  async seed() {
    await autosave.load('project');
    store.dispatch(project.actions.loaded({ id: 'p', title: 'first', shots: [{ id: 's1', prompt: 'a street', dialogue: [{ speaker: 'A', line: 'hi' }] }] }));
    await autosave.flush();
    return status();
  },
  async load() {
    const result = await autosave.load('project');
    store.dispatch(ui.actions.tabbed());
    return result.status + ' ' + status();
  },
  async save() {
    store.dispatch(project.actions.retitled('second'));
    return until(() => status() === 'saved' && store.getState().project.current.title === 'second');
  },
  async sync() {
    const result = await autosave.load('project');
    store.dispatch(project.actions.loaded({ id: 'p', title: 'synced', shots: [] }));
    await until(() => status() === 'saved' && remoteDocs.size === 1);
    return result.status + ' ' + status();
  },
  hide() {
    store.dispatch(project.actions.retitled('third'));
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
    return localStorage.length;
  },
};
`;

async function buildPage() {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'app.mjs'), APP);
  writeFileSync(join(DIR, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="out/app.js"></script>');
  const result = await build({
    ...APP_BUILD,
    entryPoints: [join(DIR, 'app.mjs')],
    outdir: OUT,
    sourcemap: 'external',
    metafile: true,
    logLevel: 'error',
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([out]) => out.endsWith('.js'));
  // redux-autosave's startup chunk: the chunk the app imports statically that holds src/createAutosave.ts.
  const [startup] = outputs.find(([, out]) => Object.keys(out.inputs).some((input) => input.endsWith('src/createAutosave.ts')));
  // Every output holding any of redux-autosave's modules, by its URL path.
  const chunks = new Map();
  for (const [out, meta] of outputs) {
    if (!Object.keys(meta.inputs).some((input) => input.includes('src/'))) continue;
    const file = join(ROOT, out);
    const source = readFileSync(file, 'utf8');
    chunks.set(`/out/${relative(OUT, file)}`, { file: relative(ROOT, file), source, modules: modulesOf(file, source) });
  }
  return { startup: `/out/${relative(OUT, join(ROOT, startup))}`, chunks };
}

function serve() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };
  const server = createServer((request, response) => {
    const path = join(DIR, new URL(request.url, 'http://x').pathname === '/' ? 'index.html' : new URL(request.url, 'http://x').pathname);
    if (!path.startsWith(DIR) || !existsSync(path)) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Which characters of the script ran in a coverage snapshot: nested ranges override the ones around them. */
function ranOf(entry, length) {
  const ran = new Uint8Array(length);
  const functions = [...entry.functions].sort((a, b) => a.ranges[0].startOffset - b.ranges[0].startOffset || b.ranges[0].endOffset - a.ranges[0].endOffset);
  for (const fn of functions) for (const range of fn.ranges) ran.fill(range.count > 0 ? 1 : 0, range.startOffset, range.endOffset);
  return ran;
}

/** The source module of each character of the chunk, from its source map. */
function modulesOf(file, source) {
  const map = new TraceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  const of = new Array(source.length).fill('(chunk glue)');
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  decodedMappings(map).forEach((segments, line) => {
    for (let s = 0; s < segments.length; s++) {
      const [column, sourceIndex] = segments[s];
      const end = s + 1 < segments.length ? segments[s + 1][0] : (lineStarts[line + 1] ?? source.length + 1) - 1;
      const name = sourceIndex === undefined ? '(chunk glue)' : relative(ROOT, join(DIR, 'out', map.sources[sourceIndex])).replace(/\\/g, '/');
      of.fill(name, lineStarts[line] + column, lineStarts[line] + end);
    }
  });
  return of;
}

const gzip = (text) => (text.length === 0 ? 0 : gzipSync(text, { level: 9 }).length);

/** Starts V8's block coverage on a new page; `take()` gives, per chunk of ours, which characters ran since the last take. */
async function covered(context, chunks) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  const take = async () => {
    const { result } = await cdp.send('Profiler.takePreciseCoverage');
    const ran = new Map();
    for (const [path, chunk] of chunks) {
      const entry = result.find((script) => script.url.endsWith(path));
      ran.set(path, entry ? ranOf(entry, chunk.source.length) : new Uint8Array(chunk.source.length));
    }
    return ran;
  };
  return { page, take };
}

async function started(page, url, errors) {
  await page.goto(url);
  await page.waitForFunction(() => window.phases !== undefined, undefined, { timeout: 10_000 }).catch((error) => {
    throw new Error(`coverage: the page did not start: ${errors.join('; ') || error.message}`);
  });
}

export async function measureCoverage() {
  const { startup, chunks } = await buildPage();
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const errors = [];
  const expect = (what, got, want) => {
    if (got !== want) throw new Error(`coverage: ${what} says ${JSON.stringify(got)}, not ${JSON.stringify(want)}${errors.length ? ` (${errors.join('; ')})` : ''}`);
  };
  try {
    // A first page stores the document, so the measured page loads one.
    const context = await browser.newContext();
    context.on('weberror', (error) => errors.push(error.error().message));
    const first = await context.newPage();
    await started(first, url, errors);
    expect('the seeding page', await first.evaluate(() => window.phases.seed()), 'saved');
    await first.close();

    const local = await covered(context, chunks);
    await started(local.page, url, errors);
    expect("the page's load", await local.page.evaluate(() => window.phases.load()), 'loaded saved');
    const phases = [['store created, document loaded, one ui action', await local.take()]];
    expect("the edit's save", await local.page.evaluate(() => window.phases.save()), 'saved');
    phases.push(['first edit saved', await local.take()]);
    expect('pagehide: journal entries', await local.page.evaluate(() => window.phases.hide()), 1);
    phases.push(['page hidden with an unsaved edit (the journal, and the flush it starts)', await local.take()]);

    // A page with a remote, on fresh storage: load (a pull), a first copy saved and pushed.
    const syncing = await browser.newContext();
    syncing.on('weberror', (error) => errors.push(error.error().message));
    const synced = await covered(syncing, chunks);
    await started(synced.page, `${url}?sync`, errors);
    expect('the page with a remote', await synced.page.evaluate(() => window.phases.sync()), 'missing saved');
    const sync = await synced.take();
    return { startup, chunks, phases, sync };
  } finally {
    await browser.close();
    server.close();
  }
}

/** Whether character `i` of a chunk is redux-autosave's own code (the page bundles RTK and zod too). */
const own = (chunk, i) => chunk.modules[i].startsWith('src/');

/** Per chunk, the own code that ran (in any of the snapshots): minified bytes and each chunk's gzip alone, summed. */
function ranAcross(chunks, snapshots) {
  let bytes = 0;
  let zipped = 0;
  for (const [path, chunk] of chunks) {
    let text = '';
    for (let i = 0; i < chunk.source.length; i++) if (own(chunk, i) && snapshots.some((ran) => ran.get(path)[i])) text += chunk.source[i];
    bytes += text.length;
    zipped += gzip(text);
  }
  return [String(bytes), kb(zipped)];
}

export function coverageReport({ startup, chunks, phases, sync }) {
  const chunk = chunks.get(startup);
  const { source, modules } = chunk;
  const seen = new Uint8Array(source.length);
  const rows = [];
  const perModule = new Map();
  const countsOf = (module) => perModule.get(module) ?? perModule.set(module, { phases: phases.map(() => 0), never: 0 }).get(module);
  let whole = '';
  for (let i = 0; i < source.length; i++) if (own(chunk, i)) whole += source[i];
  for (const [name, snapshot] of phases) {
    const ran = snapshot.get(startup);
    let text = '';
    for (let i = 0; i < source.length; i++) {
      if (!own(chunk, i) || !ran[i] || seen[i]) continue;
      seen[i] = 1;
      text += source[i];
      countsOf(modules[i]).phases[rows.length]++;
    }
    rows.push([name, String(text.length), kb(gzip(text))]);
  }
  let never = '';
  for (let i = 0; i < source.length; i++) {
    if (!own(chunk, i) || seen[i]) continue;
    never += source[i];
    countsOf(modules[i]).never++;
  }
  rows.push(['not run in any of these', String(never.length), kb(gzip(never))]);
  rows.push(['all of it', String(whole.length), kb(gzip(whole))]);

  const everything = [...chunks].map(([path, c]) => [path, new Map([...chunks].map(([p]) => [p, p === path ? c.source.split('').map((_, i) => (own(c, i) ? 1 : 0)) : []]))]);
  const allOwn = ranAcross(chunks, everything.map(([, ran]) => ran));
  const lines = [
    `redux-autosave's startup code (its modules in ${chunk.file}), in Chromium: the code each phase ran for the first time, minified, and gzipped alone.`,
    '',
    table(['phase', 'bytes', 'gzip'], rows, 'lrr'),
    '',
    'Phase 1 is code a page runs before it can show its document: however the code is split, it is downloaded at start,',
    'so its gzip is the least a startup download can be for this code (the journal, which a closing page cannot wait for, comes on top).',
    '',
    `All of redux-autosave's chunks in this build (${chunks.size}), each chunk's code that ran gzipped alone and summed, as the size check sums all own chunks:`,
    '',
    table(
      ['page', 'bytes run', 'gzip'],
      [
        ['local-only: the three phases above', ...ranAcross(chunks, phases.map(([, ran]) => ran))],
        ['with a remote (held in the page), fresh storage: load, a first copy saved and pushed', ...ranAcross(chunks, [sync])],
        ['both pages', ...ranAcross(chunks, [...phases.map(([, ran]) => ran), sync])],
        ['all of it', ...allOwn],
      ],
      'lrr',
    ),
    '',
    'Per module of the startup chunk, minified bytes first run in each phase, and never run:',
    '',
    table(
      ['module', ...phases.map((_, i) => `phase ${i + 1}`), 'never'],
      [...perModule].filter(([module]) => module.startsWith('src/')).sort((a, b) => b[1].phases[0] - a[1].phases[0]).map(([module, counts]) => [module, ...counts.phases.map(String), String(counts.never)]),
      'l' + 'r'.repeat(phases.length + 1),
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  if (!existsSync(CHROMIUM)) {
    console.error(`coverage: no Chromium at ${CHROMIUM}; install Debian's (apt-get install -y chromium) or set CHROMIUM`);
    process.exit(1);
  }
  console.log(coverageReport(await measureCoverage()));
}
