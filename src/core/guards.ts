// How the instance is used: the reducer that notices a store without the
// middleware, and the checks every method makes first. Development builds
// say what is wrong in words (messages.ts); production builds by a code.
import type { Reducer } from '@reduxjs/toolkit';
import { codedError } from '../errors';
import { storageKey } from '../keys';
import * as say from '../messages';
import type { CollectionConfig } from '../options';
import type { AutosaveState } from '../types/status';
import type { Runtime } from './runtime';

export function createGuards(rt: Runtime, sliceReducer: Reducer<AutosaveState>) {
  // Development builds only: the causes warned of once, and whether actions came before the middleware bound.
  const dev = process.env.NODE_ENV !== 'production' ? { warned: new Set<string>(), sawActions: false } : undefined;

  // The status reducer sees every action: seeing them while the middleware
  // never bound the instance means it was left out of the store, and every
  // edit would stay `idle`, unsaved. (Development builds only: production
  // builds have the slice's reducer itself.)
  const reducer: Reducer<AutosaveState> =
    process.env.NODE_ENV !== 'production'
      ? (state, action) => {
          if (!rt.api && !action.type.startsWith('@@')) {
            dev!.sawActions = true;
            warnOnce(dev!.warned, 'unbound', say.middlewareMissing(rt.config.reducerPath));
          }
          return sliceReducer(state, action);
        }
      : sliceReducer;

  function ready(method: string): void {
    if (rt.disposed) throw process.env.NODE_ENV !== 'production' ? new Error(say.afterDispose(method)) : codedError(5);
    if (rt.api) return;
    throw process.env.NODE_ENV !== 'production' ? new Error(say.notBound(method, dev!.sawActions)) : codedError(6);
  }

  /** The collection a method names, checked; with a document's id, its storage key. */
  function named(name: string, method: string, id?: string | number): { collection: CollectionConfig; key: string } {
    ready(method);
    const collection = rt.config.collections.find((c) => c.name === name);
    if (!collection) {
      throw process.env.NODE_ENV !== 'production'
        ? new TypeError(say.noCollection(method, name, rt.config.collections.map((c) => c.name)))
        : codedError(7);
    }
    if (process.env.NODE_ENV !== 'production' && id === undefined && collection.id && method !== 'list' && method !== 'listRemote') {
      warnOnce(dev!.warned, `${method}:${name}`, say.idMissing(method, name));
    }
    return { collection, key: storageKey(name, id) };
  }

  return { reducer, ready, named };
}

/** Said once per cause (development builds only call it). */
function warnOnce(warned: Set<string>, cause: string, message: string): void {
  if (warned.has(cause)) return;
  warned.add(cause);
  console.error(message);
}
