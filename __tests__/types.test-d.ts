// Checked by `tsc --noEmit` (part of `npm test`): the inference users rely on.
import { configureStore } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave, httpRemote, memoryStorage, type ChangeWatcher, type LoadResult, type RemoteAdapter, type WatchEnd } from '../src';
import { projectLoaded, projectSlice, ProjectSchema, uiSlice, type Project, type TestState } from './helpers';

const autosave = createAutosave({
  storage: memoryStorage(),
  documents: {
    project: {
      select: (state: TestState) => state.project.current,
      id: (project) => project.id, // `project` is inferred as Project from select
      schema: ProjectSchema,
      restore: projectLoaded,
    },
    settings: {
      select: (state: TestState) => state.ui,
      schema: z.object({ hovered: z.number() }),
      restore: uiSlice.actions.hovered as unknown as (ui: { hovered: number }) => { type: string },
    },
  },
});

// The reducer path is a literal, so a computed key keeps the state typed.
const store = configureStore({
  reducer: { project: projectSlice.reducer, ui: uiSlice.reducer, [autosave.reducerPath]: autosave.reducer },
  middleware: (gDM) => gDM().concat(autosave.middleware),
});
const documents: Record<string, unknown> = store.getState().autosave.documents;
void documents;

async function loads() {
  const result: LoadResult<Project> = await autosave.load('project', 'p1');
  if (result.status === 'loaded') {
    const title: string = result.document.title;
    void title;
  }
  // @ts-expect-error: no such collection
  await autosave.load('projects');
  // @ts-expect-error: the collection has an id function, so the id is required
  await autosave.load('project');
  // @ts-expect-error: and for the other methods that name one document
  await autosave.remove('project');
  const ui = await autosave.load('settings');
  if (ui.status === 'loaded') {
    const hovered: number = ui.document.hovered;
    void hovered;
  }
}
void loads;

// The selectors know the collection names.
autosave.selectors.selectDocumentStatus(store.getState(), 'settings');
autosave.selectors.selectLoadStatus(store.getState(), 'project', 'p1');
// @ts-expect-error: no such collection
autosave.selectors.selectDocumentStatus(store.getState(), 'nope');

createAutosave({
  documents: {
    project: {
      select: (state: TestState) => state.project.current,
      // @ts-expect-error: the schema must describe what select returns
      schema: z.object({ id: z.number() }),
      restore: projectLoaded,
    },
  },
});

createAutosave({
  documents: {
    project: {
      select: (state: TestState) => state.project.current,
      schema: ProjectSchema,
      // @ts-expect-error: restore must accept the document
      restore: (count: number) => ({ type: 'x', payload: count }),
    },
  },
});

const custom = createAutosave({
  reducerPath: 'saving',
  documents: { project: { select: (s: TestState) => s.project.current, schema: ProjectSchema, restore: projectLoaded } },
});
const path: 'saving' = custom.reducerPath;
void path;

// Live changes: `live` is a boolean, and an adapter of one's own offers `watch`.
httpRemote({ url: '/api/autosave', live: true });
httpRemote({ url: '/api/autosave', live: false });
// @ts-expect-error: live takes a boolean, not the server's options
httpRemote({ url: '/api/autosave', live: { heartbeatMs: 25_000 } });
const watched: RemoteAdapter['watch'] = async (watcher: ChangeWatcher): Promise<WatchEnd> => {
  watcher.hello('0');
  watcher.change({ key: 'project:p1', version: '2', client: 'tab-b' }, '1');
  watcher.reset(undefined);
  // @ts-expect-error: a change names its key and version
  watcher.change({ key: 'project:p1' }, '2');
  // @ts-expect-error: an end is ended, unsupported or failed with a RemoteError
  if (watcher.signal.aborted) return { status: 'closed' };
  return { status: 'ended' };
};
void watched;
