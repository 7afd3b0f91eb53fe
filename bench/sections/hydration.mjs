// 3. Hydration: from each library's own stored format to a usable store,
// against the floor (getItem + JSON.parse + one validation), warm and cold.
import { join } from 'node:path';
import { BUILD_DIR } from '../lib/build.mjs';
import { bytes, count, ms, plural, say, times } from '../lib/format.mjs';
import { progress, runWorker } from '../lib/pool.mjs';
import { bootstrap, interval, median, table } from '../lib/stats.mjs';

export async function measureHydration({ pool, config }) {
  const h = config.hydrate;
  const hydrators = [pool.floor, pool.floorChecksum, ...pool.autosaves, ...pool.others];
  const out = Object.fromEntries(hydrators.map((c) => [c.label, { cold: [], samples: [] }]));
  // Each library's stored copy is written by a process of its own, so the
  // measuring processes run none of its code before their first load.
  for (const c of hydrators) {
    progress(`hydration N=${h.n}: storing ${c.label}'s copy`);
    const file = join(BUILD_DIR, `seed-${c.label.replace(/[^a-z0-9]+/gi, '-')}-${h.n}.bin`);
    Object.assign(out[c.label], await runWorker(c, { kind: 'seed', n: h.n, file }), { file });
  }
  for (let p = 0; p < h.processes; p++) {
    for (const c of hydrators) {
      progress(`hydration N=${h.n}: process ${p + 1}/${h.processes}, ${c.label}`);
      const run = await runWorker(c, { kind: 'hydrate', n: h.n, file: out[c.label].file, iterations: h.iterations, warmup: h.warmup });
      out[c.label].cold.push(run.cold);
      out[c.label].samples.push(...run.samples);
    }
  }
  const floor = out.floor;
  const ratioOfMedians = (a, b) => median(a) / median(b);
  for (const c of hydrators) {
    const mine = out[c.label];
    mine.warm = { ms: median(mine.samples), ratio: ratioOfMedians(mine.samples, floor.samples), interval: bootstrap(ratioOfMedians, [mine.samples, floor.samples]) };
    mine.coldFigure = { ms: median(mine.cold), ratio: ratioOfMedians(mine.cold, floor.cold), interval: bootstrap(ratioOfMedians, [mine.cold, floor.cold]) };
  }
  say();
  say(
    `3. Hydration of the N = ${count(h.n)} project from each library's own stored format to a usable store: CPU ms; ` +
      `warm: median of ${h.processes * h.iterations} loads (${plural(h.processes, 'fresh process', 'fresh processes')} × ${h.iterations}, after ${h.warmup} warm-up); ` +
      `cold: the first load of each fresh process (median of ${h.processes}). The copy was stored by another process and is read as V8 deserialized it.`,
  );
  say(
    table(
      ['contender', 'stored', 'warm ms', '× floor', '95% interval', 'cold ms', '× floor', '95% interval'],
      hydrators.map((c) => {
        const mine = out[c.label];
        const name =
          c.kind === 'floor'
            ? 'floor: getItem + JSON.parse + validation'
            : c.kind === 'floor+checksum'
              ? "floor + format 2's checksum of the text"
              : c.label;
        const bare = c.kind === 'floor';
        return [
          name,
          bytes(mine.storedBytes),
          ms(mine.warm.ms),
          times(mine.warm.ratio),
          bare ? '' : interval(mine.warm.interval),
          ms(mine.coldFigure.ms),
          times(mine.coldFigure.ratio),
          bare ? '' : interval(mine.coldFigure.interval),
        ];
      }),
    ),
  );
  say('   Every process creates a bare RTK store first: an app creates its store anyway, and compiling configureStore is no library\'s cost.');
  return { n: h.n, ...out };
}
