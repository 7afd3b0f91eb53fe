import type { Middleware, MiddlewareAPI } from '@reduxjs/toolkit';
import { detectChanges, takeInitialState } from './core/changes';
import { createGuards } from './core/guards';
import { documentFor } from './core/document';
import { listenForPageHide, writeJournal } from './core/journal';
import { loadDocument } from './core/load';
import { loadRare, prefetchRare } from './core/lazy';
import { createRuntime, type Runtime } from './core/runtime';
import { readSchema } from './core/prepare';
import { flushAll, saveDocument } from './core/save';
import { joinTabs } from './crossTab';
import { codedError } from './errors';
import * as say from './messages';
import { readOptions } from './options';
import { createStatusSlice } from './statusSlice';
import type { AutosaveInstance, DisposeOptions, LoadResult, PruneOptions } from './types/instance';
import type { AutosaveOptions } from './types/options';

/** The collections whose options have an `id` function: their methods need the id. */
type CollectionsWithId<Documents> = {
  [K in keyof Documents]: Documents[K] extends { id: (...args: any[]) => unknown } ? K : never;
}[keyof Documents];

const noop = () => {};


/**
 * Creates the autosave for one store: a status slice to mount at
 * `reducerPath` and a middleware that saves the chosen documents.
 *
 * ```ts
 * const autosave = createAutosave({
 *   documents: {
 *     project: {
 *       select: (state: RootState) => state.project.current,
 *       schema: ProjectSchema,
 *       restore: projectSlice.actions.projectLoaded,
 *     },
 *   },
 * });
 * const store = configureStore({
 *   reducer: { project: projectReducer, [autosave.reducerPath]: autosave.reducer },
 *   middleware: (gDM) => gDM().concat(autosave.middleware),
 * });
 * await autosave.load('project');
 * ```
 */
export function createAutosave<
  T extends Record<string, unknown>,
  ReducerPath extends string = 'autosave',
  Documents extends AutosaveOptions<T, ReducerPath>['documents'] = AutosaveOptions<T, ReducerPath>['documents'],
