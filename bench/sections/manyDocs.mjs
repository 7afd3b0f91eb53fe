// 4. Many documents: one edit-save cycle of one small note with 10, 1,000
// and 10,000 tracked documents, and the overall selectors after a status change.
import { count, plural, say, times, us } from '../lib/format.mjs';
import { progress, runWorker } from '../lib/pool.mjs';
import { bootstrap, interval, median, table } from '../lib/stats.mjs';

export async function measureManyDocs({ pool, config }) {
  const m = config.manyDocs;
  const results = {};
  const byHand = new Set();
  let floorCopies;
  for (const c of pool.autosaves) {
    results[c.label] = Object.fromEntries(m.ns.map((n) => [n, { cycleMs: [], bareCycleMs: [], copiesFloorMs: [], statusActions: [], recordCopies: [], overall: [], unsaved: [], again: [], setup: [] }]));
  }
  for (let p = 0; p < m.processes; p++) {
    for (const n of m.ns) {
      for (const c of pool.autosaves) {
        progress(`many documents: process ${p + 1}/${m.processes}, ${count(n)} documents, ${c.label}`);
        const key = `${c.label}:${n}`;
        const run = await runWorker(c, {
          kind: 'manyDocs',
          n,
          batches: m.batches,
          batchCycles: m.batchCycles,
          warmupCycles: m.warmupCycles,
          selectorSamples: m.selectorSamples,
          deadlineMs: m.deadlineMs,
          byHand: byHand.has(key),
        });
        // A slice that took too long to record n saves one by one will take
        // as long in the next process: build it by hand from the start there.
        if (run.setup.how === 'by hand') byHand.add(key);
        const mine = results[c.label][n];
        mine.cycleMs.push(...run.cycleMs);
        mine.bareCycleMs.push(...run.bareCycleMs);
        mine.copiesFloorMs.push(...run.copiesFloorMs);
        floorCopies = run.floorCopies;
        mine.statusActions.push(run.statusActions);
        mine.recordCopies.push(run.recordCopies);
        mine.overall.push(...run.selectors.overall);
        mine.unsaved.push(...run.selectors.unsaved);
        mine.again.push(...run.selectors.again);
        mine.setup.push(run.setup);
      }
    }
  }
  const beyond = (r) => r.cycleMs.map((cycle, i) => cycle - r.bareCycleMs[i]);
  const [fewest] = m.ns;
  const ratioOfMedians = (a, b) => median(a) / median(b);
  for (const c of pool.autosaves) {
    const few = results[c.label][fewest];
    for (const n of m.ns) {
      const r = results[c.label][n];
      r.beyondMs = median(beyond(r));
      r.ratio = r.beyondMs / median(beyond(few));
      r.interval = bootstrap(ratioOfMedians, [beyond(r), beyond(few)]);
      // The least a flat record allows at n: the cycle with few documents,
      // plus what the floor's copies cost more at n than there.
      r.floorMs = median(r.copiesFloorMs);
      r.leastMs = median(beyond(few)) + r.floorMs - median(few.copiesFloorMs);
      r.overLeast = r.beyondMs / r.leastMs;
      r.leastRatio = r.leastMs / median(beyond(few));
      r.overallNs = median(r.overall);
      r.unsavedNs = median(r.unsaved);
      r.againNs = median(r.again);
      r.built = r.setup.some((s) => s.how === 'by hand') ? 'by hand' : 'reducer';
    }
  }
  say();
  say(
    `4. Many documents: one edit-save cycle — an edit of one small note, its debounced save to completion (status saved) — with n documents tracked ` +
      `(each with a status in the slice, as after all were saved once). CPU per cycle, median of ${m.processes * m.batches} batches of ${m.batchCycles} ` +
      `(${plural(m.processes, 'fresh process', 'fresh processes')}), beyond a bare store's cycle (the edit and the simulated wait) in the same process. ` +
      `Selectors: the first call after a status change, wall time, median of ${m.processes * m.selectorSamples * 2}. ` +
      `Floor: ${floorCopies} copies of the n-key record (\`{ ...record, [key]: entry }\`, one per status a user sees: pending, saving, saved), timed in the same processes; ` +
      `least possible: the ${count(fewest)}-document cycle plus what those copies cost more at n.`,
  );
  const rows = [];
  for (const c of pool.autosaves) {
    for (const n of m.ns) {
      const r = results[c.label][n];
      rows.push([
        c.label,
        count(n),
        `${median(r.statusActions)} / ${median(r.recordCopies)}`,
        us(median(r.cycleMs)),
        us(median(r.bareCycleMs)),
        us(r.beyondMs),
        times(r.ratio),
        n === fewest ? '' : interval(r.interval),
        us(r.floorMs),
        us(r.leastMs),
        times(r.leastRatio),
        times(r.overLeast),
        us(r.overallNs / 1e6),
        us(r.unsavedNs / 1e6),
        us(r.againNs / 1e6),
        r.built,
      ]);
    }
  }
  say(
    table(
      [
        'contender',
        'documents',
        'actions / copies',
        'cycle CPU',
        'bare cycle',
        'beyond bare',
        `× ${count(fewest)} docs`,
        '95% interval',
        `floor: ${floorCopies} copies`,
        'least possible',
        `least × ${count(fewest)} docs`,
        '× least',
        'selectOverallStatus',
        'selectHasUnsavedChanges',
        'both again',
        'slice built',
      ],
      rows,
      'lrrrrrrrrrrrrrrl',
    ),
  );
  say(`   actions / copies: the library's status actions in one cycle, and how many of them made a new \`documents\` record.`);
  say(
    '   both again: the two selectors called once more on the same state (a selector that scanned every document would cost as much again); ' +
      'what the first calls cost beyond it is paid for coming right after the reducer copied the record.',
  );
  if (Object.values(results).some((byN) => Object.values(byN).some((r) => r.built === 'by hand'))) {
    say(
      `   slice built "by hand": recording n saves through the library's reducer, one action after another, passed ${m.deadlineMs / 1000} s ` +
        '(each action copies the whole record: that cost is what this row measures), so the rest was filled from the entry the reducer made for the first note ' +
        '(counts left for the library to count once, as for a preloaded state).',
    );
  }
  return results;
}
