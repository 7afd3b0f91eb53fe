// Hydration: time from a library's own stored copy of the project to a
// usable store. The stored copy is written by another process (`seed`), so
// nothing of the library has run in the measuring process before its first
// load: that first load is the cold one a user's page pays.
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { startContender } from '../lib/contenders.mjs';
import { countingStorage, emptyProject, makeProject, ProjectSchema, storedSize } from '../lib/fixture.mjs';
import { checksum } from '../../src/envelope.ts';
import { cpuMsSince, quiesce, realSleep } from './common.mjs';

/** Writes the contender's stored copy of the N-shot project to `file` (V8's structured clone, as IndexedDB keeps it). */
export async function seed({ contender, n, file }) {
  const project = makeProject(n);
  const storage = countingStorage();
  if (contender === 'floor') {
    await storage.setItem('project', JSON.stringify(project));
  } else if (contender === 'floor+checksum') {
    const json = JSON.stringify(project);
    await storage.setItem('project', `${checksum(json)}\n${json}`);
  } else {
    const seeder = startContender(contender, { initialProject: project, storage });
    await seeder.ready;
    await seeder.seed();
    await realSleep(20);
  }
  const items = [...storage.items];
  writeFileSync(file, serialize(items));
  return { keys: items.map(([key]) => key), storedBytes: items.reduce((sum, [, value]) => sum + storedSize(value), 0) };
}

/**
 * `iterations` loads after the cold one and `warmup` discarded, each from a
 * fresh storage over the seeded items. The floor is what any library must
 * do: getItem, JSON.parse, one validation; `floor+checksum` adds the hash
 * of the text that any library verifying a checksum must compute. A bare RTK store is created
 * first in every process: an app builds its store anyway, and RTK's first
 * configureStore is not any library's cost.
 */
export async function hydrate({ contender, n, file, iterations, warmup }) {
  const project = makeProject(n);
  const stored = deserialize(readFileSync(file));
  startContender('bare', { initialProject: emptyProject, storage: countingStorage() });
  let cold;
  const samples = [];
  const wall = [];
  for (let i = 0; i < 1 + warmup + iterations; i++) {
    const storage = countingStorage(stored);
    await quiesce();
    let settle = async () => {};
    let shots;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    if (contender === 'floor') {
      const text = await storage.getItem('project');
      const result = ProjectSchema.safeParse(JSON.parse(text));
      shots = result.success ? result.data.shots : [];
    } else if (contender === 'floor+checksum') {
      // The floor, and the text's hash checked first: what any load that
      // verifies a checksum of the text must add (format 2's own function).
      const stored = await storage.getItem('project');
      const newline = stored.indexOf('\n');
      const text = stored.slice(newline + 1);
      if (checksum(text) !== stored.slice(0, newline)) throw new Error('floor + checksum: the checksum does not match');
      const result = ProjectSchema.safeParse(JSON.parse(text));
      shots = result.success ? result.data.shots : [];
    } else {
      const started = startContender(contender, { initialProject: emptyProject, storage });
      await started.ready;
      shots = started.store.getState().project.shots;
      settle = started.settle;
    }
    // CPU time, as for every other row: on a shared machine wall time also
    // counts the moments the OS gave another process.
    const ms = cpuMsSince(cpu0);
    const wallMs = performance.now() - start;
    await settle();
    if (shots.length !== n || shots[n - 1].prompt !== project.shots[n - 1].prompt) {
      throw new Error(`${contender}: hydration did not restore the project`);
    }
    if (i === 0) cold = ms;
    else if (i > warmup) {
      samples.push(ms);
      wall.push(wallMs);
    }
  }
  return { cold, samples, wall };
}
