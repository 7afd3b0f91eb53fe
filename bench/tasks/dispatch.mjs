// Dispatch cost: CPU per dispatch of `ui` actions (which change no
// document) and of project edits, in loops, after warm-up runs; and, as
// context, what an immer reducer would cost per edit at these sizes.
import { createSlice } from '@reduxjs/toolkit';
import { setAutoFreeze } from 'immer';
import { startContender } from '../lib/contenders.mjs';
import { countingStorage, createReducers, editActions, makeProject, uiActions } from '../lib/fixture.mjs';
import { median } from '../lib/stats.mjs';
import { gc, quiesce } from './common.mjs';

/** Wall and CPU nanoseconds per dispatch; CPU time does not count the time the OS gave another process. */
function timeDispatches(store, actions, count) {
  const mask = actions.length - 1;
  const { dispatch } = store;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) dispatch(actions[i & mask]);
  const wall = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpu0);
  return { wall: wall / count, cpu: ((cpu.user + cpu.system) * 1000) / count };
}

/** Nanoseconds per dispatch of `ui` actions and of project edits, after warm-up. */
export async function dispatch({ contender, n, runs, warmup, count }) {
  const project = makeProject(n);
  const storage = countingStorage();
  const { store, ready, settle } = startContender(contender, { initialProject: project, storage });
  await ready;
  await settle();
  const loops = { ui: uiActions(), edit: editActions(project) };
  const samples = { ui: { wall: [], cpu: [] }, edit: { wall: [], cpu: [] } };
  for (let run = 0; run < warmup + runs; run++) {
    for (const kind of ['ui', 'edit']) {
      await quiesce();
      const ns = timeDispatches(store, loops[kind], count);
      // Deferred persistence (a throttled or debounced write) finishes here,
      // outside the timed loop, so it never lands in the next one.
      await settle();
      if (run >= warmup) {
        samples[kind].wall.push(ns.wall);
        samples[kind].cpu.push(ns.cpu);
      }
    }
  }
  return { samples, writes: storage.stats.writes };
}

/** Context: what an immer (createSlice) edit costs at this size, frozen and not, against the hand-written reducer. */
export async function immer({ n, count, runs }) {
  const measure = (makeReducer) => {
    const project = makeProject(n);
    const reducer = makeReducer(project);
    const edits = editActions(project);
    let state = reducer(undefined, { type: 'bench/init' });
    const perEdit = [];
    for (let run = -1; run < runs; run++) {
      gc();
      const start = process.hrtime.bigint();
      for (let i = 0; i < count; i++) state = reducer(state, edits[i & 63]);
      if (run >= 0) perEdit.push(Number(process.hrtime.bigint() - start) / count / 1000);
    }
    return median(perEdit);
  };
  const immerSlice = (project) =>
    createSlice({
      name: 'project',
      initialState: project,
      reducers: {
        promptEdited(state, { payload }) {
          state.shots[payload.index].prompt = payload.prompt;
        },
      },
    }).reducer;
  const handWrittenUs = measure((project) => createReducers(project).project);
  const frozenUs = measure(immerSlice);
  setAutoFreeze(false);
  const unfrozenUs = measure(immerSlice);
  setAutoFreeze(true);
  return { handWrittenUs, immerUs: frozenUs, immerNoFreezeUs: unfrozenUs };
}
