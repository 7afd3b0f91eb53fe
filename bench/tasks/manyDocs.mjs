// Many documents: what one edit-save cycle of one small note costs when the
// autosave tracks n documents, and what the overall selectors cost right
// after a status change.
import FakeTimers from '@sinonjs/fake-timers';
import { countingStorage } from '../lib/fixture.mjs';
import { noteEdited, notesAutosave, notesStore, trackedState } from '../lib/notes.mjs';
import { median } from '../lib/stats.mjs';
import { cpuMsSince, FAKED, quiesce } from './common.mjs';

const DEBOUNCE_MS = 2000; // the library's default, which notesAutosave keeps
// The status changes a user sees in one cycle — pending, saving, saved —
// each a new state, each an update of the record: the floor's copies.
const FLOOR_COPIES = 3;

/**
 * One process: the autosave store starts from the slice's state after n
 * notes were saved once, a bare store beside it; then batches of cycles,
 * bare and autosave in turn, CPU per cycle; then the selectors, timed after
 * each status change (pending, then saved).
 */
export async function manyDocs({ n, batches, batchCycles, warmupCycles, selectorSamples, deadlineMs, byHand }) {
  const clock = FakeTimers.withGlobal(globalThis).install({ now: 1_700_000_000_000, toFake: FAKED });
  try {
    const tracked = trackedState(n, { deadlineMs, byHand });
    const autosave = notesAutosave(countingStorage());
    // Counts the library's status actions, and the copies of the `documents`
    // record they make, in one cycle outside the timed ones.
    const seen = { counting: false, actions: 0, copies: 0 };
    const spy = (action) => {
      if (seen.counting && action.type.startsWith(`${autosave.reducerPath}/`)) seen.actions++;
    };
    const store = notesStore({ autosave, autosaveState: tracked.state, spy });
    const bare = notesStore({});
    const { selectOverallStatus, selectHasUnsavedChanges, selectDocumentStatus } = autosave.selectors;
    const documents = () => Object.keys(store.getState()[autosave.reducerPath].documents).length;
    if (documents() !== n || selectOverallStatus(store.getState()) !== 'saved') {
      throw new Error(`many documents: the store should start with ${n} saved documents, has ${documents()}, overall ${selectOverallStatus(store.getState())}`);
    }
    const status = () => selectDocumentStatus(store.getState(), 'note', 'n0').status;
    let typed = 0;
    let bareTyped = 0;

    // An edit, then the debounced save to completion (status `saved`).
    const cycle = async () => {
      store.dispatch(noteEdited(`The first line of a short note, edited ${++typed} times.`));
      await clock.tickAsync(DEBOUNCE_MS);
      for (let spins = 0; status() !== 'saved'; spins++) {
        if (spins > 100) throw new Error(`many documents: the save did not finish (status ${status()})`);
        await clock.tickAsync(1);
      }
    };
    // What the harness costs without a library: the edit and the simulated wait.
    const bareCycle = async () => {
      bare.dispatch(noteEdited(`The first line of a short note, edited ${++bareTyped} times.`));
      await clock.tickAsync(DEBOUNCE_MS);
    };
    const batchMs = async (fn) => {
      await quiesce();
      const start = process.cpuUsage();
      for (let i = 0; i < batchCycles; i++) await fn();
      return cpuMsSince(start) / batchCycles;
    };

    for (let i = 0; i < warmupCycles; i++) {
      await cycle();
      await bareCycle();
    }
    const records = () => store.getState()[autosave.reducerPath].documents;
    let record = records();
    const unsubscribe = store.subscribe(() => {
      if (seen.counting && records() !== record) seen.copies++;
      record = records();
    });
    seen.counting = true;
    await cycle();
    seen.counting = false;
    unsubscribe();

    // The floor: the copies of the record the cycle's status changes need,
    // each one `{ ...record, [key]: entry }` of this n-key record, timed as
    // the cycles are. An immutable update of a flat record pays this at least
    // (past about a thousand keys V8 keeps such an object as a hash table,
    // and a copy enumerates and inserts every key).
    let copy = records();
    const entry = copy['note:n0'];
    const copiesMs = async () => {
      await quiesce();
      const start = process.cpuUsage();
      for (let i = 0; i < batchCycles; i++) for (let c = 0; c < FLOOR_COPIES; c++) copy = { ...copy, 'note:n0': entry };
      return cpuMsSince(start) / batchCycles;
    };
    await copiesMs();
    const cycles = [];
    const bareCycles = [];
    const floors = [];
    for (let b = 0; b < batches; b++) {
      bareCycles.push(await batchMs(bareCycle));
      cycles.push(await batchMs(cycle));
      floors.push(await copiesMs());
    }
    if (Object.keys(copy).length !== n) throw new Error('many documents: the floor copied the wrong record');
    if (store.getState().notes.current.text !== `The first line of a short note, edited ${typed} times.`) {
      throw new Error('many documents: the last edit is not in the state');
    }

    // The first call on a state the status change made, as a component's
    // useSaveStatus() would make it; memoized calls after it are free.
    const timeNs = (selector, state) => {
      const start = process.hrtime.bigint();
      const value = selector(state);
      return { ns: Number(process.hrtime.bigint() - start), value };
    };
    const overall = [];
    const unsaved = [];
    // Both again on the same state: a selector that scanned every document
    // would cost as much again; one that reads a count shows what the first
    // calls paid for coming right after the reducer copied the record (a
    // 10-document state read right after copying an unrelated 10,000-key
    // object is as slow on its first calls).
    const again = [];
    const timeAgain = (state) => {
      const start = process.hrtime.bigint();
      selectOverallStatus(state);
      selectHasUnsavedChanges(state);
      again.push(Number(process.hrtime.bigint() - start));
    };
    const check = (what, got, expected) => {
      if (got !== expected) throw new Error(`many documents: ${what} is ${got} with a note ${expected === 'pending' || expected === true ? 'pending' : 'saved'}`);
    };
    for (let s = 0; s < selectorSamples; s++) {
      store.dispatch(noteEdited(`Edited again, ${++typed}.`));
      let o = timeNs(selectOverallStatus, store.getState());
      let u = timeNs(selectHasUnsavedChanges, store.getState());
      check('selectOverallStatus', o.value, 'pending');
      check('selectHasUnsavedChanges', u.value, true);
      overall.push(o.ns);
      unsaved.push(u.ns);
      timeAgain(store.getState());
      await clock.tickAsync(DEBOUNCE_MS);
      while (status() !== 'saved') await clock.tickAsync(1);
      o = timeNs(selectOverallStatus, store.getState());
      u = timeNs(selectHasUnsavedChanges, store.getState());
      check('selectOverallStatus', o.value, 'saved');
      check('selectHasUnsavedChanges', u.value, false);
      overall.push(o.ns);
      unsaved.push(u.ns);
      timeAgain(store.getState());
    }
    return {
      n,
      setup: { how: tracked.how, reducedKeys: tracked.reducedKeys, ms: tracked.ms },
      cycleMs: cycles,
      bareCycleMs: bareCycles,
      statusActions: seen.actions,
      recordCopies: seen.copies,
      floorCopies: FLOOR_COPIES,
      copiesFloorMs: floors,
      selectors: { overallNs: median(overall), unsavedNs: median(unsaved), overall, unsaved, again },
    };
  } finally {
    clock.uninstall();
  }
}
