// Keeps the startup code in one chunk. A bundler that splits code (esbuild,
// as the size check measures) puts each module in a chunk by the set of entry
// points that reach it, and every `import()` target counts as one: a module
// the startup code shares with only some of the lazy chunks got a chunk of
// its own — nine at start, each its own request and gzip stream, about 1.4 KB
// of issue 14's startup download. Each lazy entry (core/rare.ts,
// core/syncBridge.ts, core/roundTripChunk.ts, sync/engine.ts) re-exports
// `startupModules`, so every module named here is reached by all of them and
// they share one chunk. One name per startup module, those no lazy chunk
// uses included: left out, they stayed in a chunk of the entry's own, a
// second gzip stream that cost 749 bytes of the startup download. The entry
// chunk keeps only src/index.ts. `npm run size -- --why` lists the startup
// chunks and their modules.
import { checksum } from './envelope';
import { AutosaveError } from './errors';
import { documentFor } from './core/document';
import { writeJournal } from './core/journal';
import { readSchema } from './core/prepare';
import { validate } from './core/schema';
import { readStored } from './core/stored';
import { createSchedule } from './scheduler';
import { writeDocument } from './core/save';
import { newerRelease } from './core/newer';
import { loadRare } from './core/lazy';
import { withSizes } from './core/sizes';
import { KeyedQueue } from './util/keyedQueue';
import { where } from './util/path';
import { isObject } from './util/check';
import { withRetry } from './retry';
import { DEFAULTS } from './defaults';
import { storageKey } from './keys';
import { joinTabs } from './crossTab';
import { detectChanges } from './core/changes';
import { createGuards } from './core/guards';
import { loadDocument } from './core/load';
import { createRuntime } from './core/runtime';
import { localforageStorage } from './storage/localforage';
import { withTimeouts } from './storage/timed';
import { readOptions } from './options';
import { createStatusSlice } from './statusSlice';
import { createAutosave } from './createAutosave';

/** Never read: its imports are what matters. */
export const startupModules = [
  checksum,
  AutosaveError,
  documentFor,
  writeJournal,
  readSchema,
  validate,
  readStored,
  createSchedule,
  writeDocument,
  newerRelease,
  loadRare,
  withSizes,
  KeyedQueue,
  where,
  isObject,
  withRetry,
  DEFAULTS,
  storageKey,
  joinTabs,
  detectChanges,
  createGuards,
  loadDocument,
  createRuntime,
  localforageStorage,
  withTimeouts,
  readOptions,
  createStatusSlice,
  createAutosave,
];
