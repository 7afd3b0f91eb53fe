// One measurement in a fresh process. bench/run.mjs bundles this file (see
// lib/build.mjs) and forks the bundle, `node --expose-gc bench/.build/worker.mjs
// '<task json>'`, with NODE_ENV=production; the result goes back over IPC.
import FakeTimers from '@sinonjs/fake-timers';
import { performance } from 'node:perf_hooks';
import { setTimeout as realSleep } from 'node:timers/promises';
import { createSlice } from '@reduxjs/toolkit';
import { setAutoFreeze } from 'immer';
import { startContender } from './lib/contenders.mjs';
import {
  countingStorage,
  createReducers,
  editActions,
  emptyProject,
  makeProject,
  projectAfterTyping,
  ProjectSchema,
  typingEdits,
  uiActions,
} from './lib/fixture.mjs';
import { median } from './lib/stats.mjs';

const gc = globalThis.gc ?? (() => {});

/** A full GC, then a pause so that its background sweeping is not billed to what comes next. */
async function quiesce() {
  gc();
  await realSleep(10);
}

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
async function dispatch({ contender, n, runs, warmup, count }) {
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

const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'];

/**
 * A contender's store for typing sessions, created once per process: a
 * session of a real app runs on a store that has lived a while, and a fresh
 * store per session would measure V8 compiling its new closures each time.
 * The session's edits carry whole prompts, so sessions follow one another
 * on one store without resetting it.
 */
async function sessionStore(contender, project, clock) {
  const storage = countingStorage();
  const { store, ready, bound } = startContender(contender, { initialProject: project, storage });
  await ready;
  // Setup writes (redux-persist writes the slice back after rehydrating) are not a session's.
  await clock.tickAsync(1000);
  return { contender, store, storage, bound };
}

/**
 * One typing session in simulated time: the edits `gapMs` apart, then
 * `idleMs` of quiet. Counts storage writes and bytes, and the CPU time the
 * whole session takes: dispatches, reducers, timers and persistence.
 */
async function typingSession({ contender, store, storage, bound }, actions, clock, { gapMs, idleMs }) {
  const finalPrompt = actions.at(-1).payload.prompt;
  storage.stats.writes = 0;
  storage.stats.bytes = 0;
  if (bound) bound.cpuMs = 0;
  await quiesce();
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < actions.length; i++) {
    store.dispatch(actions[i]);
    await clock.tickAsync(gapMs);
  }
  await clock.tickAsync(idleMs);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  return {
    writes: storage.stats.writes,
    bytes: storage.stats.bytes,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    boundCpuMs: bound?.cpuMs,
    // On the clock of V8's CPU profiles: bench/profile-top.mjs --windows reads these.
    window: [startUs, Number(process.hrtime.bigint() / 1000n)],
    // The last stored copy holds the last edit: nothing was lost at the end.
    savedFinal: contender === 'bare' || [...storage.items.values()].some((value) => value.includes(finalPrompt)),
  };
}

const cpuMsOf = (fn) => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/**
 * The bound's two calls in a hot loop, for reference: what they cost with
 * warm caches, `writes` times back to back.
 */
function hotBound(document, writes) {
  const stringifyMs = cpuMsOf(() => {
    for (let w = 0; w < writes; w++) JSON.stringify(document);
  });
  const validateMs = cpuMsOf(() => {
    for (let w = 0; w < writes; w++) if (!ProjectSchema.safeParse(document).success) throw new Error('invalid fixture');
  });
  return { stringifyMs, validateMs, totalMs: stringifyMs + validateMs };
}

/**
 * Typing sessions of one contender, each in a round with a session of the
 * bare store and one of the `ideal` persister (the lower bound) in the same
 * process, in rotating order: the machine's load drifts, and differences
 * within a round cancel most of it. The contender's persistence CPU is its
 * session minus the bare one; the lower bound is the CPU of the ideal
 * persister's stringify and validation calls, made at the same moments of
 * the same session, with caches as cold as the contender's.
 */
