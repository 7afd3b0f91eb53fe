// The summary: every row of issue 14's table and the other goals, each a
// ratio against its floor or baseline from this run, the goal beside it,
// met or missed.
import { kb } from '../lib/size.mjs';
import { count, ms, say, times, us, verdict } from '../lib/format.mjs';
import { bootstrap, fixed, median, table } from '../lib/stats.mjs';

const AUTOSAVE = 'redux-autosave';

export function summarize({ pool, config, results, neededWrites }) {
  const rows = [];
  const add = (figure, measured, against, value, goal, goalText, interval, note = '') => {
    const v = goal === null ? { met: null, result: '–', note: '' } : verdict(value, goal, interval);
    rows.push({ figure, measured, against, ratio: Number.isFinite(value) ? value : null, goal: goalText, met: v.met, result: v.result, note: [v.note, note].filter(Boolean).join('; ') });
  };
  const notRun = (figure, goalText, why) => why && rows.push({ figure, measured: 'not run', against: '', ratio: null, goal: goalText, met: null, result: '–', note: why });

  // A section left out by --only has no rows.
  const skipped = null;
  for (const n of [2000, 200]) {
    const figure = `typing session CPU (N = ${count(n)}), beyond a bare store, cold`;
    const typing = results.typing?.[n];
    if (!typing) {
      notRun(figure, '≤ 1.5× floor', results.typing ? '--quick runs N = 200 only' : skipped);
      continue;
    }
    const s = typing.summary[AUTOSAVE];
    // The bench's ideal persister does only the floor's work on the same
    // debounce: what it measures cold is what no zod-validating autosave escapes.
    const ideal = typing.summary[pool.ideal.label].cold.ratio;
    const hashed = typing.summary[pool.idealChecksum.label].cold.ratio;
    add(
      figure,
      `${ms(s.cold.beyondMs)} ms`,
      `floor ${ms(typing.floor.ms)} ms`,
      s.cold.ratio,
      1.5,
      '≤ 1.5× floor',
      s.cold.interval,
      `warm ${times(s.warm.ratio)}; ideal persister cold ${times(ideal)}, with format 2's checksum ${times(hashed)}; the floor's calls cold ${ms(typing.floor.coldMs)} ms`,
    );
  }
  const h = results.hydration;
  if (!h) notRun('hydration', '≤ 1.3× floor', skipped);
  for (const which of h ? ['warm', 'cold'] : []) {
    const mine = which === 'warm' ? h[AUTOSAVE].warm : h[AUTOSAVE].coldFigure;
    const floor = which === 'warm' ? h.floor.warm : h.floor.coldFigure;
    const hashed = which === 'warm' ? h[pool.floorChecksum.label].warm : h[pool.floorChecksum.label].coldFigure;
    add(
      `hydration of the ${count(h.n)}-shot project, ${which}`,
      `${ms(mine.ms)} ms`,
      `floor ${ms(floor.ms)} ms`,
      mine.ratio,
      1.3,
      '≤ 1.3× floor',
      mine.interval,
      `the floor with format 2's checksum of the text: ${times(hashed.ratio)}`,
    );
  }
  if (results.sizes) {
    const size = (name) => results.sizes.find((row) => row.name === name);
    const core = size(AUTOSAVE);
    const others = ['redux-persist', 'redux-remember'].map((name) => `${name} ${kb(size(name).startup.gzip)}`).join(', ');
    add('startup download of a local-only app (gzip, code-split)', kb(core.startup.gzip), others, core.startup.gzip / 5000, 1, '≤ 5.00 KB', undefined, core.forbidden.length ? 'sync code at start' : '');
    add('all own chunks incl. lazy ones (localforage apart)', kb(core.allOwn.gzip), '—', core.allOwn.gzip / 12000, 1, '≤ 12.00 KB');
    const react = size(`${AUTOSAVE}/react`);
    if (!react.missing) add('redux-autosave/react over the core (gzip)', kb(react.startup.gzip), '—', react.startup.gzip / 1500, 1, '≤ 1.50 KB');
  } else notRun('bundle sizes', '≤ 5.00 KB, ≤ 12.00 KB', skipped);

  const many = results.manyDocs?.[AUTOSAVE];
  const [fewest] = config.manyDocs.ns;
  const most = config.manyDocs.ns.at(-1);
  if (!many) notRun(`one edit-save cycle, ${count(most)} documents tracked`, `≤ 2× ${count(fewest)} docs`, skipped);
  else {
    const m = many[most];
    add(
      `one edit-save cycle, ${count(most)} documents tracked`,
      us(m.beyondMs),
      `${count(fewest)} documents: ${us(many[fewest].beyondMs)}`,
      m.ratio,
      2,
      `≤ 2× ${count(fewest)} docs`,
      m.interval,
      `floor: the record copies alone ${us(m.floorMs)}, so at least ${us(m.leastMs)} = ${times(m.leastRatio)} ${count(fewest)} docs; ${times(m.overLeast)} that`,
    );
    for (const [name, field] of [['selectOverallStatus', 'overallNs'], ['selectHasUnsavedChanges', 'unsavedNs']]) {
      const r = many[most][field] / many[fewest][field];
      add(
        `${name} after a status change, ${count(most)} documents`,
        us(many[most][field] / 1e6),
        `${count(fewest)} documents: ${us(many[fewest][field] / 1e6)}`,
        r,
        2,
        `≤ 2× ${count(fewest)} docs`,
        undefined,
        `no scan of every document; both selectors again on the same state ${us(many[most].againNs / 1e6)} (${count(fewest)} docs: ${us(many[fewest].againNs / 1e6)})`,
      );
    }
  }
  if (!results.dispatch) notRun('ui dispatch, fastest runs (p10)', '≤ 1.05× bare', skipped);
  for (const n of results.dispatch ? config.ns : []) {
    const d = results.dispatch[n];
    const ui = d[AUTOSAVE].ui;
    const floors = pool.dispatchFloors.map((c) => `${c.label} ${fixed(d[c.label].ui.fastest)} ns (${times(d[c.label].ui.ratio)})`).join(', ');
    add(`ui dispatch (N = ${count(n)}), fastest runs (p10)`, `${fixed(ui.fastest)} ns`, `bare ${fixed(d.bare.ui.fastest)} ns`, ui.ratio, 1.05, '≤ 1.05× bare', ui.interval, floors);
  }
  for (const n of results.typing ? config.ns : []) {
    const s = results.typing[n].summary[AUTOSAVE];
    const figure = `writes per typing session (N = ${count(n)})`;
    if (s.savedFinal) add(figure, String(s.writes), `${neededWrites} needed`, s.writes / neededWrites, 6 / neededWrites, '≤ 6');
    else rows.push({ figure, measured: String(s.writes), against: `${neededWrites} needed`, ratio: null, goal: '≤ 6', met: false, result: 'MISSED', note: 'the last edit was not stored' });
  }

  const base = pool.autosaves.find((c) => c.baseline);
  if (base) {
    for (const n of results.dispatch ? config.ns : []) {
      const ui = results.dispatch[n][AUTOSAVE].ui;
      add(`ui dispatch (N = ${count(n)}) against ${base.label}`, `${fixed(ui.fastest)} ns`, `${fixed(results.dispatch[n][base.label].ui.fastest)} ns`, ui.vsBaseline, 1, '≤ 1.00× (no worse)', ui.vsBaselineInterval);
    }
    for (const n of results.typing ? config.ns : []) {
      const mine = results.typing[n].summary[AUTOSAVE].cold;
      const theirs = results.typing[n].summary[base.label].cold;
      const ratioOfMedians = (a, b) => median(a) / median(b);
      add(`typing session CPU (N = ${count(n)}), cold, against ${base.label}`, `${ms(mine.beyondMs)} ms`, `${ms(theirs.beyondMs)} ms`, mine.beyondMs / theirs.beyondMs, 1, '≤ 1.00× (no worse)', bootstrap(ratioOfMedians, [mine.diffs, theirs.diffs]));
    }
  }

  say();
  say(`Summary: issue 14's table and the other goals, each measured in this run against its floor${base ? ` or ${base.label}` : ''}`);
  say(
    table(
      ['figure', 'redux-autosave', 'floor / compared with', 'ratio', 'goal', 'result', ''],
      rows.map((r) => [r.figure, r.measured, r.against, r.ratio === null || r.goal.includes('KB') ? '' : times(r.ratio), r.goal, r.result, r.note]),
      'lrlrlll',
    ),
  );
  const left = ['dispatch', 'typing', 'hydration', 'manyDocs', 'sizes'].filter((name) => !results[name]);
  if (left.length) say(`   --only: ${left.join(', ')} not run, their rows left out.`);
  return rows;
}
