import { documentFor, keyOf, transition, type DocumentState } from './document';
import type { CollectionConfig } from '../options';
import type { Runtime } from './runtime';

/** What `select` returns; a select that throws is reported and selects nothing. */
function selectFrom(rt: Runtime, collection: CollectionConfig, state: unknown): unknown {
  try {
    return collection.select(state);
  } catch (error) {
    rt.report(error, true);
    return undefined;
  }
}

/** The record of a selected document, or `undefined` when there is none (or its id is unusable). */
function recordOf(rt: Runtime, collection: CollectionConfig, document: unknown): DocumentState | undefined {
  if (document === null || document === undefined) return undefined;
  const key = keyOf(rt, collection, document);
  return key === undefined ? undefined : documentFor(rt, collection, key);
}

/**
 * The hot path: runs after every action. An action that changed no
 * document costs one select and one reference comparison per collection;
 * a changed one arms its debounce and, the first time, turns `pending`.
 */
export function detectChanges(rt: Runtime, state: unknown): void {
  const { collections } = rt.config;
  for (let i = 0; i < collections.length; i++) {
    const collection = collections[i];
    const document = selectFrom(rt, collection, state);
    if (document === rt.lastSelected[i]) continue;
    rt.lastSelected[i] = document;
    const doc = recordOf(rt, collection, document);
    if (!doc || document === doc.latest) continue;
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
    const document = (rt.lastSelected[i] = selectFrom(rt, collection, state));
    const doc = recordOf(rt, collection, document);
    if (doc) doc.latest = doc.clean = document;
  });
}
