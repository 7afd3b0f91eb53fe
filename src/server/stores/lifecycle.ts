import type { SyncStore } from '../types';

/** What a database store does besides the `SyncStore` operations: tables to create, a schema to check. */
export interface StoreLifecycle {
  /** Creates or upgrades what the store keeps its data in. */
  migrate(): Promise<void>;
  /** Resolves once the store found what it needs (its schema version); rejects with what to run when it did not. */
  ready(): Promise<void>;
}

// Kept beside the stores rather than on `SyncStore`: a store of one's own needs neither.
const lifecycles = new WeakMap<SyncStore, StoreLifecycle>();

export function registerLifecycle(store: SyncStore, lifecycle: StoreLifecycle): SyncStore {
  lifecycles.set(store, lifecycle);
  return store;
}

/**
 * Creates or upgrades a database store's tables ahead of time (at deploy,
 * with a user that may run DDL): the server itself never changes the schema,
 * and only checks at start that it finds the version it knows. A memory or
 * file store needs nothing, and resolves at once.
 *
 * ```ts
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL });
 * await migrate(store);
 * await store.close();
 * ```
 */
export async function migrate(store: SyncStore): Promise<void> {
  await lifecycles.get(store)?.migrate();
}

/** Waits for the store's start-up check; a store without one is ready. */
export async function storeReady(store: SyncStore): Promise<void> {
  await lifecycles.get(store)?.ready();
}
