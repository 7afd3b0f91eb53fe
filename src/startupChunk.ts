// Keeps the startup code in one chunk. A bundler that splits code (esbuild,
// as the size check measures) puts each module in a chunk by the set of entry
// points that reach it, and every `import()` target counts as one: a module
// the startup code shares with only some of the lazy chunks got a chunk of
// its own — nine at start, each its own request and gzip stream, about 1.4 KB
// of issue 14's startup download. Each lazy entry (core/rare.ts,
// core/syncBridge.ts, core/roundTripChunk.ts, sync/engine.ts) re-exports this
// list, so every module it names is reached by all of them and they share one
// chunk. One name per startup module that a lazy chunk imports;
// `npm run size -- --why` prints how many startup chunks there are.
export { checksum } from './envelope';
export { AutosaveError } from './errors';
export { documentFor } from './core/document';
export { writeJournal } from './core/journal';
export { readSchema } from './core/prepare';
export { validate } from './core/schema';
export { readStored } from './core/stored';
export { createSchedule } from './scheduler';
export { writeDocument } from './core/save';
export { newerRelease } from './core/newer';
export { loadRare } from './core/lazy';
export { withSizes } from './core/sizes';
export { KeyedQueue } from './util/keyedQueue';
export { where } from './util/path';
export { isObject } from './util/check';
export { withRetry } from './retry';
export { DEFAULTS } from './defaults';
export { storageKey } from './keys';
export { joinTabs } from './crossTab';
