import { AutosaveError, messageOf } from '../errors';
import type LocalForageModule from 'localforage';
import type { AutosaveStorage } from '../types';

/** localforage's own `createInstance` options (`name`, `storeName`, `driver`, …). */
export type LocalforageConfig = Parameters<typeof LocalForageModule.createInstance>[0];
type LocalForageInstance = ReturnType<typeof LocalForageModule.createInstance>;

/**
 * The default storage: a localforage instance (IndexedDB, falling back to
 * localStorage), database `redux-autosave` unless `config.name` says
 * otherwise. localforage is loaded on first use, so an app that passes its
 * own storage never downloads it.
 *
 * ```ts
 * createAutosave({ storage: localforageStorage({ name: 'video-editor' }), documents: { … } })
 * ```
 */
export function localforageStorage(config: LocalforageConfig = {}): AutosaveStorage {
  let instance: Promise<LocalForageInstance> | undefined;

  const open = () =>
    (instance ??= import('localforage').then(async (module) => {
      const localforage = ((module as { default?: typeof LocalForageModule }).default ?? module) as typeof LocalForageModule;
      const store = localforage.createInstance({ name: 'redux-autosave', ...config });
      try {
        await store.ready();
      } catch (error) {
        // No IndexedDB, WebSQL or localStorage: Node, server-side rendering,
        // some private modes. Another try cannot help, so say what to do.
        throw new AutosaveError(
          'storage',
          'redux-autosave: no browser storage is available here (no IndexedDB or localStorage), so nothing is written; ' +
            `pass the \`storage\` option (memoryStorage(), or fileStorage(dir) from 'redux-autosave/node'). Cause: ${messageOf(error)}`,
          { cause: error, retryable: false },
        );
      }
      return store;
    }));

  return {
    name: `localforage:${config.name ?? 'redux-autosave'}/${config.storeName ?? 'keyvaluepairs'}`,
    getItem: async (key) => (await open()).getItem(key),
    setItem: async (key, value) => (await open()).setItem(key, value),
    removeItem: async (key) => (await open()).removeItem(key),
    keys: async () => (await open()).keys(),
  };
}
