import { randomUUID } from 'node:crypto';
import type { StoreOptions, SyncStore, WriteRequest, WriteResult } from '../../../src/server';
import { documentAndDeleteCases } from './storeDocuments';
import { feedAndLimitCases } from './storeFeeds';
import { spaceAndIdempotencyCases } from './storeSpaces';

/** Makes a fresh store with these options; the suite closes it after each test. */
export type MakeStore = (options: StoreOptions) => SyncStore | Promise<SyncStore>;

/** What each part of the suite shares: the store under test, a fresh space per test, a clock it controls. */
export interface SuiteContext {
  store: SyncStore;
  space: string;
  clock: number;
  makeStore: MakeStore;
  /** Closes the store and opens another with these options (and the suite's clock). */
  open(options?: StoreOptions): Promise<SyncStore>;
  put(text: string, over?: Partial<WriteRequest>, key?: string): Promise<WriteResult>;
  written(result: WriteResult): Extract<WriteResult, { status: 'written' }>;
  ifMatch(version: string): { precondition: { ifMatch: string[] } };
}

/**
 * The conformance suite every `SyncStore` passes — memory and file here,
 * Postgres and Redis next — run unchanged. Spaces are named afresh for each
 * test, so a database store needs no cleaning between them.
 */
export function describeSyncStore(name: string, makeStore: MakeStore): void {
  describe(`SyncStore conformance: ${name}`, () => {
    const c: SuiteContext = {
      store: undefined as unknown as SyncStore,
      space: '',
      clock: 0,
      makeStore,
      async open(options = {}) {
        await c.store?.close();
        c.store = await makeStore({ now: () => c.clock, ...options });
        return c.store;
      },
      put: (text, over = {}, key = 'project:p1') =>
        c.store.write({ space: c.space, key, precondition: { ifNoneMatch: ['*'] }, change: { kind: 'put', text }, ...over }),
      written(result) {
        if (result.status !== 'written') throw new Error(`expected a write, got ${JSON.stringify(result)}`);
        return result;
      },
      ifMatch: (version) => ({ precondition: { ifMatch: [version] } }),
    };

    beforeEach(async () => {
      c.clock = 1_700_000_000_000;
      c.space = `user-${randomUUID()}`;
      c.store = undefined as unknown as SyncStore;
      await c.open();
    });
    afterEach(async () => {
      await c.store.close();
    });

    documentAndDeleteCases(c);
    spaceAndIdempotencyCases(c);
    feedAndLimitCases(c);
  });
}
