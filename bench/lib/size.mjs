import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUILD_DIR, ROOT } from './build.mjs';

/** 1 KB = 1000 bytes, as size-limit and bundlephobia count. */
export const KB = 1000;

/** Issue 14's budgets, and the React entry's: gzip bytes, each chunk gzipped alone. */
export const BUDGETS = { startup: 5 * KB, allOwn: 12 * KB, react: 1.5 * KB };

// What an app's bundler leaves to the app: the peers every contender shares.
const EXTERNAL = ['@reduxjs/toolkit', 'redux', 'react', 'react-dom', 'react-redux', 'zod', 'zod/*'];

const posix = (path) => path.replace(/\\/g, '/');

function indexExports(srcDir, name) {
  return new RegExp(`export\\s*{[^}]*\\b${name}\\b`).test(readFileSync(join(srcDir, 'index.ts'), 'utf8'));
}

/** Names a lazy chunk by what is in it: a package, the sync engine, or our own code. */
function chunkKind(inputs) {
  if (inputs.some((input) => /(^|\/)src\/sync\//.test(input))) return 'sync';
  const pkg = inputs.map((input) => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]).find(Boolean);
  return pkg ?? 'own';
}

/**
 * The bundles compared: each library's persistence API as its quick start
 * imports it. redux-autosave's rows come from `srcDir` (this checkout's
 * src/, or a baseline's) under `label`. A local-only app imports
 * `createAutosave` alone; an app with a remote adds `httpRemote` and loads the
 * sync engine at once (`counts`); the React entry is measured over the core.
 */
export function sizeEntries({ srcDir = join(ROOT, 'src'), label = 'redux-autosave', others = true } = {}) {
  const src = (path) => posix(join(srcDir, path));
  const core = `export { createAutosave } from '${src('index.ts')}';\n`;
  const react = ['react/index.ts', 'react/index.tsx'].find((name) => existsSync(join(srcDir, name)));
  const rows = [
    {
      name: label,
      what: 'createAutosave alone: a local-only app',
      code: core,
      own: srcDir,
      budgets: { startup: BUDGETS.startup, allOwn: BUDGETS.allOwn },
      // An app without a remote must not load sync code at start.
      forbid: /(^|\/)src\/sync\//,
    },
    {
      name: `${label} + httpRemote`,
      what: 'createAutosave and httpRemote: the sync engine loads at once',
      code: `export { createAutosave, httpRemote } from '${src('index.ts')}';\n`,
      own: srcDir,
      counts: ['sync'],
      budgets: {},
      missing: indexExports(srcDir, 'httpRemote') ? undefined : 'src/index.ts exports no httpRemote',
    },
    {
      name: `${label}/react`,
      what: 'the React entry, over the core',
      code: react ? `export * from '${src(react)}';\n` : '',
      own: srcDir,
      overCore: core,
      budgets: { startup: BUDGETS.react },
      missing: react ? undefined : 'no src/react/index.ts(x)',
    },
  ];
  if (!others) return rows;
  return [
    {
      name: 'redux-persist',
      what: 'persistReducer, persistStore, storage',
      code: "export { persistReducer, persistStore } from 'redux-persist';\nexport { default as storage } from 'redux-persist/lib/storage';\n",
      budgets: {},
    },
    {
      name: 'redux-remember',
      what: 'rememberReducer, rememberEnhancer',
      code: "export { rememberReducer, rememberEnhancer } from 'redux-remember';\n",
      budgets: {},
    },
    ...rows,
  ];
}

// Each chunk is gzipped alone and the sizes summed: an app served over
// HTTP/2 fetches every chunk as its own compressed response, so one chunk
// never shares a compression dictionary with another.
const gzipped = (buffer) => gzipSync(buffer, { level: 9 }).length;

const GLUE = '(chunk glue: imports, exports, esbuild helpers)';

/**
 * Where the bytes of some chunks go, per source module, for `--why`:
 * esbuild's metafile gives each module's minified bytes in each chunk; a
 * chunk's gzip size is shared out in proportion to them (gzip does not say
 * which input a compressed byte came from, so this is an estimate, but the
 * shares sum to the measured total). `splitting` is what gzipping the chunks
 * alone costs over gzipping them as one file: the price of the split.
 */
function breakdown(outs, outputs, contents) {
  const modules = new Map();
  const add = (name, minified, gzip) => {
    const row = modules.get(name) ?? { module: name, minified: 0, gzip: 0, chunks: 0 };
    row.minified += minified;
    row.gzip += gzip;
    row.chunks += 1;
    modules.set(name, row);
  };
  for (const out of outs) {
    const bytes = contents.get(out).length;
    const gzip = gzipped(contents.get(out));
    let attributed = 0;
    for (const [input, { bytesInOutput }] of Object.entries(outputs[out].inputs)) {
      if (!bytesInOutput) continue;
      attributed += bytesInOutput;
      add(posix(relative(ROOT, join(process.cwd(), input))), bytesInOutput, (gzip * bytesInOutput) / bytes);
    }
    if (bytes > attributed) add(GLUE, bytes - attributed, (gzip * (bytes - attributed)) / bytes);
  }
  const all = Buffer.concat(outs.map((out) => contents.get(out)));
  const files = outs.map((out) => ({
    chunk: posix(out).replace(/^.*\//, ''),
    minified: contents.get(out).length,
    gzip: gzipped(contents.get(out)),
    modules: Object.keys(outputs[out].inputs).map((input) => posix(relative(ROOT, join(process.cwd(), input)))),
  }));
  return {
    files,
    modules: [...modules.values()].sort((a, b) => b.gzip - a.gzip),
    minified: all.length,
    gzip: outs.reduce((total, out) => total + gzipped(contents.get(out)), 0),
    chunks: outs.length,
    splitting: outs.reduce((total, out) => total + gzipped(contents.get(out)), 0) - gzipped(all),
  };
}

/** esbuild's options for an app's production build, as every size figure takes it. */
export const APP_BUILD = {
  bundle: true,
  minify: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  define: { 'process.env.NODE_ENV': '"production"' },
};

/**
 * Bundles one entry as an app's production build would: esbuild, ESM,
 * minified, code splitting (a lazy `import()` becomes a chunk of its own),
 * `process.env.NODE_ENV` defined as "production". Measures what the page
 * downloads at start — the entry chunk and every chunk it imports
 * statically — and, for our own rows, all own chunks: the start and every
 * lazy chunk it can reach, without chunks made only of other packages
 * (localforage).
 */
async function measure(entry, dir) {
  mkdirSync(dir, { recursive: true });
  const entryFile = join(dir, 'entry.mjs');
  writeFileSync(entryFile, entry.code);
  const entryPoints = [entryFile];
  if (entry.overCore) {
    // What the React entry shares with the core goes to a shared chunk that
    // the core pays for; the React entry's cost is what only it loads.
    entryPoints.push(join(dir, 'core.mjs'));
    writeFileSync(entryPoints[1], entry.overCore);
  }
  const result = await build({
    ...APP_BUILD,
    entryPoints,
    outdir: join(dir, 'out'),
    external: EXTERNAL,
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const { outputs } = result.metafile;
  const contents = new Map(result.outputFiles.map((file) => [posix(relative(process.cwd(), file.path)), Buffer.from(file.contents)]));
  const outputOf = (source) => Object.keys(outputs).find((out) => outputs[out].entryPoint && join(process.cwd(), outputs[out].entryPoint) === source);
  const reach = (start, kinds) => {
    const seen = new Set();
    const walk = (out) => {
      if (seen.has(out)) return;
      seen.add(out);
      for (const imported of outputs[out].imports) if (!imported.external && kinds.includes(imported.kind)) walk(imported.path);
    };
    walk(start);
    return seen;
  };
  const inputsOf = (out) => Object.keys(outputs[out].inputs).map((input) => posix(join(process.cwd(), input)));
  // Apart: a chunk made only of other packages' code. A chunk with no inputs
  // (esbuild's shared helpers, a facade re-exporting a shared chunk) is ours.
  const isApart = (out) => inputsOf(out).length > 0 && inputsOf(out).every((input) => input.includes('/node_modules/'));
  const main = outputOf(entryFile);
  const startup = reach(main, ['import-statement']);
  const everything = reach(main, ['import-statement', 'dynamic-import']);
  // Chunks the core loads, at start or lazily, are the core's: not the React entry's.
  const core = entry.overCore ? reach(outputOf(entryPoints[1]), ['import-statement', 'dynamic-import']) : new Set();
  const lazy = {};
  for (const out of everything) {
    if (startup.has(out) || core.has(out)) continue;
    const kind = chunkKind(inputsOf(out));
    (lazy[kind] ??= []).push(out);
  }
  const counted = [...startup, ...(entry.counts ?? []).flatMap((kind) => lazy[kind] ?? [])].filter((out) => !core.has(out));
  const sum = (outs, of) => outs.reduce((total, out) => total + of(contents.get(out)), 0);
  const allOwn = [...everything].filter((out) => !core.has(out) && (startup.has(out) || !isApart(out)));
  const startInputs = [...startup].flatMap(inputsOf);
  return {
    why: entry.own ? { startup: breakdown(counted, outputs, contents), lazy: breakdown(allOwn.filter((out) => !counted.includes(out)), outputs, contents) } : null,
    startup: { minified: sum(counted, (b) => b.length), gzip: sum(counted, gzipped), chunks: counted.length },
    allOwn: entry.own ? { minified: sum(allOwn, (b) => b.length), gzip: sum(allOwn, gzipped), chunks: allOwn.length } : null,
    lazy: Object.fromEntries(
      Object.entries(lazy)
        .filter(([kind]) => !(entry.counts ?? []).includes(kind))
        .map(([kind, outs]) => [kind, sum(outs, gzipped)]),
    ),
    forbidden: entry.forbid ? startInputs.filter((input) => entry.forbid.test(input)).map((input) => input.replace(/^.*\/src\//, 'src/')) : [],
  };
}

/**
 * Every entry's sizes, with `over` (bytes past each budget). `srcDir` and
 * `label` measure another checkout's source (a baseline).
 */
export async function measureSizes(options = {}) {
  const rows = [];
  for (const entry of sizeEntries(options)) {
    const row = { name: entry.name, what: entry.what, budgets: entry.budgets };
    if (entry.missing) {
      rows.push({ ...row, missing: entry.missing });
      continue;
    }
    const dir = join(BUILD_DIR, 'size', entry.name.replace(/[^a-z0-9]+/gi, '-'));
    const measured = await measure(entry, dir);
    const over = {};
    for (const [figure, budget] of Object.entries(entry.budgets)) over[figure] = Math.max(0, measured[figure].gzip - budget);
    rows.push({ ...row, ...measured, over });
  }
  return rows;
}

export const kb = (bytes) => `${(bytes / KB).toFixed(2)} KB`;

export function lazyNote(row) {
  const names = { sync: 'sync engine (only with a remote)', own: 'own' };
  return Object.entries(row.lazy ?? {})
    .map(([kind, bytes]) => `${names[kind] ?? kind} ${kb(bytes)}`)
    .join(', ');
}
