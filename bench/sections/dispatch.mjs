// 1. Dispatch cost, on fastest samples: each contender in several fresh
// processes, run round-robin so a slow minute of the machine hits them all.
import { count, plural, say, times } from '../lib/format.mjs';
import { progress, runWorker } from '../lib/pool.mjs';
import { bootstrap, fixed, interval, median, p10, table } from '../lib/stats.mjs';

export async function measureDispatch({ pool, config }) {
  const d = config.dispatch;
  // The floors run beside the bare store: what the 1.05× goal leaves room for.
  const contenders = [pool.bare, ...pool.dispatchFloors, ...pool.others, ...pool.autosaves];
  const results = {};
  for (const n of config.ns) {
    const pooled = Object.fromEntries(contenders.map((c) => [c.label, { ui: { wall: [], cpu: [] }, edit: { wall: [], cpu: [] } }]));
    for (let p = 0; p < d.processes; p++) {
      for (const contender of contenders) {
        progress(`dispatch N=${n}: process ${p + 1}/${d.processes}, ${contender.label}`);
        const { samples } = await runWorker(contender, { kind: 'dispatch', n, runs: d.runs, warmup: d.warmup, count: d.count });
        for (const kind of ['ui', 'edit']) for (const clock of ['wall', 'cpu']) pooled[contender.label][kind][clock].push(...samples[kind][clock]);
      }
    }
    const base = pooled.bare;
    const ratioOfP10 = (a, b) => p10(a) / p10(b);
    for (const c of contenders) {
      for (const kind of ['ui', 'edit']) {
        const mine = pooled[c.label][kind];
        mine.fastest = p10(mine.cpu);
        mine.ratio = ratioOfP10(mine.cpu, base[kind].cpu);
        mine.interval = bootstrap(ratioOfP10, [mine.cpu, base[kind].cpu]);
        for (const other of pool.autosaves.filter((a) => a.baseline)) {
          mine.vsBaseline = ratioOfP10(mine.cpu, pooled[other.label][kind].cpu);
          mine.vsBaselineInterval = bootstrap(ratioOfP10, [mine.cpu, pooled[other.label][kind].cpu]);
        }
      }
    }
    results[n] = pooled;
    say();
    say(
      `1. Dispatch cost, N = ${count(n)} shots: CPU ns per dispatch on fastest samples — the 10th percentile of ${d.processes * d.runs} runs of ${count(d.count)} ` +
        `(${plural(d.processes, 'fresh process', 'fresh processes')} per contender × ${d.runs} runs, after ${plural(d.warmup, 'warm-up run')}; median beside it); ` +
        'the interval is a bootstrap of the ratio. Floors: the bare store with an empty middleware (`store => next => action => next(action)`), ' +
        'and with that plus a slice whose reducer returns its state and one select and identity compare per action (what an autosave with a status slice does at least).',
    );
    say(
      table(
        ['contender', 'ui action p10', 'median', '× bare', '95% interval', 'project edit p10', 'median', '× bare', '95% interval'],
        contenders.map((c) => {
          const { ui, edit } = pooled[c.label];
          const cells = (k) => [fixed(k.fastest), fixed(median(k.cpu)), times(k.ratio), c.kind === 'bare' ? '' : interval(k.interval)];
          return [c.label, ...cells(ui), ...cells(edit)];
        }),
      ),
    );
  }
  return results;
}
