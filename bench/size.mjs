// Bundle sizes of redux-autosave's entry points, and of redux-persist and
// redux-remember for comparison: `node bench/size.mjs` prints them;
// `node bench/size.mjs --check` exits 1 when an entry is over its budget.
import { kb, lazyNote, measureSizes } from './lib/size.mjs';
import { table } from './lib/stats.mjs';

/** 'ok', or what is wrong: over budget, sync code in an app without a remote. */
export function sizeStatus(row) {
  if (!row.budget) return '';
  const problems = [];
  if (row.over > 0) problems.push(`over by ${kb(row.over)}`);
  if (row.forbidden?.length) problems.push(`sync code at start: ${row.forbidden.map((f) => f.replace(/^.*src\//, 'src/')).join(', ')}`);
  return problems.join('; ') || 'ok';
}

export function sizeTable(rows) {
  return table(
    ['bundle', 'min', 'gzip -9', 'target', 'status', 'lazy chunks, not counted'],
    rows.map((row) =>
      row.missing
        ? [row.name, '–', '–', row.budget ? `≤ ${kb(row.budget)}` : '', row.missing, '']
        : [
            row.name,
            kb(row.minified),
            kb(row.gzip),
            row.budget ? `≤ ${kb(row.budget)}` : '',
            sizeStatus(row),
            lazyNote(row),
          ],
    ),
    'lrrrll',
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const rows = await measureSizes();
  console.log('Bundle sizes: esbuild, ESM, minified, gzip level 9; RTK, redux, React and zod external.');
  console.log('Counted: what the page loads at start. Lazy chunks (loaded on first use) are listed apart.\n');
  console.log(sizeTable(rows));
  const failures = [];
  for (const row of rows) {
    if (row.forbidden?.length) failures.push(`${row.name}: sync code is loaded at start without a remote: ${row.forbidden.join(', ')}`);
    if (!row.check) continue;
    if (row.missing) console.log(`\nnote: ${row.name} is ${row.missing}; its budget (${kb(row.budget)}) applies once it exists.`);
    else if (row.gzip > row.ciBudget) {
      failures.push(`${row.name} is ${kb(row.gzip)} gzip, over its CI budget of ${kb(row.ciBudget)} by ${row.gzip - row.ciBudget} bytes`);
    } else if (row.over > 0) {
      console.log(`\nnote: ${row.name} misses its target of ${kb(row.budget)} by ${kb(row.over)}; CI holds it under ${kb(row.ciBudget)}.`);
    }
  }
  if (check) {
    if (failures.length) {
      console.error(`\nsize check failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
      process.exit(1);
    }
    console.log('\nsize check passed.');
  }
}
