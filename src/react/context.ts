import type { ReactElement, ReactNode } from 'react';
import type { AutosaveInstance } from '../types';
import { codedError, createContext, createElement, useContext } from './deps';

/** An autosave instance of any documents and reducer path. */
export type AnyAutosave = AutosaveInstance<any, string>;

const AutosaveContext = createContext<AnyAutosave | null>(null);

export interface AutosaveProviderProps {
  /** The instance whose middleware is in the store of the surrounding react-redux `<Provider>`. */
  autosave: AnyAutosave;
  children?: ReactNode;
}

/**
 * Hands the autosave instance to the hooks and components below it. Put it
 * inside react-redux's `<Provider>`: the statuses are read from that store.
 *
 * ```tsx
 * <Provider store={store}>
 *   <AutosaveProvider autosave={autosave}>
 *     <SaveStatusIndicator collection="project" id={projectId} />
 *   </AutosaveProvider>
 * </Provider>
 * ```
 */
export function AutosaveProvider({ autosave, children }: AutosaveProviderProps): ReactElement {
  // `.Provider` rather than React 19's bare context: React 18 is supported too.
  return createElement(AutosaveContext.Provider, { value: autosave }, children);
}

/** The instance given to the nearest `<AutosaveProvider>`: for `flush()`, `resolveConflict()` and the rest. */
export function useAutosave(): AnyAutosave {
  const autosave = useContext(AutosaveContext);
  if (!autosave) {
    throw process.env.NODE_ENV !== 'production'
      ? new Error("redux-autosave: the React hooks need <AutosaveProvider autosave={autosave}> above them, inside react-redux's <Provider store={store}>")
      : codedError(11);
  }
  return autosave;
}
