// Where a CPU profile's time goes:
//   node bench/profile-top.mjs <file.cpuprofile> [--rows=25] [--windows=<file.json>]
// prints the functions with the most self time and the most total (inclusive)
// time. --windows keeps only the samples inside the time spans it lists
// ([[startUs, endUs], …] on the profile's clock): `bench/run.mjs --profile`
// writes the spans of redux-autosave's measured typing sessions next to each profile.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((arg) => !arg.startsWith('--'));
const option = (name) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
if (!file) {
  console.error('usage: node bench/profile-top.mjs <file.cpuprofile> [--rows=25] [--windows=<file.json>]');
  process.exit(2);
}
const rows = Number(option('rows') ?? 25);
const windows = option('windows') ? JSON.parse(readFileSync(option('windows'), 'utf8')) : null;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

const self = new Map();
const total = new Map();
let sum = 0;
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (windows && !windows.some(([start, end]) => at >= start && at <= end)) return;
  const stack = [];
  for (let node = id; node !== undefined; node = parent.get(node)) stack.push(label(nodes.get(node)));
  sum += delta;
  self.set(stack[0], (self.get(stack[0]) ?? 0) + delta);
  for (const entry of new Set(stack)) total.set(entry, (total.get(entry) ?? 0) + delta);
});

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / sum) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
};
console.log(`${file}: ${(sum / 1000).toFixed(1)} ms sampled${windows ? ` in ${windows.length} windows` : ''}`);
print('self time', self);
print('total time (inclusive)', total);
