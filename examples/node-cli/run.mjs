// A video-project editor without a screen: the first process edits a project
// and quits, the second starts over the same directory and gets it back.
// Run with `npm run example:node`.
import { configureStore, createSlice } from '@reduxjs/toolkit';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createAutosave } from 'redux-autosave';
import { fileStorage } from 'redux-autosave/node';

const dataDir = fileURLToPath(new URL('./.autosave-data', import.meta.url));

const Shot = z.object({ id: z.string(), prompt: z.string(), dialogue: z.array(z.string()) });
const Project = z.object({ id: z.string(), title: z.string().min(1), shots: z.array(Shot) });

const projectSlice = createSlice({
  name: 'project',
  initialState: { current: null },
  reducers: {
    projectLoaded: (state, action) => {
      state.current = action.payload;
    },
    titleChanged: (state, action) => {
      state.current.title = action.payload;
    },
    shotAdded: (state, action) => {
      state.current.shots.push(action.payload);
    },
    lineSpoken: (state, action) => {
      state.current.shots.find((shot) => shot.id === action.payload.shotId).dialogue.push(action.payload.line);
    },
  },
});
const { projectLoaded, titleChanged, shotAdded, lineSpoken } = projectSlice.actions;

function createEditor() {
  const autosave = createAutosave({
    storage: fileStorage(dataDir),
    documents: {
      project: {
        select: (state) => state.project.current,
        id: (project) => project.id,
        schema: Project,
        restore: projectLoaded,
        debounceMs: 300,
      },
    },
  });
  const store = configureStore({
    reducer: { project: projectSlice.reducer, [autosave.reducerPath]: autosave.reducer },
    middleware: (getDefaultMiddleware) => getDefaultMiddleware().concat(autosave.middleware),
  });
  // Print every status the document goes through, as a status bar would show it.
  let last;
  store.subscribe(() => {
    const { status, error } = autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'harbour');
    if (status !== last) console.log(`  status: ${status}${error ? ` (${error.code}: ${error.message.replace(/\s*\n\s*/g, ' ')})` : ''}`);
    last = status;
  });
  return { store, autosave };
}

async function edit() {
  console.log('first run: editing "harbour"');
  const { store, autosave } = createEditor();
  store.dispatch(projectLoaded({ id: 'harbour', title: 'Harbour at dawn', shots: [] }));
  store.dispatch(shotAdded({ id: 's1', prompt: 'Wide shot of fishing boats leaving in fog', dialogue: [] }));
  store.dispatch(lineSpoken({ shotId: 's1', line: 'Nobody goes out in this.' }));
  await new Promise((resolve) => setTimeout(resolve, 500)); // the debounce (300 ms) saves it
  store.dispatch(titleChanged('')); // invalid: the schema wants a title, so nothing is written
  await autosave.flush().catch(() => {});
  store.dispatch(titleChanged('Harbour at dawn (cut 2)'));
  await autosave.dispose(); // quitting: flushes what is still pending
  console.log('first run: quit');
}

async function restore() {
  console.log('second run: starting over the same directory');
  const { store, autosave } = createEditor();
  const result = await autosave.load('project', 'harbour');
  console.log(`  load: ${result.status}`);
  console.log(`  ids saved: ${(await autosave.list('project')).join(', ')}`);
  console.log('  restored project:');
  console.log(JSON.stringify(store.getState().project.current, null, 2).replace(/^/gm, '    '));
  await autosave.dispose();
}

const step = process.argv[2];
if (step === 'edit') await edit();
else if (step === 'restore') await restore();
else {
  rmSync(dataDir, { recursive: true, force: true });
  const self = fileURLToPath(import.meta.url);
  for (const next of ['edit', 'restore']) execFileSync(process.execPath, [self, next], { stdio: 'inherit' });
}
