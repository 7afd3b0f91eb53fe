// The core's code that most page loads never run, in one chunk loaded when
// first needed (see lazy.ts): keeping a bad copy aside, taking in another
// tab's copy and acting on what other tabs say, removing and purging.
export { migrateStored } from './migrate';
export { copyAside, quarantine } from './quarantine';
export { purgeAll, removeDocument } from './removal';
export { takeInOtherTabsCopy } from './takeIn';
export { onTabMessage } from './tabs';
export { keepReplaced, listHistory, readKept, restoreKept } from './history';
export { historyPrefix } from './kept';
export { makeRoom, prune, requestPersistence, usage } from './usage';

// One startup chunk, not one per set of lazy chunks that share a module: see startupChunk.ts.
export { startupModules } from '../startupChunk';
