// `npm run bench:patch` (node bench/patchBytes.mjs [--edits N] [--check]):
// the bytes a typing session sends upstream with delta pushes (JSON Patch,
// gzip) and with whole documents, in one run. Issue 18's goal: at least 50×
// fewer. --check exits 1 when the ratio is under it.
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUILD_DIR, ROOT } from './lib/build.mjs';

const GOAL = 50;
const args = process.argv.slice(2);
const at = args.indexOf('--edits');
const edits = at >= 0 ? Number(args[at + 1]) : 1000;

/** The task bundled as an app's build would be (the package's TypeScript source, production). */
async function load() {
  const outfile = join(BUILD_DIR, 'patchBytes.mjs');
  await build({
    entryPoints: [join(ROOT, 'bench', 'tasks', 'patchBytes.mjs')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return import(outfile);
}

/** Delta pushes against whole documents, one session each, in this one process. */
export async function measurePatchBytes({ shots = 2000, count = edits } = {}) {
  const { patchSession } = await load();
  const delta = await patchSession({ shots, edits: count, patch: true });
  const whole = await patchSession({ shots, edits: count, patch: false });
  return { shots, edits: count, delta, whole, ratio: whole.edits / delta.edits };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

export function patchBytesTable({ shots, edits: count, delta, whole, ratio }) {
  const row = (name, r) =>
    `${name.padEnd(16)} ${kb(r.first).padStart(10)} ${kb(r.edits).padStart(12)} ${String(Math.round(r.edits / r.pushes)).padStart(9)} B ${String(r.largest).padStart(9)} B ${JSON.stringify(r.methods).padEnd(22)} ${(r.ms / 1000).toFixed(1)} s`;
  return [
    `Upstream bytes, ${count} edits of a ${shots}-shot project (${kb(delta.documentBytes)} of JSON), one push per save:`,
    `${'pushes'.padEnd(16)} ${'first push'.padStart(10)} ${'edits, total'.padStart(12)} ${'mean'.padStart(11)} ${'largest'.padStart(11)} ${'methods'.padEnd(22)} time`,
    row('delta (patch)', delta),
    row('whole documents', whole),
    `ratio: ${ratio.toFixed(0)}× fewer bytes with delta pushes (goal ≥ ${GOAL}×)`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measurePatchBytes();
  console.log(patchBytesTable(result));
  if (args.includes('--check') && result.ratio < GOAL) {
    console.error(`bench:patch FAILED: ${result.ratio.toFixed(1)}× is under the goal of ${GOAL}×`);
    process.exit(1);
  }
}
