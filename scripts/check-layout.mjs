// Holds the layout of src/ to what the README's Architecture promises:
// files small enough to read in one sitting, no import cycle (type imports
// included), the core reaching the sync engine only through import(), and
// neither the sync engine nor the server importing React.
//   node scripts/check-layout.mjs
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const MAX_LINES = 300;
const LIMITS = { 'createAutosave.ts': 250 };

const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.tsx?$/.test(name)) files.push(path);
  }
})(src);

const problems = [];
const rel = (path) => relative(src, path).replace(/\\/g, '/');

// Every import of a file: static (`import … from`, `export … from`, type
// imports included) and dynamic (`import('…')`), resolved to files of src/.
function importsOf(path) {
  const text = readFileSync(path, 'utf8');
  const found = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) {
    const spec = match[1] ?? match[2];
    found.push({ spec, dynamic: match[2] !== undefined, target: resolveSpec(path, spec) });
  }
  return found;
}

function resolveSpec(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (files.includes(candidate)) return candidate;
  }
  return undefined;
}

const graph = new Map();
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n').length - 1;
  const limit = LIMITS[rel(file)] ?? MAX_LINES;
  if (lines > limit) problems.push(`${rel(file)} has ${lines} lines, over ${limit}`);
  const imports = importsOf(file);
  graph.set(file, imports.filter((i) => i.target && !i.dynamic).map((i) => i.target));
  // The entry points re-export httpRemote; the core is everything else outside sync/, server/, react/.
  const inCore = !/^(sync|server|react|types)\/|^(index|node)\.ts$/.test(rel(file));
  for (const { spec, dynamic, target } of imports) {
    if (inCore && target && rel(target).startsWith('sync/') && !dynamic) {
      problems.push(`${rel(file)} imports ${rel(target)} statically; the core reaches src/sync only through import()`);
    }
    if (/^(sync|server)\//.test(rel(file)) && /^react(-dom|-redux)?(\/|$)/.test(spec)) {
      problems.push(`${rel(file)} imports ${spec}; nothing in src/sync or src/server imports React`);
    }
  }
}

// Cycles among static imports (type imports included), by depth-first search.
const state = new Map();
const stack = [];
function visit(file) {
  state.set(file, 'open');
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === 'open') {
      problems.push(`import cycle: ${[...stack.slice(stack.indexOf(next)), next].map(rel).join(' -> ')}`);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 'done');
}
for (const file of files) if (!state.has(file)) visit(file);

if (problems.length > 0) {
  console.error(`check-layout: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-layout: ok; ${files.length} files in src/, none over ${MAX_LINES} lines (createAutosave.ts ≤ ${LIMITS['createAutosave.ts']}), no import cycle, src/sync reached only through import()`);
