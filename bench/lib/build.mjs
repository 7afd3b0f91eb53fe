import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD_DIR = join(ROOT, 'bench', '.build');

/**
 * Points the bench's imports of `src/index.ts` at another copy of the
 * source (a baseline's), so one bundle measures it in place of this one.
 */
function sourceAt(srcDir) {
  return {
    name: 'bench-source',
    setup(b) {
      b.onResolve({ filter: /\/src\/index\.ts$/ }, (args) =>
        args.importer.startsWith(join(ROOT, 'bench')) && !args.importer.startsWith(BUILD_DIR) ? { path: join(srcDir, 'index.ts') } : undefined,
      );
    },
  };
}

/**
 * Bundles the worker with everything it measures — RTK, redux, immer, zod,
 * redux-persist, redux-remember and the package's source (this checkout's,
 * or `srcDir`) — the way an app's production build would:
 * `process.env.NODE_ENV` is replaced by "production". Left to Node, every
 * read of `process.env` in redux's and RTK's hot paths costs about 300 ns,
 * more than a whole dispatch, and would drown what the benchmark compares.
 * Not minified, so a CPU profile reads like the source.
 */
export async function buildWorker({ srcDir, name = 'worker' } = {}) {
  mkdirSync(BUILD_DIR, { recursive: true });
  const outfile = join(BUILD_DIR, `${name}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'bench', 'worker.mjs')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: srcDir ? [sourceAt(srcDir)] : [],
    // CommonJS packages (redux-persist, fake-timers) inside an ESM bundle need a require.
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}
