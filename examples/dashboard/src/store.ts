import { configureStore, nanoid } from '@reduxjs/toolkit';
import { createAutosave, httpRemote, localforageStorage, type ConflictStrategy } from 'redux-autosave';
import {
  ProjectSchema,
  WorkspaceSchema,
  SEED_PROJECTS,
  SEED_WORKSPACE,
  emptyProject,
  projectListed,
  projectLoaded,
  projectSlice,
  workspaceLoaded,
  workspaceSlice,
  type Project,
  type Workspace,
} from './model';

export interface DashboardOptions {
  /** The sync server's endpoint; without one, documents stay on this device. */
  syncUrl: string | null;
  conflict: ConflictStrategy;
  /** Who is signed in: each user's documents live apart, on the server and in this browser. */
  user: string;
  /** The user's bearer token for the sync server. */
  token: string | null;
  /** How long after a kept copy of a project the next save keeps the copy it replaces. */
  historyEveryMs?: number;
  /** Whether to watch the server's stream of changes (on by default in browsers). */
  live?: boolean;
}

export function createDashboardStore({ syncUrl, conflict, user, token, historyEveryMs = 300_000, live }: DashboardOptions) {
  const autosave = createAutosave({
    // One database per user, so one user's unsent edits are never another's.
    storage: localforageStorage({ name: user === 'demo' ? 'redux-autosave-dashboard' : `redux-autosave-dashboard-${user}` }),
    documents: {
      workspace: {
        select: (state: { workspace: { current: Workspace | null } }) => state.workspace.current,
        schema: WorkspaceSchema,
        restore: workspaceLoaded,
        debounceMs: 500,
      },
      project: {
        select: (state: { project: { current: Project | null } }) => state.project.current,
        id: (project) => project.id,
        schema: ProjectSchema,
        restore: projectLoaded,
        debounceMs: 1000,
        maxWaitMs: 5000,
        // Earlier copies to go back to, in the History panel.
        history: { keep: 10, everyMs: historyEveryMs },
      },
    },
    // Quick retries: while the sync server is down, a push is tried again
    // within a few seconds of it coming back.
    retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 4000 },
    // The token is read per request, so a refreshed one is used at once.
    remote: syncUrl ? httpRemote({ url: syncUrl, timeoutMs: 5000, live, headers: (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {}) }) : undefined,
    conflict,
  });

  const store = configureStore({
    reducer: {
      workspace: workspaceSlice.reducer,
      project: projectSlice.reducer,
      [autosave.reducerPath]: autosave.reducer,
    },
    middleware: (getDefaultMiddleware) => getDefaultMiddleware().concat(autosave.middleware),
  });

  /** Restores the list of projects, or starts one with the samples. */
  async function openWorkspace(): Promise<void> {
    const result = await autosave.load('workspace');
    if (result.status !== 'loaded') store.dispatch(workspaceLoaded(SEED_WORKSPACE));
  }

  /**
   * Starts a project that has no stored copy (here or on the server): the
   * sample of that id, or an empty one. `<AutosaveGate>` loads the stored
   * copy itself; this runs only when it found none.
   */
  function startProject(id: string): void {
    if (store.getState().project.current?.id === id) return;
    const title = store.getState().workspace.current?.projects.find((p) => p.id === id)?.title ?? 'Untitled';
    store.dispatch(projectLoaded(SEED_PROJECTS.find((p) => p.id === id) ?? emptyProject(id, title)));
  }

  function createProject(title: string): string {
    const id = `project-${nanoid(10)}`;
    store.dispatch(projectListed({ id, title }));
    store.dispatch(projectLoaded(emptyProject(id, title)));
    return id;
  }

  return { store, autosave, openWorkspace, startProject, createProject };
}

export type Dashboard = ReturnType<typeof createDashboardStore>;
export type DashboardState = ReturnType<Dashboard['store']['getState']>;
