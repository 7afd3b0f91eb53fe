import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave, memoryStorage, localforageStorage } from '../src';

const Project = z.object({ id: z.string(), title: z.string() });
type Project = z.infer<typeof Project>;
const projectSlice = createSlice({
  name: 'project',
  initialState: { current: null as Project | null },
  reducers: {
    projectLoaded: (s, a: PayloadAction<Project>) => { s.current = a.payload; },
    titleChanged: (s, a: PayloadAction<string>) => { if (s.current) s.current.title = a.payload; },
  },
});

test.each([['memory', () => memoryStorage()], ['localforage', () => localforageStorage({ name: 'smoke' })]])('smoke %s', async (_n, make) => {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  const storage = make();
  const autosave = createAutosave({
    storage,
    documents: { project: { select: (s: { project: { current: Project | null } }) => s.project.current, id: (p) => p.id, schema: Project, restore: projectSlice.actions.projectLoaded } },
  });
  const store = configureStore({ reducer: { project: projectSlice.reducer, [autosave.reducerPath]: autosave.reducer }, middleware: (g) => g().concat(autosave.middleware) });
  store.dispatch(projectSlice.actions.projectLoaded({ id: 'a', title: 'x' }));
  for (let i = 0; i < 100; i++) store.dispatch(projectSlice.actions.titleChanged('t' + i));
  expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'a').status).toBe('pending');
  await jest.advanceTimersByTimeAsync(2000);
  await autosave.flush();
  expect(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'a').status).toBe('saved');
  const stored = (await storage.getItem('project:a')) as any;
  expect(stored.data).toEqual({ id: 'a', title: 't99' });
  expect(await autosave.list('project')).toEqual(['a']);
  jest.useRealTimers();
});
