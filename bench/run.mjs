// `npm run bench` (or `node bench/run.mjs [--quick] [--profile]`): redux-autosave
// against a bare RTK store, redux-persist and redux-remember, side by side in
// one run, printed as ratios; every run writes results/bench-<timestamp>.json.
//   --quick    N = 200 only, fewer processes and runs: a smoke test under 60 s
//   --profile  write a CPU profile of each redux-autosave typing-session process
//              to results/profiles/ (summarise one with bench/profile-top.mjs)
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { buildWorker, ROOT } from './lib/build.mjs';
import { makeProject, projectAfterTyping } from './lib/fixture.mjs';
import { bootstrap, fixed, interval, median, ratio, table } from './lib/stats.mjs';
import { kb, measureSizes } from './lib/size.mjs';
import { sizeProblems, sizeTable } from './size.mjs';

const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');

const CONTENDERS = ['bare', 'redux-persist', 'redux-remember', 'redux-autosave'];
const PERSISTERS = CONTENDERS.slice(1);

const SESSION = { edits: 1000, gapMs: 50, idleMs: 10_000, debounceMs: 2000, maxWaitMs: 10_000 };

const CONFIG = quick
  ? {
      ns: [200],
      dispatch: { processes: 2, runs: 4, warmup: 1, count: 20_000 },
      typing: { processes: 1, sessions: (contender) => (contender === 'redux-autosave' ? 4 : 2), warmupEdits: 200 },
      hydrate: { n: 200, processes: 1, iterations: 7, warmup: 2 },
      immer: { runs: 3 },
    }
  : {
      ns: [200, 2000],
      dispatch: { processes: 6, runs: 7, warmup: 2, count: 20_000 },
      // redux-persist and redux-remember take seconds per session at N = 2000
      // and their figures are hundreds of times the bound: fewer sessions do.
      typing: {
        processes: 2,
        sessions: (contender, n) => (contender === 'redux-autosave' ? (n >= 2000 ? 6 : 12) : n >= 2000 ? 1 : 3),
        warmupEdits: 200,
      },
      hydrate: { n: 2000, processes: 3, iterations: 10, warmup: 3 },
      immer: { runs: 5 },
    };

/** The commit measured, and whether src/ had changes not committed yet. */
function sourceState() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--', 'src') !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

