// The names the README's examples share: what its quick start defines, and
// the app the React examples sit in. scripts/check-readme.mjs compiles every
// ```ts and ```tsx block of README.md with these in scope, except the names a
// block declares itself. Library names are not here: a block imports those
// itself, so its imports stay honest for whoever pastes it.
import { configureStore, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { JSX } from 'react';
import type { Root } from 'react-dom/client';
import { z } from 'zod';
import { createAutosave, memoryStorage } from 'redux-autosave';

export const Shot = z.object({ id: z.string(), prompt: z.string() });

export const Project = z.object({ id: z.string(), title: z.string() });
export type Project = z.infer<typeof Project>;

export const projectSlice = createSlice({
  name: 'project',
  initialState: { current: null as Project | null },
  reducers: {
    projectLoaded: (state, action: PayloadAction<Project>) => {
      state.current = action.payload;
    },
  },
});

export const autosave = createAutosave({
  storage: memoryStorage(),
  documents: {
    project: {
      select: (state: { project: { current: Project | null } }) => state.project.current,
      id: (project) => project.id,
      schema: Project,
      restore: projectSlice.actions.projectLoaded,
    },
  },
});

export const store = configureStore({
  reducer: { project: projectSlice.reducer, [autosave.reducerPath]: autosave.reducer },
  middleware: (getDefaultMiddleware) => getDefaultMiddleware().concat(autosave.middleware),
});
export type RootState = ReturnType<typeof store.getState>;

// Only type-checked, never run: the app around the examples.
export declare function getToken(): Promise<string>;
export declare const root: Root;
export declare function App(): JSX.Element;
export declare function Spinner(): JSX.Element;
export declare function Editor(): JSX.Element;

// The server examples' surroundings: the app's sign-in, and the handler and
// authorize of the example before.
export declare const sessions: { fromRequest(request: Request): Promise<{ id: string } | null> };
export declare const authorize: (request: Request) => Promise<{ userId: string } | null>;
export declare const handler: (request: Request) => Promise<Response>;
