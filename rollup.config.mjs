import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

// One build per public entry point: `redux-autosave` and `redux-autosave/node`.
const entries = { index: 'src/index.ts', node: 'src/node.ts' };

// Every bare import (peer dependencies, localforage, Node's modules) stays
// outside the bundle: the app's bundler or Node resolves it once.
const external = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');

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
      plugins: [dts({ tsconfig: './tsconfig.json', compilerOptions: { types: ['node'] } })],
      output: { file: `dist/${name}.d.${ext}`, format: 'es' },
    })),
  ),
];
