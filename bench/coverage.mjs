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
const autosave = createAutosave({
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
  writeFileSync(join(OUT, '..', 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="out/app.js"></script>');
  const result = await build({
    ...APP_BUILD,
    entryPoints: [join(DIR, 'app.mjs')],
    outdir: OUT,
    sourcemap: 'external',
    metafile: true,
    logLevel: 'error',
  });
  // redux-autosave's startup chunk: the chunk the app imports statically that holds src/createAutosave.ts.
  const [chunk] = Object.entries(result.metafile.outputs).find(([, out]) => Object.keys(out.inputs).some((input) => input.endsWith('src/createAutosave.ts')));
  return join(ROOT, chunk);
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

export async function measureCoverage() {
  const file = await buildPage();
  const source = readFileSync(file, 'utf8');
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    // A first page stores the document, so the measured page loads one.
    const seeding = await browser.newContext();
    const first = await seeding.newPage();
    const errors = [];
    seeding.on('weberror', (error) => errors.push(error.error().message));
    const context = seeding;
    await first.goto(url);
    await first.waitForFunction(() => window.phases !== undefined, undefined, { timeout: 10_000 }).catch((error) => {
      throw new Error(`coverage: the page did not start: ${errors.join('; ') || error.message}`);
    });
    const seeded = await first.evaluate(() => window.phases.seed());
    if (seeded !== 'saved') throw new Error(`coverage: the seeding page says ${seeded}, not saved`);
    await first.close();

    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    const snapshot = async () => {
      const { result } = await cdp.send('Profiler.takePreciseCoverage');
      const entry = result.find((script) => script.url.endsWith(`/out/${relative(OUT, file)}`));
      return entry ? ranOf(entry, source.length) : new Uint8Array(source.length);
    };
    await page.goto(url);
    await page.waitForFunction(() => window.phases !== undefined);
    const loaded = await page.evaluate(() => window.phases.load());
    if (loaded !== 'loaded saved') throw new Error(`coverage: the page's load says ${loaded}, not "loaded saved"`);
    const phases = [['store created, document loaded, one ui action', await snapshot()]];
    const saved = await page.evaluate(() => window.phases.save());
    if (saved !== 'saved') throw new Error(`coverage: the edit's save says ${saved}`);
    phases.push(['first edit saved', await snapshot()]);
    const journaled = await page.evaluate(() => window.phases.hide());
    if (journaled !== 1) throw new Error(`coverage: pagehide journaled ${journaled} entries, not 1`);
    phases.push(['page hidden with an unsaved edit (the journal, and the flush it starts)', await snapshot()]);
    return { file: relative(ROOT, file), source, modules: modulesOf(file, source), phases };
  } finally {
    await browser.close();
    server.close();
  }
}

export function coverageReport({ file, source, modules, phases }) {
  const seen = new Uint8Array(source.length);
  const rows = [];
  const perModule = new Map();
  // Only redux-autosave's own code: the page bundles RTK and zod into the same chunk.
  const own = (i) => modules[i].startsWith('src/');
  let whole = '';
  for (let i = 0; i < source.length; i++) if (own(i)) whole += source[i];
  for (const [name, ran] of phases) {
    let text = '';
    for (let i = 0; i < source.length; i++) {
      if (!own(i) || !ran[i] || seen[i]) continue;
      seen[i] = 1;
      text += source[i];
      const counts = perModule.get(modules[i]) ?? perModule.set(modules[i], { phases: phases.map(() => 0), never: 0 }).get(modules[i]);
      counts.phases[rows.length]++;
    }
    rows.push([name, String(text.length), kb(gzip(text))]);
  }
  let never = '';
  for (let i = 0; i < source.length; i++) {
    if (!own(i) || seen[i]) continue;
    never += source[i];
    const counts = perModule.get(modules[i]) ?? perModule.set(modules[i], { phases: phases.map(() => 0), never: 0 }).get(modules[i]);
    counts.never++;
  }
  rows.push(['not run in any of these', String(never.length), kb(gzip(never))]);

  rows.push(['all of it', String(whole.length), kb(gzip(whole))]);
  const lines = [
    `redux-autosave's startup code (its modules in ${file}), in Chromium: the code each phase ran for the first time, minified, and gzipped alone.`,
    '',
    table(['phase', 'bytes', 'gzip'], rows, 'lrr'),
    '',
    'Phase 1 is code a page runs before it can show its document: however the code is split, it is downloaded at start,',
    'so its gzip is the least a startup download can be for this code (the journal, which a closing page cannot wait for, comes on top).',
    '',
    'Per module, minified bytes first run in each phase, and never run:',
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
