export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/**
 * A plain-text table: the first column left-aligned, the others right-aligned
 * unless `align` says otherwise ('l' or 'r' per column).
 */
export function table(headers, rows, align = '') {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) =>
    row
      .map((cell, i) => ((align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
export const ratio = (value, base) => (Number.isFinite(value / base) && base > 0 ? `${(value / base).toFixed(2)}×` : '–');

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 95 % bootstrap interval of `statistic(...groups)`: each group resampled
 * with replacement, 2000 times, with a fixed seed so a report reproduces
 * from its raw samples.
 */
export function bootstrap(statistic, groups, iterations = 2000) {
  const random = mulberry32(0x5eed);
  const values = [];
  for (let i = 0; i < iterations; i++) {
    const resampled = groups.map((group) => Array.from(group, () => group[Math.floor(random() * group.length)]));
    values.push(statistic(...resampled));
  }
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

export const interval = ([lo, hi]) => (Number.isFinite(lo) && Number.isFinite(hi) ? `${lo.toFixed(2)}–${hi.toFixed(2)}×` : '–');

/** Fastest samples: the 10th percentile, what a run undisturbed by the rest of the machine takes. */
export const p10 = (values) => quantile(values, 0.1);

/** Pairs `a[i]` with `b[i % b.length]`: a contender's process with the bare one of its round. */
export const pairedDiffs = (a, b) => a.map((value, i) => value - b[i % b.length]);
