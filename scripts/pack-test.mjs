// Installs the package as a user would — from `npm pack` into a fresh
// `npm init -y` project (CommonJS) and into an ES module project — and
// uses every entry point from ESM, from CommonJS and from TypeScript with
// Node16 module resolution. Then it pastes the README's quick start into each
// project, compiles it with that project's TypeScript as the README says, runs
// it, and expects the output the README shows. Run after `npm run build`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const work = mkdtempSync(join(tmpdir(), 'redux-autosave-pack-'));
const run = (cmd, args, cwd = work) => {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd})\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
};
const versionOf = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

/** The quick start as the README gives it: the program, the CommonJS tsconfig, the output. */
function readQuickStart() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = /^## Quick start\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const block = (lang) => new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'm').exec(section)?.[1];
  const program = block('ts');
  const tsconfig = block('json');
  const output = block('text');
  if (!program || !tsconfig || !output) {
    throw new Error('README.md\'s "## Quick start" needs a ```ts block (the program), a ```json block (the CommonJS tsconfig.json) and a ```text block (what it prints)');
  }
  return { program, tsconfig, output: output.trim() };
}

/** `npm init -y` in `name/`, made an ES module project if asked, with the tarball, `packages` and TypeScript. */
function newProject(name, tarball, { esm = false, packages }) {
  const dir = join(work, name);
  mkdirSync(dir);
  run('npm', ['init', '-y'], dir);
  if (esm) run('npm', ['pkg', 'set', 'type=module'], dir);
  run('npm', [
    'install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
    join(work, tarball), ...packages.map((pkg) => `${pkg}@${versionOf(pkg)}`), `typescript@${versionOf('typescript')}`,
  ], dir);
  return dir;
}

/** Pastes the quick start into `project/quickstart/`, compiles it with the project's tsc, runs it. */
function runQuickStart(project, quickStart, tsconfig) {
  const dir = join(project, 'quickstart');
  mkdirSync(dir);
  const tsc = join(project, 'node_modules', '.bin', 'tsc');
  if (tsconfig) writeFileSync(join(dir, 'tsconfig.json'), tsconfig);
  else run(tsc, ['--init'], dir); // the ES module project keeps what `tsc --init` writes
  writeFileSync(join(dir, 'quickstart.ts'), quickStart.program);
  run(tsc, [], dir);
  const printed = run('node', ['quickstart.js'], dir).trim();
  if (printed !== quickStart.output) {
    throw new Error(`the quick start printed\n${printed}\nwhere the README says\n${quickStart.output}`);
  }
  return printed;
}

