import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUILD_DIR, ROOT } from './build.mjs';

/** 1 KB = 1000 bytes, as size-limit and bundlephobia count. */
export const KB = 1000;

// What an app's bundler leaves to the app: the peers every contender shares.
const EXTERNAL = ['@reduxjs/toolkit', 'redux', 'react', 'react-dom', 'react-redux', 'zod', 'zod/*'];

const src = (path) => join(ROOT, 'src', path).replace(/\\/g, '/');
const CORE = `export { createAutosave, localforageStorage } from '${src('index.ts')}';\n`;

function reactEntry() {
  for (const name of ['react/index.ts', 'react/index.tsx']) if (existsSync(join(ROOT, 'src', name))) return src(name);
  return undefined;
}

function indexExports(name) {
  return new RegExp(`export\\s*{[^}]*\\b${name}\\b`).test(readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8'));
}

/** Names a lazy chunk by what is in it: a package, or the sync engine. */
function chunkKind(inputs) {
  if (inputs.some((input) => /\/src\/sync\//.test(`/${input}`))) return 'sync';
  const pkg = inputs.map((input) => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]).find(Boolean);
  return pkg ?? 'other';
}

/**
 * The bundles compared: each library's persistence API as its README's
 * quick start imports it. `budget` is redux-autosave's target in gzip bytes;
 * `check` marks the ones `size.mjs --check` enforces, against `ciBudget`
 * where the target is missed today (a guard against growing further, kept
 * apart from the target, which stays as set); `counts` names the lazy
 * chunks that an app of that kind loads at start as well.
 */
export function sizeEntries() {
  const react = reactEntry();
  return [
    {
      name: 'redux-persist',
      what: 'persistReducer, persistStore, storage',
      code: "export { persistReducer, persistStore } from 'redux-persist';\nexport { default as storage } from 'redux-persist/lib/storage';\n",
    },
    {
      name: 'redux-remember',
      what: 'rememberReducer, rememberEnhancer',
      code: "export { rememberReducer, rememberEnhancer } from 'redux-remember';\n",
    },
    {
      name: 'redux-autosave',
      what: 'createAutosave + default storage, no remote',
      code: CORE,
      budget: 4 * KB,
      ciBudget: 10.5 * KB,
      check: true,
      // An app without a remote must not load sync code at start.
      forbid: /(^|\/)src\/sync\//,
    },
    {
      name: 'redux-autosave + httpRemote',
      what: 'the same + httpRemote and the sync engine',
      code: `export { createAutosave, localforageStorage, httpRemote } from '${src('index.ts')}';\n`,
      budget: 9 * KB,
      ciBudget: 15 * KB,
      check: true,
      counts: ['sync'],
      missing: indexExports('httpRemote') ? undefined : 'not built yet: src/index.ts exports no httpRemote',
    },
    {
      name: 'redux-autosave/react',
      what: 'the React entry, over the core',
      code: react ? `export * from '${react}';\n` : '',
      budget: 1.5 * KB,
      check: true,
      overCore: true,
      missing: react ? undefined : 'not built yet: no src/react/index.ts(x)',
    },
  ];
}

const gzip = (buffers) => gzipSync(Buffer.concat(buffers), { level: 9 }).length;

/**
 * Bundles one entry as an app's production build would (esbuild, ESM,
 * minified, with code splitting so that a lazy `import()` becomes a chunk of
 * its own) and measures what the page loads at start — the entry chunk and
 * every chunk it imports statically, gzip -9 together as they would travel
 * in one bundle — and, apart, each lazy chunk.
 */
async function measure(entry) {
  const dir = join(BUILD_DIR, 'size', entry.name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(dir, { recursive: true });
  const entryFile = join(dir, 'entry.mjs');
  writeFileSync(entryFile, entry.code);
  const entryPoints = [entryFile];
  if (entry.overCore) {
    // What the React entry shares with the core goes to a shared chunk that
    // the core pays for; the React entry's cost is what only it loads.
    entryPoints.push(join(dir, 'core.mjs'));
    writeFileSync(entryPoints[1], CORE);
  }
  const result = await build({
    entryPoints,
    outdir: join(dir, 'out'),
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' },
    external: EXTERNAL,
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const { outputs } = result.metafile;
  const contents = new Map(
    result.outputFiles.map((file) => [relative(process.cwd(), file.path).replace(/\\/g, '/'), Buffer.from(file.contents)]),
  );
  const outputOf = (source) =>
    Object.keys(outputs).find((out) => outputs[out].entryPoint && join(process.cwd(), outputs[out].entryPoint) === source);
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
  const main = outputOf(entryFile);
  const initial = reach(main, ['import-statement']);
  // Chunks the core loads, at start or lazily, are the core's: not counted here.
  const core = entry.overCore ? reach(outputOf(entryPoints[1]), ['import-statement', 'dynamic-import']) : new Set();
  for (const out of core) initial.delete(out);
  const lazy = {};
  for (const out of reach(main, ['import-statement', 'dynamic-import'])) {
    if (initial.has(out) || core.has(out)) continue;
    const kind = chunkKind(Object.keys(outputs[out].inputs));
    (lazy[kind] ??= []).push(out);
  }
  const counted = [...initial, ...(entry.counts ?? []).flatMap((kind) => lazy[kind] ?? [])];
  const inputs = [...initial].flatMap((out) => Object.keys(outputs[out].inputs));
  return {
    minified: counted.reduce((sum, out) => sum + contents.get(out).length, 0),
    gzip: gzip(counted.map((out) => contents.get(out))),
    lazy: Object.fromEntries(
      Object.entries(lazy)
        .filter(([kind]) => !(entry.counts ?? []).includes(kind))
        .map(([kind, outs]) => [kind, gzip(outs.map((out) => contents.get(out)))]),
    ),
    forbidden: entry.forbid ? inputs.filter((input) => entry.forbid.test(input)) : [],
  };
}

/** Every entry's sizes, with `over` (bytes past the budget) where there is a budget. */
export async function measureSizes() {
  const rows = [];
  for (const entry of sizeEntries()) {
    const row = {
      name: entry.name,
      what: entry.what,
      budget: entry.budget ?? null,
      ciBudget: entry.ciBudget ?? entry.budget ?? null,
      check: Boolean(entry.check),
    };
    if (entry.missing) {
      rows.push({ ...row, missing: entry.missing });
      continue;
    }
    const measured = await measure(entry);
    rows.push({ ...row, ...measured, over: entry.budget ? Math.max(0, measured.gzip - entry.budget) : 0 });
  }
  return rows;
}

export const kb = (bytes) => `${(bytes / KB).toFixed(2)} KB`;

export function lazyNote(row) {
  const names = { sync: 'sync engine (only with a remote)' };
  return Object.entries(row.lazy ?? {})
    .map(([kind, bytes]) => `${names[kind] ?? kind} ${kb(bytes)}`)
    .join(', ');
}
