// What readSchema loads with import() before a collection's first save: the
// schema's round-trip analysis, and the list that keeps the startup code in
// one chunk (see startupChunk.ts; roundTrip.ts itself is also imported
// statically by the development build's option checks, so the list is
// re-exported here, where no static import reaches it).
export { analyzeSchema } from '../roundTrip';
export { startupModules } from '../startupChunk';
