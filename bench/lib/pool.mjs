import { fork } from 'node:child_process';
import { join } from 'node:path';
import { buildWorker, ROOT } from './build.mjs';

export const PROFILE_DIR = join(ROOT, 'results', 'profiles');

/** The contenders of one run, each with the worker bundle it runs in: `redux-autosave` is this checkout's src/. */
export async function createPool() {
  const worker = await buildWorker();
  const contender = (label, kind, file) => ({ label, kind, worker: file });
  const autosaves = [contender('redux-autosave', 'redux-autosave', worker)];
  return {
    bare: contender('bare', 'bare', worker),
    ideal: contender('ideal middleware (bench)', 'ideal', worker),
    floor: contender('floor', 'floor', worker),
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
