import type { CrossTab } from '../crossTab';
import { AutosaveError } from '../errors';
import type { Config } from '../options';
import type { AutosaveActions } from '../types/status';
import type { SyncEngine } from '../types/sync';
import { KeyedQueue } from '../util/keyedQueue';
import type { DocumentHost } from './document';

/**
 * The record of one autosave instance: what every module of the core is
 * handed, so a reader sees what each function may touch. `createAutosave`
 * makes it and wires it; the rest of `core/` are functions over it.
 */
export interface Runtime extends DocumentHost {
  readonly config: Config;
  /** A document's loads, saves and removals run one after another, in order. */
  readonly queue: KeyedQueue;
  disposed: boolean;
  /** The other tabs sharing the storage (joined when the store is created). */
  tabs: CrossTab | undefined;
  /**
   * The sync engine: loaded on first use, and only with a remote. Resolves
   * `undefined` when it could not load (reported): the local autosave goes on.
   */
  engine: Promise<SyncEngine | undefined> | undefined;
  /** A wait between retries that `flush()` ends at once and `dispose()` cancels. */
  sleep(ms: number): Promise<void>;
  /** Ends every retry wait now: "now" includes writes waiting out a backoff. */
  wake(): void;
  /** Cancels every retry wait (the write gives up). */
  cancelSleeps(): void;
}

interface Sleeper {
  timer: ReturnType<typeof setTimeout>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createRuntime(config: Config, actions: AutosaveActions): Runtime {
  const sleepers = new Set<Sleeper>();
  // Without onError, mistakes in the app's callbacks (a select that throws,
  // an id() that returns nothing) go to the console, as RTK's listener
  // middleware reports its listeners' errors; once per cause, so a hot path
  // cannot flood it. Save and load failures are on the status already.
  const logged = new Set<string>();

  const rt: Runtime = {
    config,
    actions,
    documents: new Map(),
    queue: new KeyedQueue(),
    lastSelected: config.collections.map(() => undefined),
    api: undefined,
    disposed: false,
    tabs: undefined,
    engine: undefined,
    saveDue: () => {},
    report(error, mistake = false) {
      const { onError } = config;
      if (!onError) {
        const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (!mistake || logged.has(cause) || logged.size >= 100) return;
        logged.add(cause);
        console.error('redux-autosave: a callback failed (pass `onError` to handle these yourself):', error);
        return;
      }
      try {
        onError(error);
      } catch (thrown) {
        // onError's own failure must not break a save; surface it the way an
        // uncaught error would, outside the pipeline.
        setTimeout(() => {
          throw thrown;
        }, 0);
      }
    },
    dispatch(action) {
      if (rt.api && !rt.disposed) rt.api.dispatch(action);
    },
    sleep: (ms) =>
      new Promise((resolve, reject) => {
        const sleeper: Sleeper = {
          timer: setTimeout(() => {
            sleepers.delete(sleeper);
            resolve();
          }, ms),
          resolve,
          reject,
        };
        sleepers.add(sleeper);
      }),
    wake() {
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.resolve();
      }
      sleepers.clear();
    },
    cancelSleeps() {
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.reject(new AutosaveError('storage', 'redux-autosave: disposed before the retry', { retryable: false }));
      }
      sleepers.clear();
    },
  };
  return rt;
}
