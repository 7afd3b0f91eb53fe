import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { AutosaveProvider } from 'redux-autosave/react';
import { App } from './App';
import { createDashboardStore } from './store';

// The server that serves this page names the sync server, the signed-in user and their token in <meta> tags.
const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content || null;
const syncUrl = meta('sync-url');
const user = meta('sync-user') ?? 'demo';
const token = meta('sync-token');
const params = new URLSearchParams(location.search);
// `?conflict=manual` (or local, remote) picks the conflict strategy; merge by default.
const strategies = ['merge', 'manual', 'local', 'remote'] as const;
const conflict = strategies.find((name) => name === params.get('conflict')) ?? 'merge';
// How often to pull what other devices changed, while the page is shown.
const pollMs = Number(params.get('poll')) || 5000;

// `?historyMs=` keeps earlier copies more often than every five minutes (the browser tests use it).
const historyEveryMs = Number(params.get('historyMs')) || undefined;

// `?live=0` stops watching the server's stream of changes (a browser test edits "offline" that way).
const live = params.get('live') === '0' ? false : undefined;

const dashboard = createDashboardStore({ syncUrl, conflict, user, token, historyEveryMs, live });
const { store, autosave } = dashboard;

if (syncUrl) {
  setInterval(() => {
    if (document.visibilityState === 'visible') store.dispatch(autosave.actions.syncNow());
  }, pollMs);
}

async function start(): Promise<void> {
  await dashboard.openWorkspace();
  const { projects } = store.getState().workspace.current!;
  const wanted = decodeURIComponent(location.hash.slice(1));
  createRoot(document.getElementById('root')!).render(
    <Provider store={store}>
      <AutosaveProvider autosave={autosave}>
        <App dashboard={dashboard} firstProject={projects.some((p) => p.id === wanted) ? wanted : projects[0].id} />
      </AutosaveProvider>
    </Provider>,
  );
}

start().catch((error) => {
  console.error(error);
  document.getElementById('root')!.textContent = `The dashboard could not start: ${error}`;
});
