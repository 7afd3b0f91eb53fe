// The production build as an app's users get it (run after `npm run build`):
// the browser build, which needs no bundler, decides production itself; a bad
// option still throws, with a code the README's "Error codes" explains; a
// development build keeps the whole message. Every code the source throws is
// in the README's table, and no code is listed that the source does not throw.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const problems = [];

const browser = readdirSync(join(root, 'dist/browser')).map((name) => readFileSync(join(root, 'dist/browser', name), 'utf8'));
if (browser.some((code) => code.includes('process.env'))) problems.push('dist/browser/ still reads process.env: a page without a bundler would throw');
if (browser.some((code) => code.includes('unknown option `'))) problems.push("dist/browser/ still carries the development build's option messages");

const attempt = async (file) => {
  const { createAutosave } = await import(pathToFileURL(join(root, file)).href);
  try {
    createAutosave({ documents: { project: { select: 'state.project' } } });
    return 'no error';
  } catch (error) {
    return error.message;
  }
};
const production = await attempt('dist/browser/index.mjs');
if (!/^redux-autosave error 2: see https:\/\/github\.com\/redux-autosave\/redux-autosave#error-codes/.test(production)) {
  problems.push(`the production build's bad option said: ${production}`);
}
const development = await attempt('dist/index.mjs');
if (!development.includes('`documents.project.select` must be a function (state) => document')) {
  problems.push(`the development build's bad option said: ${development}`);
}

// Codes thrown by the source, against the README's table.
const thrown = new Set();
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else for (const match of readFileSync(path, 'utf8').matchAll(/codedError\((\d+)\)|rule\([^;]*?, (\d+)\);/gs)) thrown.add(Number(match[1] ?? match[2]));
  }
})(join(root, 'src'));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('### Error codes'));
const listed = new Set([...section.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1])));
for (const code of thrown) if (!listed.has(code)) problems.push(`error code ${code} is thrown by src/ but not explained in the README's "Error codes"`);
for (const code of listed) if (!thrown.has(code)) problems.push(`error code ${code} is in the README's "Error codes" but src/ never throws it`);

if (problems.length) {
  console.error(`check-production: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-production: ok; a bad option in the production build: "${production}"; codes ${[...thrown].sort((a, b) => a - b).join(', ')} all explained`);
