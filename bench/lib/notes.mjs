// The many-documents fixture: an app with one collection of small notes,
// the one open note in `state.notes.current`, and thousands of notes the
// autosave has tracked (each saved once), so their statuses are in the slice.
import { configureStore } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave } from '../../src/index.ts';
import { countingStorage } from './fixture.mjs';

export const NoteSchema = z.object({ id: z.string(), title: z.string(), text: z.string() });

export const noteOpened = (note) => ({ type: 'notes/opened', payload: note });
export const noteEdited = (text) => ({ type: 'notes/edited', payload: text });

const firstNote = Object.freeze({ id: 'n0', title: 'Note 0', text: 'The first line of a short note.' });

function notes(state = { current: firstNote }, action) {
  switch (action.type) {
    case 'notes/opened':
      return { current: action.payload };
    case 'notes/edited':
      return { current: { ...state.current, text: action.payload } };
    default:
      return state;
  }
}

const middleware = (gDM) => gDM({ immutableCheck: false, serializableCheck: false });

/** An autosave of the notes collection, with the library's defaults (debounce 2000 ms). */
export function notesAutosave(storage) {
  return createAutosave({
    storage,
    documents: {
      note: { select: (state) => state.notes.current, id: (note) => note.id, schema: NoteSchema, restore: noteOpened },
    },
  });
}

/**
 * The app's store, with or without the autosave, starting from `autosaveState`
 * (its slice's state). `spy`, when given, sees every action dispatched,
 * the library's own included, before the reducers do.
 */
export function notesStore({ autosave, autosaveState, spy }) {
  if (!autosave) return configureStore({ reducer: { notes }, middleware });
  const spying = spy ? [() => (next) => (action) => (spy(action), next(action))] : [];
  return configureStore({
    reducer: { notes, [autosave.reducerPath]: autosave.reducer },
    middleware: (gDM) => middleware(gDM).prepend(...spying).concat(autosave.middleware),
    preloadedState: autosaveState ? { [autosave.reducerPath]: autosaveState } : undefined,
  });
}

/**
 * The autosave slice's state after `n` notes were each saved once, built
 * with the library's own reducer and actions (changed, saveStarted,
 * saveSucceeded, as a save dispatches them), so whatever the slice keeps
 * beside `documents` (counts, say) is as the library would have it. A slice
 * whose every action copies the whole record makes that quadratic: past
 * `deadlineMs` (or when `byHand`), and only when the slice holds nothing but
 * `documents`, `loads` and `counts`, the rest is built by hand from the
 * entry the reducer made for the first note, in the shape DESIGN §6
 * documents; `counts` is then left out, as in a state preloaded without it,
 * for the library to count once (in the warm-up, outside the timed cycles).
 */
export function trackedState(n, { deadlineMs, byHand = false }) {
  const { reducer, actions } = notesAutosave(countingStorage());
  const key = (i) => `note:n${i}`;
  const savedOnce = (state, k) =>
    reducer(reducer(reducer(state, actions.changed({ key: k })), actions.saveStarted({ key: k })), actions.saveSucceeded({ key: k, savedAt: 1_700_000_000_000, pending: false }));
  const started = performance.now();
  let state = savedOnce(reducer(undefined, { type: '@@bench/init' }), key(0));
  const template = state.documents[key(0)];
  const canBuildByHand = Object.keys(state).every((field) => field === 'documents' || field === 'loads' || field === 'counts');
  let done = 1;
  if (!(byHand && canBuildByHand)) {
    for (; done < n; done++) {
      if (canBuildByHand && done % 64 === 0 && performance.now() - started > deadlineMs) break;
      state = savedOnce(state, key(done));
    }
  }
  const how = done === n ? 'reducer' : 'by hand';
  if (done < n) {
    const documents = { ...state.documents };
    for (let i = done; i < n; i++) documents[key(i)] = { ...template };
    const { counts: _recounted, ...rest } = state;
    state = { ...rest, documents };
  }
  return { state, how, reducedKeys: done, ms: performance.now() - started };
}
