import { documentFor, keyOf, transition } from './document';
import type { Runtime } from './runtime';

/**
 * The hot path: runs after every action. An action that changed no
 * document costs one select and one reference comparison per collection;
 * a changed one arms its debounce and, the first time, turns `pending`.
 */
export function detectChanges(rt: Runtime, state: unknown): void {
  const { collections } = rt.config;
  for (let i = 0; i < collections.length; i++) {
    const collection = collections[i];
    let document: unknown;
    try {
      document = collection.select(state);
    } catch (error) {
      rt.report(error, true);
      continue;
    }
    if (document === rt.lastSelected[i]) continue;
    rt.lastSelected[i] = document;
    if (document === null || document === undefined) continue;
    const key = keyOf(rt, collection, document);
    if (key === undefined) continue;
    const doc = documentFor(rt, collection, key);
    if (document === doc.latest) continue;
    doc.latest = document;
    if (doc.incoming === 'stored') doc.clean = document;
    else if (doc.incoming === null && (document !== doc.clean || doc.phase === 'error')) {
      doc.schedule.touch();
      if (doc.phase !== 'pending') transition(rt, doc, { type: 'edited' });
    }
  }
}

/**
 * What the store starts with is clean: it is the app's initial state, never
 * a reason to write over a stored copy that has not been loaded yet.
 */
export function takeInitialState(rt: Runtime, state: unknown): void {
  rt.config.collections.forEach((collection, i) => {
    let document: unknown;
    try {
      document = collection.select(state);
    } catch (error) {
      rt.report(error, true);
      return;
    }
    rt.lastSelected[i] = document;
    if (document === null || document === undefined) return;
    const key = keyOf(rt, collection, document);
    if (key === undefined) return;
    const doc = documentFor(rt, collection, key);
    doc.latest = doc.clean = document;
  });
}
