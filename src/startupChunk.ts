// Keeps the startup code in one chunk. A bundler that splits code (esbuild,
// as the size check measures) puts each module in a chunk by the set of entry
// points that reach it, and every `import()` target counts as one: a module
// the startup code shares with only some of the lazy chunks got a chunk of
// its own — nine at start, each its own request and gzip stream, about 1.4 KB
// of issue 14's startup download. Each lazy entry (core/rare.ts,
// core/syncBridge.ts, core/roundTripChunk.ts, sync/engine.ts) re-exports
// `startupModules`, so every module imported here is reached by all of them
// and they share one chunk. One import per startup module, those no lazy
// chunk uses included: left out, they stayed in a chunk of the entry's own, a
// second gzip stream that cost 749 bytes of the startup download (the entry
// chunk keeps only src/index.ts). Bare imports, because reaching a module is
// all it takes (esbuild counts a bare import though the package declares no
// side effects): a list of names made the startup chunk export each one and
// the lazy chunks carry the list, 52 bytes at start and 216 in all.
// `npm run size -- --why` lists the startup chunks and their modules.
import './envelope';
import './errors';
import './core/document';
import './core/journal';
import './core/prepare';
import './core/schema';
import './core/stored';
import './scheduler';
import './core/save';
import './core/newer';
import './core/lazy';
import './core/sizes';
import './util/keyedQueue';
import './util/path';
import './util/check';
import './retry';
import './defaults';
import './keys';
import './crossTab';
import './core/changes';
import './core/guards';
import './core/load';
import './core/runtime';
import './storage/localforage';
import './storage/timed';
import './options';
import './statusSlice';
import './createAutosave';

/** Never read, and empty: the imports above are what matters. */
export const startupModules: readonly unknown[] = [];
