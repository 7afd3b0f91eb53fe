// Installs the package as a user would — from `npm pack` into an empty
// project — and uses every entry point from ESM, from CommonJS and from
// TypeScript with Node16 module resolution. Run after `npm run build`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const work = mkdtempSync(join(tmpdir(), 'redux-autosave-pack-'));
const run = (cmd, args, cwd = work) => {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    throw new Error(`${cmd} ${args.join(' ')}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
};
const versionOf = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

let failed = false;
try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop();
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'empty-app', private: true }));
  run('npm', [
    'install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
    join(work, tarball), `@reduxjs/toolkit@${versionOf('@reduxjs/toolkit')}`, `zod@${versionOf('zod')}`,
    `react@${versionOf('react')}`, `react-redux@${versionOf('react-redux')}`,
  ]);

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
  writeFileSync(join(work, 'esm.mjs'), scenario(`import { configureStore, createSlice } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave, memoryStorage, localforageStorage } from 'redux-autosave';
import { fileStorage } from 'redux-autosave/node';`));
  writeFileSync(join(work, 'cjs.cjs'), `(async () => {${scenario(`const { configureStore, createSlice } = require('@reduxjs/toolkit');
const { z } = require('zod');
const { createAutosave, memoryStorage, localforageStorage } = require('redux-autosave');
const { fileStorage } = require('redux-autosave/node');`)}})().catch((e) => { console.error(e); process.exit(1); });`);
  writeFileSync(join(work, 'types.mts'), `import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit';
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
  writeFileSync(join(work, 'react.mjs'), `import * as esm from 'redux-autosave/react';
import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('redux-autosave/react');
const names = ['AutosaveProvider', 'useSaveStatus', 'SaveStatusIndicator', 'useUnsavedChangesWarning'];
for (const name of names) if (typeof esm[name] !== 'function' || typeof cjs[name] !== 'function') throw new Error('missing ' + name);
console.log('ok');
`);
  console.log(`pack-test: redux-autosave/react from ESM and CommonJS: ${run('node', ['react.mjs']).trim()}`);

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
  writeFileSync(join(work, 'server.mjs'), serverScenario("import { createSyncHandler, createSyncServer, fileStore, memoryStore, toNodeListener } from 'redux-autosave/server';"));
  writeFileSync(join(work, 'server.cjs'), serverScenario("const { createSyncHandler, createSyncServer, fileStore, memoryStore, toNodeListener } = require('redux-autosave/server');"));
  for (const file of ['server.mjs', 'server.cjs']) console.log(`pack-test: redux-autosave/server from ${file.endsWith('mjs') ? 'ESM' : 'CommonJS'}: ${run('node', [file]).trim()}`);

  // The CLI as npx runs it: it prints the URL to give httpRemote, serves it, and stops on SIGTERM.
  const cli = spawn(join(work, 'node_modules/.bin/redux-autosave-server'), ['--store', join(work, 'cli-data'), '--port', '0'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const out = run('node', [file, dir]).trim();
    console.log(`pack-test: ${name}: ${out}`);
    if (out !== 'ok') failed = true;
  }
  run(join(root, 'node_modules/.bin/tsc'), ['--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), 'types.mts']);
  console.log('pack-test: TypeScript (node16 resolution): ok');

  // The README's quick start, pasted into the empty project: it must compile
  // and run (in Node there is no IndexedDB, so load() reports the storage).
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const quickStart = /## Quick start\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!quickStart) throw new Error('README.md has no ```ts block under "## Quick start"');
  writeFileSync(join(work, 'quickstart.mts'), `${quickStart}\nconsole.log(JSON.stringify(store.getState().autosave));\n`);
  run(join(root, 'node_modules/.bin/tsc'), ['--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'), '--outDir', 'out', 'quickstart.mts']);
  const quickOut = run('node', [join('out', 'quickstart.mjs')]).trim();
  console.log(`pack-test: README quick start compiles and runs: ${quickOut}`);
} catch (error) {
  failed = true;
  console.error(`pack-test: failed: ${error.message}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
