// 2. Typing session as a user pays it: the whole session's process CPU,
// garbage collection included, minus a bare store's, cold (one fresh process
// per session), against the floor: the writes the debounce needs, each one
// JSON.stringify and one validation, measured in the same run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeProject, projectAfterTyping } from '../lib/fixture.mjs';
import { bytes, count, ms, plural, say, times } from '../lib/format.mjs';
import { PROFILE_DIR, progress, runWorker } from '../lib/pool.mjs';
import { bootstrap, interval, median, pairedDiffs, table } from '../lib/stats.mjs';

const perProcess = (run, which, field) => (which === 'cold' ? run.cold[field] : median(run.warm.map((s) => s[field])));

export async function measureTyping({ pool, config, session, neededWrites, profile, profiles }) {
  const t = config.typing;
  const results = {};
  for (const n of config.ns) {
    const plan = [
      { c: pool.bare, processes: t.processes.bare, warm: true },
      ...pool.autosaves.map((c) => ({ c, processes: t.processes.autosave, warm: true })),
      { c: pool.ideal, processes: t.processes.ideal, warm: true },
      { c: pool.idealChecksum, processes: t.processes.ideal, warm: true },
      ...pool.others.map((c) => ({ c, processes: t.processes.other(n), warm: false })),
    ];
    const runs = Object.fromEntries(plan.map(({ c }) => [c.label, []]));
    const rounds = Math.max(...plan.map((step) => step.processes));
    for (let p = 0; p < rounds; p++) {
      // Round robin, so that a slow minute of the machine falls on every contender alike.
      for (const { c, processes, warm } of plan.filter((step) => p < step.processes)) {
        progress(`typing session N=${n}: process ${p + 1}/${processes}, ${c.label}`);
        const profileName = profile && c.kind === 'redux-autosave' && !c.baseline ? `typing-N${n}-${p + 1}` : undefined;
        const task = {
          kind: 'typing',
          n,
          ...session,
          warmupSessions: warm ? t.warmupSessions : 0,
          warmSessions: warm ? t.warmSessions : 0,
          floorReps: c.kind === 'bare' ? t.floorReps : 0,
        };
        const run = await runWorker(c, task, { profileName });
        if (profileName) {
          // The measured sessions' time spans, for bench/profile-top.mjs --windows.
          writeFileSync(join(PROFILE_DIR, `${profileName}.cold.json`), JSON.stringify([run.cold.window]));
          writeFileSync(join(PROFILE_DIR, `${profileName}.windows.json`), JSON.stringify([run.cold.window, ...run.warm.map((s) => s.window)]));
          profiles.push(profileName);
        }
        runs[c.label].push(run);
      }
    }

    const bare = runs.bare;
    const floorPerWrite = bare.map((run) => run.floor.perWriteMs);
    const floorMs = neededWrites * median(floorPerWrite);
    const documentBytes = JSON.stringify(projectAfterTyping(makeProject(n), session.edits)).length;
    /** A contender's session beyond the bare store's, paired by round, against the floor. */
    const figure = (label, which, field = 'totalMs', over = floorPerWrite) => {
      const mine = runs[label].map((run) => perProcess(run, which, field));
      const diffs = pairedDiffs(mine, bare.map((run) => perProcess(run, which, field)));
      const beyond = median(diffs);
      const boundMs = neededWrites * median(over);
      return {
        sessionMs: median(mine),
        beyondMs: beyond,
        ratio: beyond / boundMs,
        interval: bootstrap((d, f) => median(d) / (neededWrites * median(f)), [diffs, over]),
        diffs,
      };
    };
    const summary = {};
    for (const { c, warm } of plan.filter((step) => step.c.kind !== 'bare')) {
      const cold = runs[c.label].map((run) => run.cold);
      summary[c.label] = {
        writes: median(cold.map((s) => s.writes)),
        bytes: median(cold.map((s) => s.bytes)),
        savedFinal: runs[c.label].every((run) => [run.cold, ...run.warm].every((s) => s.savedFinal)),
        cold: figure(c.label, 'cold'),
        warm: warm ? figure(c.label, 'warm') : null,
        processes: runs[c.label].length,
      };
    }
    // What the old window saw: warm sessions, ended before the GC of their
    // garbage, over a bound timed inside the ideal persister's session.
    const inSession = runs[pool.ideal.label].map((run) => median(run.warm.map((s) => s.boundCpuMs)) / neededWrites);
    const windows = Object.fromEntries(
      pool.autosaves.map((c) => [
        c.label,
        [
          ['old window: warm, ended before the GC, over the bound timed inside a session', figure(c.label, 'warm', 'cpuMs', inSession), neededWrites * median(inSession)],
          ['the same session figure over the floor (hot-loop stringify + validation)', figure(c.label, 'warm', 'cpuMs'), floorMs],
          ["warm, with the GC of the session's garbage", figure(c.label, 'warm'), floorMs],
          ['cold (a fresh process), ended before the GC', figure(c.label, 'cold', 'cpuMs'), floorMs],
          ['cold, with the GC: what a user pays', figure(c.label, 'cold'), floorMs],
        ],
      ]),
    );
    // The same five calls, but the first of a fresh process: zod builds and
    // compiles its validator on first use, which no hot loop shows.
    const coldFloorMs = median(runs[pool.ideal.label].map((run) => run.cold.boundCpuMs));
    const floor = { ms: floorMs, coldMs: coldFloorMs, stringifyMs: median(bare.map((r) => r.floor.stringifyMs)), validateMs: median(bare.map((r) => r.floor.validateMs)) };
    results[n] = { floor, documentBytes, summary, windows: mapWindows(windows), runs };

    say();
    say(
      `2. Typing session, N = ${count(n)}: ${count(session.edits)} edits ${session.gapMs} ms apart, then ${session.idleMs / 1000} s idle, in simulated time (fake timers). ` +
        `CPU of the whole process (process.cpuUsage: every thread, GC included) from a full GC before the first edit to a full GC after the idle time; ` +
        `cold: the first session of a fresh process (median of ${plan.map((s) => `${runs[s.c.label].length}`).join('/')} processes: ${plan.map((s) => s.c.label).join('/')}); ` +
        `warm: the median of ${plural(t.warmSessions, 'session')} after ${plural(t.warmupSessions, 'warm-up session')} in the same processes. ` +
        'Beyond bare: minus the bare store\'s session of the same round.',
    );
    const row = (label, s) => [
      label + (s.savedFinal ? '' : ' (last edit not stored!)'),
      count(s.writes),
      bytes(s.bytes),
      ms(s.cold.sessionMs),
      ms(s.cold.beyondMs),
      times(s.cold.ratio),
      interval(s.cold.interval),
      s.warm ? ms(s.warm.beyondMs) : '',
      s.warm ? times(s.warm.ratio) : '',
    ];
    say(
      table(
        ['contender', 'writes', 'written', 'cold CPU ms', 'beyond bare', '× floor', '95% interval', 'warm: beyond bare', '× floor'],
        [
          ['bare', '0', '0 B', ms(median(bare.map((r) => r.cold.totalMs))), '', '', '', `(session ${ms(median(bare.map((r) => perProcess(r, 'warm', 'totalMs'))))})`, ''],
          ...plan.filter((s) => s.c.kind !== 'bare').map((s) => row(s.c.label, summary[s.c.label])),
          [`floor: ${neededWrites} × (stringify + validation)`, String(neededWrites), bytes(neededWrites * documentBytes), '', ms(floorMs), '1.00×', '', ms(floorMs), '1.00×'],
        ],
      ),
    );
    say(
      `   floor: the ${neededWrites} writes a ${session.debounceMs / 1000} s debounce with a ${session.maxWaitMs / 1000} s max wait needs, each one JSON.stringify ` +
        `(${ms(floor.stringifyMs)} ms) and one zod validation (${ms(floor.validateMs)} ms) of the ${bytes(documentBytes)} document, in a hot loop in the bare processes; ` +
        `the same ${neededWrites} calls as the first of a fresh process (timed inside the ideal persister's cold sessions) take ${ms(coldFloorMs)} ms. ` +
        'Written: bytes handed to the storage, measured after the window (strings by length, other values by V8\'s structured-clone size).',
    );
    for (const c of pool.autosaves) {
      say();
      say(`   What the old window left out (${c.label}, N = ${count(n)}): the same sessions, measured as the old bench did and as a user pays`);
      say(
        table(
          ['window', 'beyond bare ms', 'bound ms', 'ratio', '95% interval'],
          windows[c.label].map(([name, f, bound]) => [name, ms(f.beyondMs), ms(bound), times(f.beyondMs / bound), interval(f.interval)]),
          'lrrrr',
        ),
      );
    }
  }
  return results;
}

/** The decomposition as plain data for the results file. */
function mapWindows(windows) {
  return Object.fromEntries(
    Object.entries(windows).map(([label, rows]) => [label, rows.map(([name, f, boundMs]) => ({ name, beyondMs: f.beyondMs, boundMs, ratio: f.beyondMs / boundMs, interval: f.interval }))]),
  );
}
