import { fork } from 'node:child_process';
import { join } from 'node:path';
import { prepareBaseline } from './git.mjs';
import { buildWorker, ROOT } from './build.mjs';

export const PROFILE_DIR = join(ROOT, 'results', 'profiles');

/**
 * The contenders of one run. Each runs in its own worker bundle:
 * `redux-autosave` is this checkout's src/; with `baseline`, the same
 * library built from that git ref runs as `redux-autosave@<ref>`, so the two
 * are measured in one run, interleaved.
 */
export async function createPool({ baseline }) {
  const worker = await buildWorker();
  const base = baseline ? prepareBaseline(baseline) : undefined;
  const baseWorker = base ? await buildWorker({ srcDir: base.srcDir, name: `worker-${base.commit}` }) : undefined;
  const contender = (label, kind, file, extra = {}) => ({ label, kind, worker: file, ...extra });
  const autosaves = [contender('redux-autosave', 'redux-autosave', worker)];
  if (base) autosaves.push(contender(base.label, 'redux-autosave', baseWorker, { baseline: base }));
  return {
    baseline: base,
    bare: contender('bare', 'bare', worker),
    ideal: contender('ideal middleware (bench)', 'ideal', worker),
    idealChecksum: contender('ideal + checksum (bench)', 'ideal+checksum', worker),
    floor: contender('floor', 'floor', worker),
    floorChecksum: contender('floor + checksum', 'floor+checksum', worker),
    // The dispatch section's floors: what any middleware costs, and what one
    // with a status slice and a select per action costs at least.
    dispatchFloors: [contender('empty middleware', 'empty middleware', worker), contender('empty middleware + slice + select', 'empty middleware and slice', worker)],
    autosaves,
    others: [contender('redux-persist', 'redux-persist', worker), contender('redux-remember', 'redux-remember', worker)],
    worker,
  };
}

/** Runs one task in a fresh process of the contender's bundle; resolves its result. */
export function runWorker(contender, task, { profileName } = {}) {
  const execArgv = ['--expose-gc'];
  if (profileName) execArgv.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profileName}.cpuprofile`);
  const full = { ...task, contender: contender.kind };
  return new Promise((resolve, reject) => {
    const child = fork(contender.worker, [JSON.stringify(full)], {
      execArgv,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message;
    child.on('message', (m) => (message = m));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (message?.ok) resolve(message.result);
      else reject(new Error(`bench: ${task.kind} ${contender.label} N=${task.n ?? ''} failed (exit ${code})\n${message?.error ?? ''}`));
    });
  });
}

// Progress goes to a terminal only, so that `npm run bench > file` holds the report alone.
export const progress = (text) => process.stderr.isTTY && process.stderr.write(`${text}\x1b[K\r`);
