// One measurement in a fresh process. bench/run.mjs bundles this file with
// the source it measures (see lib/build.mjs) and forks the bundle,
// `node --expose-gc bench/.build/worker.mjs '<task json>'`, with
// NODE_ENV=production; the result goes back over IPC.
import { dispatch, immer } from './tasks/dispatch.mjs';
import { hydrate, seed } from './tasks/hydrate.mjs';
import { manyDocs } from './tasks/manyDocs.mjs';
import { typing } from './tasks/typing.mjs';

const tasks = { dispatch, immer, typing, seed, hydrate, manyDocs };

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
