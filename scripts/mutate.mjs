// Hand mutations, applied one at a time and run against the tests that
// should catch them (issue 10). Each mutation is a small, plausible bug in
// src/; a mutation that no test catches marks a promise nothing checks.
//
//   npm run mutate                      every mutation, each against its own test files
//   npm run mutate -- --all             every mutation against the whole suite (slow)
//   npm run mutate -- --only a,b        only the mutations with these ids
//   npm run mutate -- --tests a,b       run these test files (substrings of paths) for every mutation
//   npm run mutate -- --repeat 20       run each mutation (and the baseline) with FC_SEED=1…20: a detection rate
//   npm run mutate -- --check           only check that every pattern matches exactly once
//
// The source tree is never touched: the repository is copied to a scratch
// directory (node_modules linked), and the mutations are made there. A
// pattern that does not match exactly once stops the run before anything is
// tested, so the list is kept in step with src/ as it is refactored.
// Exit status: 0 all killed, 1 some survived, 2 the list or the baseline is broken.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, openSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { mutations } from './mutations.mjs';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const wholeSuite = flag('--all');
const checkOnly = flag('--check');
const only = option('--only')?.split(',').filter(Boolean);
const testsOverride = option('--tests')?.split(',').filter(Boolean);
const TIMEOUT_MS = Number(option('--timeout') ?? 600_000);
const repeat = Number(option('--repeat') ?? 0);

// --- the list itself -------------------------------------------------------

function countMatches(text, find) {
  if (typeof find === 'string') return text.split(find).length - 1;
  const global = new RegExp(find.source, find.flags.includes('g') ? find.flags : `${find.flags}g`);
  return [...text.matchAll(global)].length;
}

function applyTo(text, { find, replace }) {
  if (typeof find === 'string') return text.replace(find, () => replace);
  return text.replace(find, replace);
}

function checkList(selected) {
  const problems = [];
  const ids = new Set();
  for (const m of mutations) {
    if (ids.has(m.id)) problems.push(`${m.id}: the id is used twice`);
    ids.add(m.id);
  }
  for (const m of selected) {
    for (const field of ['id', 'file', 'find', 'why']) if (m[field] === undefined) problems.push(`${m.id ?? '?'}: no ${field}`);
    if (typeof m.replace !== 'string') problems.push(`${m.id}: replace must be a string`);
    const path = join(root, m.file);
    if (!existsSync(path)) {
      problems.push(`${m.id}: ${m.file} does not exist (moved by a refactor? update scripts/mutations.mjs)`);
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const n = countMatches(text, m.find);
    if (n !== 1) {
      problems.push(`${m.id}: ${typeof m.find === 'string' ? JSON.stringify(m.find) : m.find} matches ${n} times in ${m.file}, not once`);
    } else if (applyTo(text, m) === text) {
      problems.push(`${m.id}: the replacement changes nothing`);
    }
    for (const pattern of m.tests ?? []) {
      if (!testFiles().some((file) => file.includes(pattern))) problems.push(`${m.id}: no test file matches ${JSON.stringify(pattern)}`);
    }
  }
  return problems;
}

let allTests;
function testFiles() {
  allTests ??= readdirSync(join(root, '__tests__')).filter((f) => /\.test\.tsx?$/.test(f)).map((f) => `__tests__/${f}`);
  return allTests;
}

// --- the scratch copy ------------------------------------------------------

const COPIED = ['src', '__tests__', 'examples/sync-server', 'jest.config.cjs', 'tsconfig.json', 'tsconfig.jest.json', 'package.json'];

// A stable path per checkout, so jest's transform cache carries over between runs.
const scratchDir = join(tmpdir(), `redux-autosave-mutate-${createHash('sha1').update(root).digest('hex').slice(0, 8)}`);
const lockFile = `${scratchDir}.lock`;
let locked = false;

function lock() {
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(lockFile, 'utf8'));
    let alive = true;
    try {
      process.kill(holder, 0);
    } catch {
      alive = false;
    }
    if (alive) {
      console.error(`mutate: another run (pid ${holder}) is using ${scratchDir}; wait for it`);
      process.exit(2);
    }
    writeFileSync(lockFile, String(process.pid));
  }
  locked = true;
}