>(
  options: AutosaveOptions<T, ReducerPath> & { documents: Documents },
): AutosaveInstance<T, ReducerPath, CollectionsWithId<Documents> & keyof T> {
  const config = readOptions(options);
  const { reducerPath } = config;
  const { actions, reducer: statusReducer, selectors } = createStatusSlice(
    reducerPath,
    config.collections.map((c) => c.name),
  );
  const rt = createRuntime(config, actions);
  rt.saveDue = (doc) => void saveDocument(rt, doc);
  const loads = new Map<string, Promise<LoadResult<unknown>>>();
  const { reducer, ready, named } = createGuards(rt, statusReducer);
  let unlisten = noop;

  function bind(store: MiddlewareAPI): void {
    if (rt.api) {
      throw process.env.NODE_ENV !== 'production' ? new Error(say.boundTwice()) : codedError(8);
    }
    const state = store.getState() as Record<string, unknown> | undefined;
    if (state?.[reducerPath] === undefined) {
      throw process.env.NODE_ENV !== 'production' ? new Error(say.noReducer(reducerPath)) : codedError(9);
    }
    rt.api = store;
    // Tabs of one origin sharing this storage: news of saves, locks for the
    // read-compare-write, and the choice of the one tab that pushes.
    rt.tabs = joinTabs(
      `redux-autosave:${config.storage.name ?? 'storage'}`,
      // What another tab says is acted on in the chunk of rare code: a page
      // alone in its origin never loads it. (A chunk that fails to load is
      // reported; the next save reads what another tab stored before it writes.)
      (message) => void loadRare().then((rare) => rare.onTabMessage(rt, message), rt.report),
      () => rt.engine?.then((engine) => engine?.drain()),
      config.crossTab,
      config.storage.lock,
    );
    takeInitialState(rt, state);
    unlisten = listenForPageHide((persisted) => {
      writeJournal(rt);
      flushAll(rt).then(() => config.sizes.persist(), noop);
      // A page kept in the back-forward cache comes back: only a page that
      // really goes sends its last edits with a keepalive request.
      if (!persisted && rt.engine) {
        const dirty = [...rt.documents.values()].filter((doc) => doc.latest !== doc.clean).map((doc) => doc.key);
        rt.engine.then((engine) => engine?.finalPush(dirty));
      }
    });
    // Production builds read the schemas' JSON shapes now, off the start's path.
    for (const collection of config.collections) readSchema(collection).catch(noop);
    prefetchRare(() => rt.disposed);
    // The sync engine, and the core's side of it, load only with a remote.
    if (config.remote) {
      rt.engine = import('./core/syncBridge').then(
        (bridge) => bridge.startSync(rt),
        (error: unknown) => void rt.report(error),
      );
    }
  }

  const middleware: Middleware = (store) => {
    bind(store);
    return (next) => (action) => {
      const result = next(action);
      if (rt.disposed) return result;
      detectChanges(rt, store.getState());
      if (rt.engine && actions.syncNow.match(action)) rt.engine.then((engine) => engine?.syncNow());
      return result;
    };
  };

  const instance = {
    reducerPath: reducerPath as ReducerPath,
    reducer,
    middleware,
    actions,
    selectors,

    load(name: string, id?: string | number): Promise<LoadResult<unknown>> {
      let target: ReturnType<typeof named>;
      try {
        target = named(name, 'load', id);
      } catch (error) {
        return Promise.reject(error);
      }
      const { collection, key } = target;
      // One load per key at a time: a second caller (a gate mounted twice
      // under StrictMode, say) shares the running one.
      let running = loads.get(key);
      if (!running) {
        rt.dispatch(rt.actions.loadStarted({ key }));
        running = loadDocument(rt, documentFor(rt, collection, key)).finally(() => loads.delete(key));
        loads.set(key, running);
      }
      return running;
    },

    async save(name: string, id?: string | number) {
      const doc = rt.documents.get(named(name, 'save', id).key);
      const error = doc && (await saveDocument(rt, doc));
      if (error) throw error;
    },

    async flush() {
      ready('flush');
      await flushAll(rt);
    },

    async remove(name: string, id?: string | number) {
      const { collection, key } = named(name, 'remove', id);
      await (await loadRare()).removeDocument(rt, documentFor(rt, collection, key));
    },

    async purge() {
      ready('purge');
      await (await loadRare()).purgeAll(rt);
    },

    async list(name: string) {
      named(name, 'list');
      const prefix = `${name}:`;
      return (await config.storage.keys()).filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    },

    async listRemote(name: string) {
      named(name, 'listRemote');
      const engine = await rt.engine;
      if (!engine) throw process.env.NODE_ENV !== 'production' ? new Error(say.noRemote('listRemote')) : codedError(10);
      const prefix = `${name}:`;
      return (await engine.listRemote(prefix)).map((key) => key.slice(prefix.length));
    },

    async history(name: string, id?: string | number) {
      return (await loadRare()).listHistory(rt, named(name, 'history', id).key);
    },

    async readVersion(name: string, id: string | number | undefined, versionId: string) {
      const { collection, key } = named(name, 'readVersion', id);
      return (await loadRare()).readKept(rt, documentFor(rt, collection, key), versionId);
    },

    async restoreVersion(name: string, id: string | number | undefined, versionId: string) {
      const { collection, key } = named(name, 'restoreVersion', id);
      await (await loadRare()).restoreKept(rt, documentFor(rt, collection, key), versionId);
    },

    async usage() {
      ready('usage');
      return (await loadRare()).usage(rt);
    },

    requestPersistence: async () => (await loadRare()).requestPersistence(),

    async prune(options?: PruneOptions) {
      ready('prune');
      return (await loadRare()).prune(rt, options);
    },

    async exists(name: string, id?: string | number) {
      return (await config.storage.getItem(named(name, 'exists', id).key)) != null;
    },

    async resolveConflict(name: string, id: string | number | undefined, choice: unknown) {
      const { key } = named(name, 'resolveConflict', id);
      const engine = await rt.engine;
      if (!engine) throw process.env.NODE_ENV !== 'production' ? new Error(say.noRemote('resolveConflict')) : codedError(10);
      await engine.resolveConflict(key, choice === 'local' || choice === 'remote' || choice === 'merge' ? choice : { document: choice });
    },

    async dispose({ flush: flushFirst = true }: DisposeOptions = {}) {
      if (rt.disposed) return;
      try {
        if (flushFirst && rt.api) await flushAll(rt);
      } finally {
        dispose(rt, unlisten);
      }
    },
  };
  return instance as unknown as AutosaveInstance<T, ReducerPath, CollectionsWithId<Documents> & keyof T>;
}

/** Stops timers and listeners; a retry still waiting gives up. */
function dispose(rt: Runtime, unlisten: () => void): void {
  rt.disposed = true;
  unlisten();
  rt.tabs?.close();
  rt.engine?.then((engine) => engine?.dispose());
  for (const doc of rt.documents.values()) doc.schedule.cancel();
  rt.cancelSleeps();
}
