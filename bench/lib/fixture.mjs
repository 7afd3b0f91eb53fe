import { serialize } from 'node:v8';
import { z } from 'zod';

// Deterministic text, so every contender and every run sees the same bytes.
// ASCII only: the counting storage reports string length as bytes.
const WORDS = (
  'camera slowly pans across a rain soaked neon street at night while the hero walks past ' +
  'glowing shop windows reflections ripple in puddles wide angle lens soft focus background ' +
  'crowd murmurs distant sirens warm light spills from a diner where someone waits alone ' +
  'close up on trembling hands holding an old photograph the wind lifts loose papers'
).split(' ');

function textOf(seed, length) {
  let state = seed * 2654435761 + 1;
  let text = '';
  while (text.length < length) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    text += (text ? ' ' : '') + WORDS[state % WORDS.length];
  }
  return text.slice(0, length);
}

/** A project of `n` shots: a ~200-character prompt and three ~60-character lines of dialogue each. */
export function makeProject(n) {
  const shots = new Array(n);
  for (let i = 0; i < n; i++) {
    shots[i] = {
      id: `shot-${i}`,
      prompt: textOf(i * 4 + 1, 200),
      dialogue: [textOf(i * 4 + 2, 60), textOf(i * 4 + 3, 60), textOf(i * 4 + 4, 60)],
      durationMs: 2000 + (i % 7) * 500,
    };
  }
  const project = { id: 'project-1', title: 'Benchmark project', shots };
  if (!/^[\x20-\x7e]*$/.test(JSON.stringify(project))) throw new Error('bench fixture: the project must be ASCII');
  return project;
}

export const emptyProject = Object.freeze({ id: 'project-1', title: 'Benchmark project', shots: Object.freeze([]) });

export const ShotSchema = z.object({
  id: z.string(),
  prompt: z.string(),
  dialogue: z.array(z.string()),
  durationMs: z.number(),
});

export const ProjectSchema = z.object({
  id: z.string(),
  title: z.string(),
  shots: z.array(ShotSchema),
});

export const projectLoaded = (project) => ({ type: 'project/loaded', payload: project });
export const promptEdited = (index, prompt) => ({ type: 'project/promptEdited', payload: { index, prompt } });
export const cursorMoved = (cursor) => ({ type: 'ui/cursorMoved', payload: cursor });

/**
 * Hand-written immutable reducers: an edit copies the shots array and one
 * shot, as immer would, but without immer's freezing, which at these sizes
 * costs more than any persistence library's work per edit and would hide it.
 */
export function createReducers(initialProject) {
  const initialUi = { cursor: 0, hoveredShot: null, zoom: 1 };
  function project(state = initialProject, action) {
    switch (action.type) {
      case 'project/promptEdited': {
        const { index, prompt } = action.payload;
        const shots = state.shots.slice();
        shots[index] = { ...shots[index], prompt };
        return { ...state, shots };
      }
      case 'project/loaded':
        return action.payload;
      default:
        return state;
    }
  }
  function ui(state = initialUi, action) {
    return action.type === 'ui/cursorMoved' ? { ...state, cursor: action.payload } : state;
  }
  return { project, ui };
}

/** Actions for the dispatch loops, made before timing starts; a power of two long. */
export function uiActions() {
  return Array.from({ length: 1024 }, (_, i) => cursorMoved(i));
}

export function editActions(project) {
  const n = project.shots.length;
  return Array.from({ length: 64 }, (_, i) => {
    const index = (i * 37) % n;
    return promptEdited(index, `${project.shots[index].prompt} ${i}`);
  });
}

/** The shot a typing session edits, and the text typed into its prompt, one character per edit. */
export function typingEdits(project, count) {
  const index = Math.floor(project.shots.length / 2);
  const typed = textOf(99991, count);
  const base = project.shots[index].prompt;
  return Array.from({ length: count }, (_, i) => promptEdited(index, base + typed.slice(0, i + 1)));
}

/** The project as a typing session of `count` edits leaves it. */
export function projectAfterTyping(project, count) {
  const { project: reduce } = createReducers(project);
  return typingEdits(project, count).reduce(reduce, project);
}

/**
 * One in-memory storage for every contender: promise-returning getItem,
 * setItem, removeItem and keys over a Map that keeps each value as it is
 * given, as localforage hands an object to IndexedDB; redux-persist and
 * redux-remember give it strings, redux-autosave its envelope. It copies
 * nothing and serializes nothing while a window is timed: a string's size is
 * its length (free to read); other values are kept aside and measured by
 * `bytesWritten()` once the window has closed — with V8's structured-clone
 * serializer, the one Chromium's IndexedDB stores values with.
 */
export function countingStorage(initial) {
  const items = new Map(initial);
  const stats = { writes: 0, reads: 0 };
  let stringBytes = 0;
  let unmeasured = [];
  return {
    items,
    stats,
    async getItem(key) {
      stats.reads++;
      return items.has(key) ? items.get(key) : null;
    },
    async setItem(key, value) {
      stats.writes++;
      if (typeof value === 'string') stringBytes += value.length;
      else unmeasured.push(value);
      items.set(key, value);
      return value;
    },
    async removeItem(key) {
      items.delete(key);
    },
    async keys() {
      return [...items.keys()];
    },
    /** Bytes written since the last reset. Call it outside any timed window. */
    bytesWritten() {
      for (const value of unmeasured) stringBytes += storedSize(value);
      unmeasured = [];
      return stringBytes;
    },
    reset() {
      stats.writes = 0;
      stats.reads = 0;
      stringBytes = 0;
      unmeasured = [];
    },
  };
}

/** A stored value's size: a string's length (ASCII here), another value's V8 structured-clone size. */
export const storedSize = (value) => (typeof value === 'string' ? value.length : value === undefined ? 0 : serialize(value).length);

/**
 * Whether a stored value holds `text` (outside any timed window: it may
 * serialize). redux-autosave's format-2 envelope keeps the document as JSON
 * text in `json`: looked at as it is, not JSON-encoded again (which would
 * escape its quotes).
 */
export function storedHolds(value, text) {
  const stored = typeof value === 'string' ? value : typeof value?.json === 'string' ? value.json : JSON.stringify(value);
  return stored.includes(text);
}
