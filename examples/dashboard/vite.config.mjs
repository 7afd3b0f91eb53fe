import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// The app uses the package as built (`npm run build` writes ../../dist), the
// way an installed copy would be used, not its sources.
export default {
  root: here('.'),
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^redux-autosave\/react$/, replacement: here('../../dist/react.mjs') },
      { find: /^redux-autosave$/, replacement: here('../../dist/index.mjs') },
    ],
  },
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    rollupOptions: {
      // zod's sources carry comments next to its @__PURE__ marks that rollup
      // reads as misplaced annotations; they are harmless.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
};