const version = (pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

// Progress goes to a terminal only, so that `npm run bench > file` holds the report alone.
const progress = (text) => process.stderr.isTTY && process.stderr.write(text);
const say = (text = '') => console.log(text);
const count = (n) => n.toLocaleString('en-US');
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

let workerFile;
const profiles = [];
const PROFILE_DIR = join(ROOT, 'results', 'profiles');
function runWorker(task, { profileName } = {}) {
  const execArgv = ['--expose-gc'];
  if (profileName) execArgv.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profileName}.cpuprofile`);
  return new Promise((resolve, reject) => {
    const child = fork(workerFile, [JSON.stringify(task)], {
      execArgv,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message;
    child.on('message', (m) => (message = m));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (message?.ok) resolve(message.result);
      else reject(new Error(`bench: ${task.kind} ${task.contender ?? ''} N=${task.n} failed (exit ${code})\n${message?.error ?? ''}`));
    });
  });
}

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

const ms = (value) => (value >= 100 ? fixed(value, 0) : value >= 10 ? fixed(value, 1) : fixed(value, 2));
const bytes = (value) => (value >= 1e6 ? `${fixed(value / 1e6, 1)} MB` : value >= 1e3 ? `${fixed(value / 1e3, 1)} KB` : `${value} B`);

async function main() {
  const started = new Date();
  const results = {
    date: started.toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    versions: {
      'redux-autosave': own.version,
      '@reduxjs/toolkit': version('@reduxjs/toolkit'),
      'redux-persist': version('redux-persist'),
      'redux-remember': version('redux-remember'),
      zod: version('zod'),
      immer: version('immer'),
    },
    source: sourceState(),
    config: {
      ...CONFIG,
      typing: {
        ...CONFIG.typing,
        sessions: Object.fromEntries(CONFIG.ns.map((n) => [n, Object.fromEntries(PERSISTERS.map((c) => [c, CONFIG.typing.sessions(c, n)]))])),
      },
      session: SESSION,
    },
  };
  const { machine, versions, source } = results;

  say(`redux-autosave benchmarks — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${quick ? ' — quick run (N = 200 only)' : ''}`);
  say(`Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGB} GB, ${machine.os}, Node ${machine.node}; load average at start ${machine.loadAverageAtStart.join(' ')}`);
  say(
    `Contenders: bare RTK ${versions['@reduxjs/toolkit']} store (baseline); redux-persist ${versions['redux-persist']} (nested persistReducer on project, default throttle 0); ` +
      `redux-remember ${versions['redux-remember']} (defaults: persistThrottle 100 ms); redux-autosave ${versions['redux-autosave']} ` +
      `(src at ${source.commit}${source.dirty ? ' with uncommitted changes' : ''}; defaults: debounce 2000 ms, max wait 10000 ms).`,
  );
  say(
    'All on one counting in-memory string storage; RTK dev checks off; NODE_ENV=production, inlined as a production bundle would (esbuild); ' +
      'hand-written immutable reducers; zod ' + versions.zod + ' schema for redux-autosave and the lower bounds.',
  );

  if (profile) mkdirSync(PROFILE_DIR, { recursive: true });
  progress('building the worker bundle…\n');
  workerFile = await buildWorker();

  // Context: what immer would cost per edit.
  results.immer = {};
  for (const n of CONFIG.ns) {
    results.immer[n] = await runWorker({ kind: 'immer', n, count: n >= 2000 ? 100 : 500, runs: CONFIG.immer.runs });
  }
  say(
    `Context: one prompt edit with an immer reducer (createSlice) costs ${CONFIG.ns
      .map((n) => `${ms(results.immer[n].immerUs)} µs at N = ${n}`)
      .join(', ')} (${CONFIG.ns.map((n) => `${ms(results.immer[n].immerNoFreezeUs)} µs`).join(', ')} with autoFreeze off); ` +
      `the hand-written reducer used here, ${CONFIG.ns.map((n) => `${ms(results.immer[n].handWrittenUs)} µs`).join(', ')}.`,
  );

  // 1. Dispatch cost.
  results.dispatch = {};
  const d = CONFIG.dispatch;
  for (const n of CONFIG.ns) {
    const pooled = Object.fromEntries(CONTENDERS.map((c) => [c, { ui: { wall: [], cpu: [] }, edit: { wall: [], cpu: [] } }]));
    for (let p = 0; p < d.processes; p++) {
      // Round robin, so that a slow minute of the machine falls on every contender alike.
      for (const contender of CONTENDERS) {
        progress(`dispatch N=${n}: process ${p + 1}/${d.processes}, ${contender}        \r`);
        const { samples } = await runWorker({ kind: 'dispatch', contender, n, runs: d.runs, warmup: d.warmup, count: d.count });
        for (const kind of ['ui', 'edit']) {
          for (const clock of ['wall', 'cpu']) pooled[contender][kind][clock].push(...samples[kind][clock]);
        }
      }
    }
    progress('\n');
    results.dispatch[n] = pooled;
    const base = pooled.bare;
    say();
    say(
      `1. Dispatch cost, N = ${count(n)} shots: CPU ns per dispatch, median of ${d.processes * d.runs} runs of ${count(d.count)} ` +
        `(${plural(d.processes, 'fresh process', 'fresh processes')} per contender × ${d.runs} runs, after ${plural(d.warmup, 'warm-up run')}); ` +
        'the interval is a bootstrap of the ratio of medians',
    );
    const ratioOfMedians = (a, b) => median(a) / median(b);
    for (const c of CONTENDERS) {
      for (const kind of ['ui', 'edit']) {
        pooled[c][kind].ratio = median(pooled[c][kind].cpu) / median(base[kind].cpu);
        pooled[c][kind].interval = bootstrap(ratioOfMedians, [pooled[c][kind].cpu, base[kind].cpu]);
      }
    }
    say(
      table(
        ['contender', 'ui action', '× bare', '95% interval', 'project edit', '× bare', '95% interval'],
        CONTENDERS.map((c) => {
          const { ui, edit } = pooled[c];
          return [
            c,
            fixed(median(ui.cpu)),
            ratio(median(ui.cpu), median(base.ui.cpu)),
            c === 'bare' ? '' : interval(ui.interval),
            fixed(median(edit.cpu)),
            ratio(median(edit.cpu), median(base.edit.cpu)),
            c === 'bare' ? '' : interval(edit.interval),
          ];
        }),
      ),
    );
  }

  // 2. Typing session.
  const times = Array.from({ length: SESSION.edits }, (_, i) => i * SESSION.gapMs);
  const needed = neededWrites(times, SESSION.debounceMs, SESSION.maxWaitMs);
  results.typing = { neededWrites: needed };
  for (const n of CONFIG.ns) {
    const byContender = {};
    for (let p = 0; p < CONFIG.typing.processes; p++) {
      for (const contender of PERSISTERS) {
        progress(`typing session N=${n}: process ${p + 1}/${CONFIG.typing.processes}, ${contender}        \r`);
        const profileName = profile && contender === 'redux-autosave' ? `typing-N${n}-${p + 1}` : undefined;
        const { rounds } = await runWorker(
          {
            kind: 'typing',
            contender,
            n,
            sessions: CONFIG.typing.sessions(contender, n),
            warmupEdits: CONFIG.typing.warmupEdits,
            neededWrites: needed,
            ...SESSION,
          },
          { profileName },
        );
        if (profileName) {
          // The measured sessions' time spans, for bench/profile-top.mjs --windows.
          const windows = rounds.map((round) => round.contender.window);
          writeFileSync(join(PROFILE_DIR, `${profileName}.windows.json`), JSON.stringify(windows));
          profiles.push(`${profileName}.cpuprofile`);
        }
        (byContender[contender] ??= []).push(...rounds);
      }
    }
    progress('\n');
    const all = Object.values(byContender).flat();
    const bounds = all.map((round) => round.ideal.boundCpuMs);
    const boundMs = median(bounds);
    const documentBytes = JSON.stringify(projectAfterTyping(makeProject(n), SESSION.edits)).length;
    const summarize = (rounds, which) => {
      const diffs = rounds.map((round) => round[which].cpuMs - round.bare.cpuMs);
      const persistenceCpuMs = median(diffs);
      return {
        writes: median(rounds.map((round) => round[which].writes)),
        bytes: median(rounds.map((round) => round[which].bytes)),
        sessionCpuMs: median(rounds.map((round) => round[which].cpuMs)),
        persistenceCpuMs,
        ratioToBound: persistenceCpuMs / boundMs,
        interval: bootstrap((d, b) => median(d) / median(b), [diffs, bounds]),
        savedFinal: rounds.every((round) => round[which].savedFinal),
        sessions: rounds.length,
      };
    };
    const summary = Object.fromEntries(PERSISTERS.map((c) => [c, summarize(byContender[c], 'contender')]));
    summary.ideal = summarize(all, 'ideal');
    const row = (name, s) => [
      name + (s.savedFinal ? '' : ' (last edit not stored!)'),
      count(s.writes),
      bytes(s.bytes),
      ms(s.sessionCpuMs),
      ms(s.persistenceCpuMs),
      ratio(s.persistenceCpuMs, boundMs),
      interval(s.interval),
    ];
    const hot = (key) => median(all.map((round) => round.hot[key])) / needed;
    const rows = [
      ['bare', '0', '0 B', ms(median(all.map((round) => round.bare.cpuMs))), '', '', ''],
      ...PERSISTERS.map((c) => row(c, summary[c])),
      row('ideal middleware (bench)', summary.ideal),
      ['lower bound', String(needed), bytes(needed * documentBytes), '', ms(boundMs), '1.00×', ''],
    ];
    results.typing[n] = {
      summary,
      boundMs,
      hotBoundMs: { stringify: hot('stringifyMs'), validate: hot('validateMs') },
      documentBytes,
      rounds: byContender,
    };
    say();
    say(
      `2. Typing session, N = ${count(n)}: ${count(SESSION.edits)} edits ${SESSION.gapMs} ms apart, then ${SESSION.idleMs / 1000} s idle, in simulated time (fake timers); ` +
        `CPU of the whole process (process.cpuUsage), median of ${PERSISTERS.map((c) => `${byContender[c].length}`).join('/')} sessions ` +
        `in ${plural(CONFIG.typing.processes, 'fresh process', 'fresh processes')} per contender, after warm-up`,
    );
    say(table(['contender', 'writes', 'written', 'session CPU ms', 'persistence CPU ms', '× lower bound', '95% interval'], rows));
    say(
      `   persistence CPU: the session's CPU minus that of a bare store's session run beside it in the same process. ` +
        `Lower bound: the ${needed} writes a ${SESSION.debounceMs / 1000} s debounce with a ${SESSION.maxWaitMs / 1000} s max wait needs, ` +
        `each one JSON.stringify and one validation of the ${bytes(documentBytes)} document, timed inside the same session ` +
        `(in a hot loop they take ${ms(hot('stringifyMs'))} + ${ms(hot('validateMs'))} ms a write). ` +
        `The ideal middleware does only that, with the same debounce: what is left is the cost of any middleware and timer. ` +
        `Against the hot-loop figure, redux-autosave's ratio would be ` +
        `${ratio(summary['redux-autosave'].persistenceCpuMs, needed * (hot('stringifyMs') + hot('validateMs')))}.`,
    );
  }

  // 3. Hydration.
  const h = CONFIG.hydrate;
  const hydrators = ['lower-bound', ...PERSISTERS];
  const hydration = Object.fromEntries(hydrators.map((c) => [c, { samples: [] }]));
  for (let p = 0; p < h.processes; p++) {
    for (const contender of hydrators) {
      progress(`hydration N=${h.n}: process ${p + 1}/${h.processes}, ${contender}        \r`);
      const out = await runWorker({ kind: 'hydrate', contender, n: h.n, iterations: h.iterations, warmup: h.warmup });
      hydration[contender].samples.push(...out.samples);
      hydration[contender].storedBytes = out.storedBytes;
      hydration[contender].keys = out.keys;
    }
  }
  progress('\n');
  const boundHydrate = median(hydration['lower-bound'].samples);
  for (const c of hydrators) {
    hydration[c].medianMs = median(hydration[c].samples);
    hydration[c].interval = bootstrap((a, b) => median(a) / median(b), [hydration[c].samples, hydration['lower-bound'].samples]);
  }
  results.hydration = { n: h.n, ...hydration };
  say();
  say(
    `3. Hydration of the N = ${count(h.n)} project from each library's own stored format: ms to a usable store, ` +
      `median of ${h.processes * h.iterations} (${plural(h.processes, 'fresh process', 'fresh processes')} per contender × ${h.iterations}, after ${h.warmup} warm-up)`,
  );
  say(
    table(
      ['contender', 'stored', 'ms', '× lower bound', '95% interval'],
      hydrators.map((c) => [
        c === 'lower-bound' ? 'lower bound: JSON.parse + validation' : c,
        bytes(hydration[c].storedBytes),
        ms(hydration[c].medianMs),
        ratio(hydration[c].medianMs, boundHydrate),
        c === 'lower-bound' ? '' : interval(hydration[c].interval),
      ]),
    ),
  );

  // 4. Bundle size.
  const sizes = await measureSizes();
  results.sizes = sizes;
  say();
  say('4. Bundle size: each persistence API as its quick start imports it, bundled with esbuild (ESM, minified, code splitting), gzip -9;');
  say('   RTK, redux, React and zod external. Counted: what the page loads at start; lazy chunks, loaded on first use, are listed apart.');
  say(sizeTable(sizes));

  // Targets.
  const targets = [];
  // How far past its target a ratio is, and whether the noise could account for it.
  const over = (r, limit, [lo, hi]) => {
    const where = `95% interval ${lo.toFixed(2)}–${hi.toFixed(2)}×`;
    if (r <= limit) return hi > limit ? `${where}: could be over` : where;
    return `over by ${Math.round((r / limit - 1) * 100)}%; ${where}${lo <= limit ? ': within noise' : ''}`;
  };
  const target = (name, figure, met, detail) => targets.push({ name, figure, met, detail });
  for (const n of CONFIG.ns) {
    const pooled = results.dispatch[n];
    const { ratio: r, interval: ci } = pooled['redux-autosave'].ui;
    target(`ui dispatch ≤ 1.05× bare (N = ${count(n)})`, `${r.toFixed(2)}×`, r <= 1.05, over(r, 1.05, ci));
  }
  for (const n of CONFIG.ns) {
    const s = results.typing[n].summary['redux-autosave'];
    target(`typing-session writes ≤ 6, ${needed} needed (N = ${count(n)})`, String(s.writes), s.writes <= 6 && s.savedFinal, s.savedFinal ? '' : 'last edit not stored');
  }
  for (const n of CONFIG.ns) {
    const { ratioToBound: r, interval: ci } = results.typing[n].summary['redux-autosave'];
    target(`typing-session CPU ≤ 1.5× lower bound (N = ${count(n)})`, `${r.toFixed(2)}×`, r <= 1.5, over(r, 1.5, ci));
  }
  {
    const r = hydration['redux-autosave'].medianMs / boundHydrate;
    target(`hydration ≤ 1.3× lower bound (N = ${count(h.n)})`, `${r.toFixed(2)}×`, r <= 1.3, over(r, 1.3, hydration['redux-autosave'].interval));
  }
  for (const row of sizes) {
    for (const [figure, budget] of Object.entries(row.budgets ?? {})) {
      const name = `${row.name} ${figure === 'allOwn' ? 'all own chunks' : 'startup'} ≤ ${kb(budget)} gzip`;
      if (row.missing) target(name, 'not built yet', null, '');
      else target(name, kb(row[figure].gzip), row.over[figure] === 0, sizeProblems(row).join('; '));
    }
  }
  results.targets = targets;
  say();
  say('Targets for redux-autosave');
  say(
    table(
      ['target', 'measured', 'result', ''],
      targets.map((t) => [t.name, t.figure, t.met === null ? '–' : t.met ? 'met' : 'MISSED', t.detail]),
      'lrll',
    ),
  );

  results.machine.loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  results.wallSeconds = Number(((Date.now() - started.getTime()) / 1000).toFixed(1));
  const dir = join(ROOT, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  say();
  if (profiles.length) {
    say(`CPU profiles of redux-autosave's typing sessions: ${profiles.map((f) => `results/profiles/${f}`).join(', ')}`);
    say(`  summarise one: node bench/profile-top.mjs results/profiles/${profiles[0]} --windows=results/profiles/${profiles[0].replace('.cpuprofile', '.windows.json')}`);
  }
  say(`Done in ${results.wallSeconds} s; load average at end ${results.machine.loadAverageAtEnd.join(' ')}. Results: ${file.slice(ROOT.length + 1)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
