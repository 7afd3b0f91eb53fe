// `npm run bench` (or `node bench/run.mjs [--quick] [--profile] [--baseline <ref>]`):
// redux-autosave against a bare RTK store, redux-persist and redux-remember,
// side by side in one run, every goal printed as a ratio against its floor
// from the same run; every run writes results/bench-<timestamp>.json.
//   --quick           N = 200 only, fewer processes: a smoke test under 60 s (CI)
//   --profile         a CPU profile of each redux-autosave typing-session process,
//                     in results/profiles/ (summarise one with bench/profile-top.mjs)
//   --baseline <ref>  also build the library from that git ref and measure it as
//                     `redux-autosave@<ref>`, interleaved with the current source
//   --only <sections> only these sections, comma-separated: dispatch, typing,
//                     hydration, manyDocs, sizes, server (the summary shows their rows)
// The server section is `npm run bench:server` (bench/server/run.mjs) on the
// built package: the sync server's requests and its stream of changes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { sourceState } from './lib/git.mjs';
import { ROOT } from './lib/build.mjs';
import { ms, say } from './lib/format.mjs';
import { createPool, PROFILE_DIR, progress, runWorker } from './lib/pool.mjs';
import { measureSizes } from './lib/size.mjs';
import { measureDispatch } from './sections/dispatch.mjs';
import { measureHydration } from './sections/hydration.mjs';
import { measureManyDocs } from './sections/manyDocs.mjs';
import { summarize } from './sections/summary.mjs';
import { measureTyping } from './sections/typing.mjs';
import { SIZE_NOTES, sizeTable } from './size.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const baselineAt = args.findIndex((arg) => arg === '--baseline' || arg.startsWith('--baseline='));
const baseline = baselineAt < 0 ? undefined : args[baselineAt].includes('=') ? args[baselineAt].split('=')[1] : args[baselineAt + 1];
if (baselineAt >= 0 && !baseline) {
  console.error('usage: npm run bench -- --baseline <git ref>');
  process.exit(2);
}
const SECTIONS = ['dispatch', 'typing', 'hydration', 'manyDocs', 'sizes', 'server'];
const onlyAt = args.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
const only = onlyAt < 0 ? SECTIONS : (args[onlyAt].includes('=') ? args[onlyAt].split('=')[1] : (args[onlyAt + 1] ?? '')).split(',').filter(Boolean);
if (only.length === 0 || only.some((name) => !SECTIONS.includes(name))) {
  console.error(`usage: npm run bench -- --only <${SECTIONS.join('|')}>[,…]`);
  process.exit(2);
}

const SESSION = { edits: 1000, gapMs: 50, idleMs: 10_000, debounceMs: 2000, maxWaitMs: 10_000 };

const CONFIG = quick
  ? {
      ns: [200],
      dispatch: { processes: 2, runs: 3, warmup: 1, count: 5_000 },
      typing: { processes: { bare: 3, autosave: 3, ideal: 1, other: () => 1 }, warmupSessions: 0, warmSessions: 1, floorReps: 10 },
      hydrate: { n: 200, processes: 1, iterations: 5, warmup: 2 },
      manyDocs: { ns: [10, 1000, 10_000], processes: 1, batches: 3, batchCycles: 5, warmupCycles: 5, selectorSamples: 3, deadlineMs: 1000 },
      immer: null,
    }
  : {
      ns: [200, 2000],
      dispatch: { processes: 6, runs: 7, warmup: 2, count: 20_000 },
      // redux-persist and redux-remember take seconds per session at N = 2000
      // and their figures are hundreds of times the floor: fewer sessions do.
      typing: { processes: { bare: 10, autosave: 10, ideal: 4, other: (n) => (n >= 2000 ? 1 : 2) }, warmupSessions: 3, warmSessions: 3, floorReps: 10 },
      hydrate: { n: 2000, processes: 6, iterations: 10, warmup: 3 },
      manyDocs: { ns: [10, 1000, 10_000], processes: 3, batches: 8, batchCycles: 10, warmupCycles: 20, selectorSamples: 20, deadlineMs: 4000 },
      immer: { runs: 5 },
    };

/**
 * How many writes a save `debounceMs` after the last change, or `maxWaitMs`
 * after the first unsaved one, makes for changes at `times`. A change at the
 * moment a save is due comes after it, as in the simulated session.
 */
export function neededWrites(times, debounceMs, maxWaitMs) {
  let writes = 0;
  let first = null;
  let last = null;
  let i = 0;
  while (i < times.length || first !== null) {
    const due = first === null ? Infinity : Math.min(last + debounceMs, first + maxWaitMs);
    if (i < times.length && times[i] < due) {
      first ??= times[i];
      last = times[i++];
    } else {
      writes++;
      first = null;
    }
  }
  return writes;
}