let failed = false;
try {
  const quickStart = readQuickStart();
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop();
  const cjsApp = newProject('cjs-app', tarball, { packages: ['@reduxjs/toolkit', 'zod', 'react', 'react-redux'] });
  const installed = join(cjsApp, 'node_modules', 'redux-autosave');
  if (!existsSync(join(installed, 'LICENSE'))) throw new Error('LICENSE is not in the tarball');
  console.log('pack-test: LICENSE is in the tarball');

  const scenario = (imports) => `${imports}
const Project = z.object({ id: z.string(), title: z.string() });
const slice = createSlice({
  name: 'project',
  initialState: { current: null },
  reducers: { loaded: (s, a) => { s.current = a.payload; }, renamed: (s, a) => { s.current.title = a.payload; } },
});
const dir = process.argv[2];
async function session(edit) {
  const autosave = createAutosave({
    storage: fileStorage(dir),
    documents: { project: { select: (s) => s.project.current, id: (p) => p.id, schema: Project, restore: slice.actions.loaded } },
  });
  const store = configureStore({
    reducer: { project: slice.reducer, [autosave.reducerPath]: autosave.reducer },
    middleware: (gDM) => gDM().concat(autosave.middleware),
  });
  const result = await autosave.load('project', 'p1');
  if (edit) { if (result.status === 'missing') store.dispatch(slice.actions.loaded({ id: 'p1', title: 'draft' })); store.dispatch(slice.actions.renamed(edit)); }
  await autosave.dispose();
  return { result, state: store.getState() };
}
await session('saved from the first run');
const { result, state } = await session();
if (result.status !== 'loaded' || state.project.current.title !== 'saved from the first run') {
  throw new Error('not restored: ' + JSON.stringify(result));
}
if (typeof memoryStorage !== 'function' || typeof localforageStorage !== 'function') throw new Error('missing exports');
console.log('ok');
`;
  writeFileSync(join(cjsApp, 'esm.mjs'), scenario(`import { configureStore, createSlice } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave, memoryStorage, localforageStorage } from 'redux-autosave';
import { fileStorage } from 'redux-autosave/node';`));
  writeFileSync(join(cjsApp, 'cjs.cjs'), `(async () => {${scenario(`const { configureStore, createSlice } = require('@reduxjs/toolkit');
const { z } = require('zod');
const { createAutosave, memoryStorage, localforageStorage } = require('redux-autosave');
const { fileStorage } = require('redux-autosave/node');`)}})().catch((e) => { console.error(e); process.exit(1); });`);
  writeFileSync(join(cjsApp, 'types.mts'), `import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave, type DocumentStatus } from 'redux-autosave';
import { fileStorage } from 'redux-autosave/node';
import { createSyncHandler, memoryStore, type SyncStore } from 'redux-autosave/server';
const Project = z.object({ id: z.string() });
type Project = z.infer<typeof Project>;
const slice = createSlice({ name: 'p', initialState: { current: null as Project | null }, reducers: { loaded: (s, a: PayloadAction<Project>) => { s.current = a.payload; } } });
const autosave = createAutosave({ storage: fileStorage('x'), documents: { project: { select: (s: { p: { current: Project | null } }) => s.p.current, schema: Project, restore: slice.actions.loaded } } });
const store = configureStore({ reducer: { p: slice.reducer, [autosave.reducerPath]: autosave.reducer }, middleware: (g) => g().concat(autosave.middleware) });
const status: DocumentStatus = autosave.selectors.selectDocumentStatus(store.getState(), 'project');
const syncStore: SyncStore = memoryStore();
const handler: (request: Request) => Promise<Response> = createSyncHandler({ store: syncStore, authorize: (request) => (request.headers.has('authorization') ? { userId: 'u1' } : null) });
export { status, handler };
`);
  writeFileSync(join(cjsApp, 'react.mjs'), `import * as esm from 'redux-autosave/react';
import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('redux-autosave/react');
const names = ['AutosaveProvider', 'useSaveStatus', 'SaveStatusIndicator', 'useUnsavedChangesWarning'];
for (const name of names) if (typeof esm[name] !== 'function' || typeof cjs[name] !== 'function') throw new Error('missing ' + name);
console.log('ok');
`);
  console.log(`pack-test: redux-autosave/react from ESM and CommonJS: ${run('node', ['react.mjs'], cjsApp).trim()}`);

  // The server entry from ESM and CommonJS: a document written and read back through the handler.
  const serverScenario = (imports) => `${imports}
(async () => {
  const handler = createSyncHandler({ store: memoryStore(), authorize: () => ({ userId: 'u1' }) });
  const put = await handler(new Request('http://127.0.0.1/api/autosave/project%3Ap1', { method: 'PUT', headers: { 'if-none-match': '*' }, body: '{"data":{"title":"A"}}' }));
  const get = await handler(new Request('http://127.0.0.1/api/autosave/project%3Ap1'));
  const body = await get.json();
  if (put.status !== 200 || body.data.title !== 'A' || typeof createSyncServer !== 'function' || typeof toNodeListener !== 'function' || typeof fileStore !== 'function') throw new Error('server round trip failed');
  console.log('ok');
})().catch((e) => { console.error(e); process.exit(1); });
`;
  writeFileSync(join(cjsApp, 'server.mjs'), serverScenario("import { createSyncHandler, createSyncServer, fileStore, memoryStore, toNodeListener } from 'redux-autosave/server';"));
  writeFileSync(join(cjsApp, 'server.cjs'), serverScenario("const { createSyncHandler, createSyncServer, fileStore, memoryStore, toNodeListener } = require('redux-autosave/server');"));
  for (const file of ['server.mjs', 'server.cjs']) console.log(`pack-test: redux-autosave/server from ${file.endsWith('mjs') ? 'ESM' : 'CommonJS'}: ${run('node', [file], cjsApp).trim()}`);

  // The CLI as npx runs it: it prints the URL to give httpRemote, serves it, and stops on SIGTERM.
  const cli = spawn(join(cjsApp, 'node_modules/.bin/redux-autosave-server'), ['--store', join(cjsApp, 'cli-data'), '--port', '0'], { cwd: cjsApp, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the CLI printed no URL within 20 s:\n${out}`)), 20_000);
    cli.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /url: '([^']+)'/.exec(out);
      if (match) clearTimeout(timer), resolveUrl(match[1]);
    });
    cli.stderr.on('data', (chunk) => (out += chunk));
    cli.once('exit', (code) => reject(new Error(`the CLI exited (${code}):\n${out}`)));
  });
  try {
    const put = await fetch(`${url}/project%3Acli`, { method: 'PUT', headers: { 'if-none-match': '*' }, body: '{"data":1}' });
    const get = await fetch(`${url}/project%3Acli`);
    if (put.status !== 200 || (await get.json()).data !== 1) throw new Error(`the CLI's server answered ${put.status}`);
    console.log(`pack-test: npx redux-autosave-server serves ${url}: ok`);
  } finally {
    const exited = new Promise((done) => cli.once('exit', done));
    cli.kill('SIGTERM');
    await exited;
  }
  for (const [name, file] of [['ESM import', 'esm.mjs'], ['CommonJS require', 'cjs.cjs']]) {
    const dir = mkdtempSync(join(work, 'data-'));
    const out = run('node', [file, dir], cjsApp).trim();
    console.log(`pack-test: ${name}: ${out}`);
    if (out !== 'ok') failed = true;
  }
  run(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'types.mts'], cjsApp);
  console.log('pack-test: TypeScript (node16 resolution): ok');

  // The README's quick start, pasted as it is: in the `npm init -y` project
  // with the tsconfig.json the README gives, and in an ES module project
  // with the one `tsc --init` writes (nodenext, verbatimModuleSyntax, …).
  const cjsOut = runQuickStart(cjsApp, quickStart, quickStart.tsconfig);
  console.log(`pack-test: README quick start, CommonJS project (npm init -y, the README's tsconfig.json):\n${cjsOut}`);
  const esmApp = newProject('esm-app', tarball, { esm: true, packages: ['@reduxjs/toolkit', 'zod'] });
  const esmOut = runQuickStart(esmApp, quickStart);
  console.log(`pack-test: README quick start, ES module project ("type": "module", tsc --init):\n${esmOut}`);
} catch (error) {
  failed = true;
  console.error(`pack-test: failed: ${error.message}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
