import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

// One build per public entry point: `redux-autosave`, `redux-autosave/node`,
// `redux-autosave/react` and `redux-autosave/server`. The React entry imports
// only types from the core, and the server nothing of it, so no chunk is
// shared and `react` is never met by the core's users.
const entries = { index: 'src/index.ts', node: 'src/node.ts', react: 'src/react/index.ts', server: 'src/server/index.ts' };

// Every bare import (peer dependencies, react/jsx-runtime, localforage, Node's modules) stays
// outside the bundle: the app's bundler or Node resolves it once.
const external = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');

// The React entry's declarations import the core's types from the package
// itself, so a user's `DocumentStatus` is one type, not two copies.
const coreTypesFromPackage = {
  name: 'core-types-from-package',
  resolveId: (id, importer) =>
    id === '../types' && importer?.includes('/src/react/') ? { id: 'redux-autosave', external: true } : null,
};

// The CLI (`bin`) runs the server entry as installed: its import of the
// entry stays a reference to `./server.mjs`, so the server is not built twice.
const serverEntryFromCli = {
  name: 'server-entry-from-cli',
  resolveId: (id, importer) =>
    (id === './index' && importer?.endsWith('/src/server/cli.ts')) || (id === '../index' && importer?.includes('/src/server/cli/'))
      ? { id: './server.mjs', external: true }
      : null,
};

// The browser build (`exports` condition "browser", after "module" so that
// bundlers keep the development build): a page that loads the package with
// no bundler has no `process`, so production is decided here, as RTK's
// browser build does.
const production = {
  name: 'production',
  transform: (code) => (code.includes('process.env.NODE_ENV') ? { code: code.replaceAll('process.env.NODE_ENV', '"production"'), map: null } : null),
};

export default [
  {
    input: entries,
    external,
    plugins: [
      typescript({
        tsconfig: './tsconfig.json',
        compilerOptions: { noEmit: false, declaration: false, target: 'ES2020', types: ['node'] },
        include: ['src/**/*'],
      }),
    ],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', exports: 'named' },
    ],
  },
  // Declarations: an ESM (.d.mts) and a CommonJS (.d.cts) copy, so each
  // `exports` condition points at types of its own module kind.
  ...Object.entries(entries).flatMap(([name, input]) =>
    ['mts', 'cts'].map((ext) => ({
      input,
      external,
      plugins: [coreTypesFromPackage, dts({ tsconfig: './tsconfig.json', compilerOptions: { types: ['node'] } })],
      output: { file: `dist/${name}.d.${ext}`, format: 'es' },
    })),
  ),
  {
    input: { index: 'src/index.ts' },
    external,
    plugins: [
      production,
      typescript({
        tsconfig: './tsconfig.json',
        compilerOptions: { noEmit: false, declaration: false, target: 'ES2020', types: ['node'] },
        include: ['src/**/*'],
      }),
    ],
    output: { dir: 'dist/browser', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' },
  },
  {
    input: 'src/server/cli.ts',
    external,
    plugins: [
      serverEntryFromCli,
      typescript({
        tsconfig: './tsconfig.json',
        compilerOptions: { noEmit: false, declaration: false, target: 'ES2020', types: ['node'] },
        include: ['src/server/**/*'],
      }),
    ],
    output: { file: 'dist/cli.mjs', format: 'es', banner: '#!/usr/bin/env node' },
  },
];