function makeScratch() {
  const dir = scratchDir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of COPIED) cpSync(join(root, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function fingerprint(dir) {
  const hash = createHash('sha1');
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(dir, path)).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

// --- running jest ----------------------------------------------------------

let child;
let scratch;

function cleanUp() {
  if (child && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
  if (locked) rmSync(lockFile, { force: true });
  locked = false;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nmutate: ${signal}, stopping; the source tree was never changed`);
    cleanUp();
    process.exit(130);
  });
}

/** Runs jest in the scratch copy; resolves { passed, timedOut, failures: ['file › test'], unreadable, log }. */
function jest(files, label, env = {}) {
  const out = join(scratch, `.jest-${label}.json`);
  const logFile = join(scratch, `.jest-${label}.log`);
  rmSync(out, { force: true });
  const jestArgs = [
    join(scratch, 'node_modules/jest/bin/jest.js'),
    '--ci',
    '--bail',
    '--silent',
    `--reporters=${join(root, 'scripts/mutate-reporter.cjs')}`,
    '--reporters=default',
  ];
  if (files) jestArgs.push('--runTestsByPath', ...files);
  const fd = openSync(logFile, 'w');
  return new Promise((done) => {
    child = spawn(process.execPath, jestArgs, {
      cwd: scratch,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env, MUTATE_RESULT_FILE: out },
    });
    closeSync(fd);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      let result;
      try {
        result = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        result = undefined;
      }
      const failures = [];
      for (const suite of result?.suites ?? []) {
        const file = relative(scratch, suite.file);
        for (const name of suite.failed) failures.push(`${file} › ${name}`);
        if (!suite.ran) failures.push(`${file} (the file did not run: ${firstLine(suite.message)})`);
      }
      const log = readFileSync(logFile, 'utf8');
      const passed = code === 0 && result?.passed === true;
      done({ passed, timedOut, failures, log, unreadable: !passed && !timedOut && failures.length === 0 });
    });
  });
}

const firstLine = (text = '') => text.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').find((l) => l.trim()) ?? '';

/**
 * For seeded tests (the model-based one): the baseline must pass with each
 * of FC_SEED=1…repeat, and each mutation is run with each; prints how many
 * seeds catch it. Returns the exit status.
 */
async function detectionRates(baselineFiles) {
  const seeds = Array.from({ length: repeat }, (_, i) => i + 1);
  for (const seed of seeds) {
    const baseline = await jest(baselineFiles, `baseline-${seed}`, { FC_SEED: String(seed) });
    if (!baseline.passed) {
      console.error(`mutate: without any mutation the tests fail with FC_SEED=${seed}:\n  ${baseline.failures.join('\n  ') || firstLine(baseline.log)}`);
      return 2;
    }
  }
  console.log(`mutate: baseline passes with FC_SEED=1…${repeat}`);
  let status = 0;
  for (const m of selected) {
    const path = join(scratch, m.file);
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, applyTo(original, m));
    const caught = [];
    try {
      for (const seed of seeds) {
        const run = await jest(filesFor(m), `${m.id}-${seed}`, { FC_SEED: String(seed) });
        if (!run.passed) caught.push(seed);
      }
    } finally {
      writeFileSync(path, original);
    }
    console.log(`${m.id}: caught with ${caught.length}/${repeat} seeds${caught.length < repeat ? ` (missed: ${seeds.filter((s) => !caught.includes(s)).join(', ')})` : ''}`);
    if (caught.length < repeat) status = 1;
  }
  return status;
}

// --- main ------------------------------------------------------------------

const selected = only ? mutations.filter((m) => only.includes(m.id)) : mutations;
if (only && selected.length !== only.length) {
  console.error(`mutate: no mutation named ${only.filter((id) => !mutations.some((m) => m.id === id)).join(', ')}`);
  process.exit(2);
}
const problems = checkList(selected);
if (problems.length > 0) {
  console.error(`mutate: the mutation list is out of step with src/:\n  ${problems.join('\n  ')}`);
  process.exit(2);
}
console.log(`mutate: ${selected.length} mutations, every pattern matches exactly once`);
if (checkOnly) process.exit(0);

const gitClean = () => {
  try {
    execFileSync('git', ['diff', '--quiet', '--', 'src'], { cwd: root });
    return true;
  } catch {
    return false;
  }
};
const srcBefore = fingerprint(join(root, 'src'));
const gitCleanBefore = gitClean();

const filesFor = (m) => {
  const patterns = testsOverride ?? m.tests;
  return wholeSuite || !patterns ? undefined : testFiles().filter((f) => patterns.some((p) => f.includes(p)));
};
const rows = [];
let exitCode = 0;
try {
  lock();
  scratch = makeScratch();
  const baselineFiles = selected.some((m) => !filesFor(m)) ? undefined : [...new Set(selected.flatMap(filesFor))];
  const started = Date.now();
  if (repeat > 0) {
    exitCode = await detectionRates(baselineFiles);
  } else {
  const baseline = await jest(baselineFiles, 'baseline');
  if (!baseline.passed) {
    console.error(`mutate: the tests fail without any mutation; fix them first:\n  ${baseline.failures.join('\n  ') || firstLine(baseline.log)}`);
    exitCode = 2;
  } else {
    console.log(`mutate: baseline passes (${baselineFiles ? `${baselineFiles.length} files` : 'whole suite'}, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    for (const m of selected) {
      const path = join(scratch, m.file);
      const original = readFileSync(path, 'utf8');
      writeFileSync(path, applyTo(original, m));
      const t0 = Date.now();
      let run;
      try {
        run = await jest(filesFor(m), m.id);
      } finally {
        writeFileSync(path, original);
      }
      const seconds = ((Date.now() - t0) / 1000).toFixed(0);
      const outcome = run.timedOut ? 'killed (timeout)' : run.passed ? 'SURVIVED' : run.unreadable ? 'killed (no result)' : 'killed';
      rows.push({ m, outcome, by: run.failures, seconds });
      console.log(`${outcome.padEnd(8)} ${m.id} (${seconds} s)${run.failures[0] ? ` — ${run.failures[0]}` : ''}`);
      if (run.unreadable) console.log(`  jest left no readable result: ${firstLine(run.log)}`);
    }
  }
  }
} finally {
  cleanUp();
}

if (rows.length > 0) {
  console.log('\n| mutation | result | killed by | what it breaks |');
  console.log('|---|---|---|---|');
  for (const { m, outcome, by } of rows) {
    const shown = by.slice(0, 3).join('<br>') + (by.length > 3 ? `<br>(+${by.length - 3} more)` : '');
    console.log(`| ${m.id} | ${outcome} | ${shown || '—'} | ${m.why} |`);
  }
  const survived = rows.filter((r) => r.outcome === 'SURVIVED');
  console.log(`\nmutate: ${rows.length - survived.length} killed, ${survived.length} survived${survived.length ? `: ${survived.map((r) => r.m.id).join(', ')}` : ''}`);
  if (survived.length > 0) exitCode = 1;
}

if (fingerprint(join(root, 'src')) !== srcBefore || (gitCleanBefore && !gitClean())) {
  console.error('mutate: src/ changed while the mutations ran; it must not (check git diff src)');
  exitCode = 2;
}
process.exit(exitCode);
