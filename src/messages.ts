// The words of the mistakes a development build explains: how the instance
// is used, or left out of the store. Production builds throw the code the
// README's "Error codes" lists instead, and their bundles leave this file out.
import { storageKey } from './keys';

const MIDDLEWARE_FIX = 'add it: configureStore({ …, middleware: (gDM) => gDM().concat(autosave.middleware) })';

export const afterDispose = (method: string) => `redux-autosave: ${method}() was called after dispose()`;

export const notBound = (method: string, sawActions: boolean) =>
  sawActions
    ? `redux-autosave: ${method}() was called, but autosave.middleware is not in the store that holds autosave.reducer; ${MIDDLEWARE_FIX}`
    : `redux-autosave: ${method}() was called before the store was created, or on a store without autosave.middleware; ${MIDDLEWARE_FIX}`;

export const noCollection = (method: string, name: string, collections: string[]) =>
  `redux-autosave: ${method}(): no collection named ${JSON.stringify(name)}; the collections are ${collections.join(', ')}`;

export const boundTwice = () =>
  'redux-autosave: this autosave instance is already bound to a store; create one instance per store (call createAutosave inside your store factory for tests and SSR)';

export const noReducer = (reducerPath: string) =>
  `redux-autosave: the status reducer is not in the store; add \`[autosave.reducerPath]: autosave.reducer\` (state.${reducerPath}) to configureStore's reducer`;

export const noRemote = (method: string) =>
  method === 'resolveConflict'
    ? 'redux-autosave: resolveConflict() needs the `remote` option; there is nothing to conflict with'
    : `redux-autosave: ${method}() needs the \`remote\` option; without one, documents are only on this device (list() names them)`;

export const middlewareMissing = (reducerPath: string) =>
  `redux-autosave: the store's reducer at state.${reducerPath} sees actions, but autosave.middleware is not in the store, so nothing is saved; ${MIDDLEWARE_FIX}`;

export const idMissing = (method: string, name: string) =>
  `redux-autosave: ${method}(${JSON.stringify(name)}) without an id means the document ${JSON.stringify(storageKey(name, undefined))}, but \`documents.${name}\` has an id function: pass the document's id`;