async function typing({ contender, n, sessions, edits, gapMs, idleMs, warmupEdits, neededWrites }) {
  const project = makeProject(n);
  const actions = typingEdits(project, edits);
  const document = projectAfterTyping(project, edits);
  const timing = { gapMs, idleMs };
  const clock = FakeTimers.withGlobal(globalThis).install({ now: 1_700_000_000_000, toFake: FAKED });
  try {
    const stores = {
      bare: await sessionStore('bare', project, clock),
      contender: await sessionStore(contender, project, clock),
      ideal: await sessionStore('ideal', project, clock),
    };
    // Warm-up, discarded: the JIT needs a few dozen writes before a save
    // path is optimized; redux-autosave writes 5 times a session, the others
    // hundreds. So the stores get short sessions until they have written 20
    // times, and the bound's calls run 20 times.
    const warmup = actions.slice(0, warmupEdits);
    for (let round = 0, written = 0; round < 2 || (written < 20 && round < 12); round++) {
      await typingSession(stores.bare, warmup, clock, timing);
      await typingSession(stores.ideal, warmup, clock, timing);
      written += (await typingSession(stores.contender, warmup, clock, timing)).writes;
    }
    hotBound(document, 20);
    const rounds = [];
    const orders = [
      ['bare', 'contender', 'ideal'],
      ['contender', 'ideal', 'bare'],
      ['ideal', 'bare', 'contender'],
    ];
    for (let i = 0; i < sessions; i++) {
      const round = {};
      for (const which of orders[i % orders.length]) {
        round[which] = await typingSession(stores[which], actions, clock, timing);
      }
      if (round.ideal.writes !== neededWrites) {
        throw new Error(`the ideal persister wrote ${round.ideal.writes} times, not the ${neededWrites} the debounce needs`);
      }
      await quiesce();
      round.hot = hotBound(document, neededWrites);
      rounds.push(round);
    }
    return { rounds };
  } finally {
    clock.uninstall();
  }
}

/**
 * Time to a usable store from each library's own stored copy of the
 * project: store creation, reading, parsing, checking and restoring.
 */
async function hydrate({ contender, n, iterations, warmup }) {
  const project = makeProject(n);
  const samples = [];
  if (contender === 'lower-bound') {
    const json = JSON.stringify(project);
    for (let i = 0; i < warmup + iterations; i++) {
      await quiesce();
      const start = performance.now();
      const parsed = JSON.parse(json);
      const result = ProjectSchema.safeParse(parsed);
      const ms = performance.now() - start;
      if (!result.success || result.data.shots.length !== n) throw new Error('lower bound: invalid');
      if (i >= warmup) samples.push(ms);
    }
    return { samples, storedBytes: json.length };
  }

  const seedStorage = countingStorage();
  const seeder = startContender(contender, { initialProject: project, storage: seedStorage });
  await seeder.ready;
  await seeder.seed();
  await realSleep(20);
  const stored = [...seedStorage.items];
  const storedBytes = stored.reduce((sum, [, value]) => sum + value.length, 0);

  for (let i = 0; i < warmup + iterations; i++) {
    const storage = countingStorage(stored);
    await quiesce();
    const start = performance.now();
    const { store, ready, settle } = startContender(contender, { initialProject: emptyProject, storage });
    const outcome = await ready;
    const ms = performance.now() - start;
    const shots = store.getState().project.shots;
    if (shots.length !== n || shots[n - 1].prompt !== project.shots[n - 1].prompt) {
      throw new Error(`${contender}: hydration did not restore the project (${JSON.stringify(outcome)?.slice(0, 200)})`);
    }
    if (i >= warmup) samples.push(ms);
    await settle();
  }
  return { samples, storedBytes, keys: stored.map(([key]) => key) };
}

/** Context: what an immer (createSlice) edit costs at this size, frozen and not, against the hand-written reducer. */
async function immer({ n, count, runs }) {
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

const tasks = { dispatch, typing, hydrate, immer };

const task = JSON.parse(process.argv[2]);
try {
  const result = await tasks[task.kind](task);
  if (process.send) process.send({ ok: true, result }, () => process.exit(0));
  else {
    console.log(JSON.stringify(result));
    process.exit(0);
  }
} catch (error) {
  console.error(error);
  if (process.send) process.send({ ok: false, error: String(error?.stack ?? error) }, () => process.exit(1));
  else process.exit(1);
}