const version = (pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const loadAverage = () => os.loadavg().map((l) => Number(l.toFixed(2)));

async function main() {
  const started = new Date();
  const source = sourceState();
  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: loadAverage(),
  };
  const versions = Object.fromEntries(['@reduxjs/toolkit', 'redux-persist', 'redux-remember', 'zod', 'immer'].map((pkg) => [pkg, version(pkg)]));
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  progress('building the worker bundles…');
  const pool = await createPool({ baseline });
  const results = { date: started.toISOString(), mode: quick ? 'quick' : 'full', sections: only, machine, versions, source, baseline: pool.baseline, config: { ...CONFIG, session: SESSION } };

  say(
    `redux-autosave benchmarks — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' — quick run (N = 200 only, fewer processes)' : ''}` +
      (only.length < SECTIONS.length ? ` — only ${only.join(', ')}` : ''),
  );
  say(`Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGB} GB, ${machine.os}, Node ${machine.node}; load average at start ${machine.loadAverageAtStart.join(' ')}`);
  say(
    `Contenders: bare RTK ${versions['@reduxjs/toolkit']} store; redux-persist ${versions['redux-persist']} (nested persistReducer on project, throttle 0); ` +
      `redux-remember ${versions['redux-remember']} (persistThrottle 100 ms); redux-autosave ${own.version} (src at ${source.commit}${source.dirty ? ' with uncommitted changes' : ''}; ` +
      `defaults: debounce 2000 ms, max wait 10000 ms)${pool.baseline ? `; ${pool.baseline.label} (${pool.baseline.commit}, the same library built from that ref)` : ''}.`,
  );
  say(
    'One counting in-memory storage for all, keeping values as given (strings from redux-persist and redux-remember, the envelope from redux-autosave), ' +
      'bytes measured after each timed window; NODE_ENV=production inlined as a production bundle would (esbuild); RTK dev checks off; ' +
      `hand-written immutable reducers; zod ${versions.zod}. CPU time throughout, so time the OS gives other processes is not counted.`,
  );

  if (profile) mkdirSync(PROFILE_DIR, { recursive: true });
  if (CONFIG.immer) {
    results.immer = {};
    for (const n of CONFIG.ns) results.immer[n] = await runWorker(pool.bare, { kind: 'immer', n, count: n >= 2000 ? 100 : 500, runs: CONFIG.immer.runs });
    say(
      `Context: one prompt edit with an immer reducer (createSlice) costs ${CONFIG.ns.map((n) => `${ms(results.immer[n].immerUs)} µs at N = ${n}`).join(', ')} ` +
        `(${CONFIG.ns.map((n) => `${ms(results.immer[n].immerNoFreezeUs)} µs`).join(', ')} with autoFreeze off); ` +
        `the hand-written reducer used here, ${CONFIG.ns.map((n) => `${ms(results.immer[n].handWrittenUs)} µs`).join(', ')}.`,
    );
  }

  const times = Array.from({ length: SESSION.edits }, (_, i) => i * SESSION.gapMs);
  const needed = neededWrites(times, SESSION.debounceMs, SESSION.maxWaitMs);
  const profiles = [];
  const ctx = { pool, config: CONFIG, session: SESSION, neededWrites: needed, profile, profiles };
  // Wall seconds per section, to keep --quick under CI's minute.
  results.seconds = {};
  const section = async (name, measure) => {
    if (!only.includes(name)) return;
    const start = Date.now();
    results[name] = await measure(ctx);
    results.seconds[name] = (Date.now() - start) / 1000;
  };
  await section('dispatch', measureDispatch);
  await section('typing', measureTyping);
  await section('hydration', measureHydration);
  await section('manyDocs', measureManyDocs);

  await section('sizes', async () => {
    progress('bundle sizes');
    const sizes = await measureSizes();
    if (pool.baseline) sizes.push(...(await measureSizes({ srcDir: pool.baseline.srcDir, label: pool.baseline.label, others: false })));
    say();
    say('5. Bundle size: each persistence API as its quick start imports it.');
    say(`   ${SIZE_NOTES.join('\n   ')}`);
    say(sizeTable(sizes));
    return sizes;
  });

  // The sync server, on the built package in processes of its own: its
  // figures carry no goal of issue 14's table, so the summary has no row of them.
  await section('server', async () => {
    progress('the sync server: building the package, then its benchmark');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const output = execFileSync(process.execPath, [join(ROOT, 'bench', 'server', 'run.mjs'), ...(quick ? ['--quick'] : [])], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    say();
    say(`6. The sync server (bench/server/run.mjs${quick ? ' --quick' : ''}): ${output.trim()}`);
    return { output };
  });

  results.summary = summarize({ pool, config: CONFIG, results, neededWrites: needed });

  results.machine.loadAverageAtEnd = loadAverage();
  results.wallSeconds = Number(((Date.now() - started.getTime()) / 1000).toFixed(1));
  const dir = join(ROOT, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  say();
  if (profiles.length) {
    say(`CPU profiles of redux-autosave's typing sessions: ${profiles.map((f) => `results/profiles/${f}.cpuprofile`).join(', ')}`);
    say(`  the cold session of one: node bench/profile-top.mjs results/profiles/${profiles[0]}.cpuprofile --windows=results/profiles/${profiles[0]}.cold.json`);
  }
  say(`Done in ${results.wallSeconds} s; load average at end ${results.machine.loadAverageAtEnd.join(' ')}. Results: ${file.slice(ROOT.length + 1)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
