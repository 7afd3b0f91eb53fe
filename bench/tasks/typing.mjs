// Typing sessions as a user pays them: 1,000 edits 50 ms apart, then quiet,
// in simulated time, on a fresh process's store. The first session of the
// process is the cold one (a user's first minutes: nothing compiled yet);
// later ones, after warm-up sessions, are the warm ones.
import FakeTimers from '@sinonjs/fake-timers';
import { startContender } from '../lib/contenders.mjs';
import { countingStorage, makeProject, projectAfterTyping, ProjectSchema, storedHolds, typingEdits } from '../lib/fixture.mjs';
import { median } from '../lib/stats.mjs';
import { cpuMsSince, FAKED, gc, quiesce } from './common.mjs';

/** The contender's store over a counting storage, read (empty) and settled. */
async function sessionStore(contender, project, clock) {
  const storage = countingStorage();
  const { store, ready, bound } = startContender(contender, { initialProject: project, storage });
  await ready;
  // Setup writes (redux-persist writes the slice back after rehydrating) are not a session's.
  await clock.tickAsync(1000);
  return { contender, store, storage, bound };
}

/**
 * One session. The window opens after a full GC (nothing of the setup is
 * billed) and closes with one: the garbage the session made is the
 * session's, for the bare store too, so the live heap's marking cancels out
 * in the difference. `cpuMs` is what the old window saw (it ended before
 * that GC); `endGcMs` is the GC it left out. Bytes and the final-edit check
 * are measured after the window.
 */
async function typingSession({ contender, store, storage, bound }, actions, clock, { gapMs, idleMs }) {
  const finalPrompt = actions.at(-1).payload.prompt;
  storage.reset();
  if (bound) bound.cpuMs = 0;
  await quiesce();
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < actions.length; i++) {
    store.dispatch(actions[i]);
    await clock.tickAsync(gapMs);
  }
  await clock.tickAsync(idleMs);
  const cpuMs = cpuMsSince(cpu0);
  const gc0 = process.cpuUsage();
  gc();
  const endGcMs = cpuMsSince(gc0);
  const endUs = Number(process.hrtime.bigint() / 1000n);
  return {
    cpuMs,
    endGcMs,
    totalMs: cpuMs + endGcMs,
    writes: storage.stats.writes,
    bytes: storage.bytesWritten(),
    boundCpuMs: bound?.cpuMs,
    // On the clock of V8's CPU profiles: bench/profile-top.mjs --windows reads these.
    window: [startUs, endUs],
    // The last stored copy holds the last edit: nothing was lost at the end.
    savedFinal: contender === 'bare' || [...storage.items.values()].some((value) => storedHolds(value, finalPrompt)),
  };
}

/**
 * The floor of one write: one JSON.stringify and one validation of the
 * document as the session leaves it, each in a hot loop of `reps` after a
 * warm-up (the least they can cost), median of three loops.
 */
function floorOfOneWrite(document, reps) {
  const loop = (fn) => {
    const start = process.cpuUsage();
    for (let i = 0; i < reps; i++) fn();
    return cpuMsSince(start) / reps;
  };
  const stringify = () => JSON.stringify(document);
  const validate = () => {
    if (!ProjectSchema.safeParse(document).success) throw new Error('bench fixture: invalid project');
  };
  loop(stringify);
  loop(validate);
  const stringifyMs = median([0, 1, 2].map(() => loop(stringify)));
  const validateMs = median([0, 1, 2].map(() => loop(validate)));
  return { stringifyMs, validateMs, perWriteMs: stringifyMs + validateMs };
}

/**
 * One fresh process: the cold session, then `warmupSessions` discarded and
 * `warmSessions` kept. A bare-store process also measures the floor after
 * its sessions, so floors interleave with the sessions in time.
 */
export async function typing({ contender, n, edits, gapMs, idleMs, warmupSessions, warmSessions, floorReps }) {
  const project = makeProject(n);
  const actions = typingEdits(project, edits);
  const timing = { gapMs, idleMs };
  const clock = FakeTimers.withGlobal(globalThis).install({ now: 1_700_000_000_000, toFake: FAKED });
  try {
    const store = await sessionStore(contender, project, clock);
    const cold = await typingSession(store, actions, clock, timing);
    const warm = [];
    for (let i = 0; i < warmupSessions + warmSessions; i++) {
      const session = await typingSession(store, actions, clock, timing);
      if (i >= warmupSessions) warm.push(session);
    }
    const floor = floorReps ? floorOfOneWrite(projectAfterTyping(project, edits), floorReps) : undefined;
    return { cold, warm, floor };
  } finally {
    clock.uninstall();
  }
}
