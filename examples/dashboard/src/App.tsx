import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useDispatch, useSelector } from 'react-redux';
import { AutosaveGate, SaveStatusIndicator, useLoadStatus, useUnsavedChangesWarning } from 'redux-autosave/react';
import { HistoryPanel, StorageLine } from './History';
import { phraseAdded, phraseDeleted, phraseEdited, shotAdded, shotDeleted, shotEdited } from './model';
import type { Dashboard, DashboardState } from './store';

export function App({ dashboard, firstProject }: { dashboard: Dashboard; firstProject: string }) {
  useUnsavedChangesWarning();
  const [projectId, setProjectId] = useState(firstProject);
  const current = useSelector((state: DashboardState) => state.project.current);
  // The project shown: the one asked for, once its copy is in the state.
  const project = current?.id === projectId ? current : null;
  const projects = useSelector((state: DashboardState) => state.workspace.current?.projects ?? []);
  const loading = useLoadStatus('project', projectId) === 'loading';

  const open = (id: string) => {
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
    setProjectId(id);
  };
  const [newTitle, setNewTitle] = useState('');
  const create = (event: FormEvent) => {
    event.preventDefault();
    const title = newTitle.trim();
    if (!title) return;
    setNewTitle('');
    open(dashboard.createProject(title));
  };

  return (
    <div className="layout">
      <header className="top">
        <span className="brand">Storyboard</span>
        <h1>{project?.title ?? 'Loading…'}</h1>
        {project && <SaveStatusIndicator className="save-status" collection="project" id={project.id} />}
      </header>
      <nav className="projects" aria-label="Projects">
        <h2>Projects</h2>
        <ul>
          {projects.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                aria-current={p.id === project?.id ? 'page' : undefined}
                disabled={loading}
                onClick={() => open(p.id)}
              >
                {p.title}
              </button>
            </li>
          ))}
        </ul>
        <form className="new" onSubmit={create}>
          <input aria-label="New project name" placeholder="New project" value={newTitle} maxLength={120} onChange={(e) => setNewTitle(e.target.value)} />
          <button type="submit">Create</button>
        </form>
      </nav>
      <main>
        {/* Loads the project's stored copy (pulled from the server when newer) before the editor shows. */}
        <AutosaveGate key={projectId} collection="project" id={projectId} fallback={<p>Loading…</p>}>
          {(status) => <Opened status={status} shown={project !== null} start={() => dashboard.startProject(projectId)} />}
        </AutosaveGate>
        {project && <HistoryPanel key={`history-${project.id}`} projectId={project.id} />}
      </main>
      <StorageLine />
    </div>
  );
}

/** The project once its load has settled: a project with no stored copy starts as the sample or empty. */
function Opened({ status, shown, start }: { status: string; shown: boolean; start: () => void }) {
  useEffect(() => {
    // (Not after a failed read: the stored copy may be there.)
    if (!shown && status !== 'error') start();
  }, [shown, status, start]);
  useEffect(() => {
    // For the browser tests: the app shows a project.
    if (shown) document.documentElement.dataset.ready = 'true';
  }, [shown]);
  if (status === 'error' && !shown) return <p>This project could not be opened.</p>;
  return shown ? <ProjectEditor /> : <p>Loading…</p>;
}

function ProjectEditor() {
  const dispatch = useDispatch();
  const { shots, phrases } = useSelector((state: DashboardState) => state.project.current!);
  return (
    <>
      <Section title="Shots" onAdd={() => dispatch(shotAdded())} addLabel="Add shot">
        {shots.map((shot, i) => (
          <li key={shot.id} className="card" data-id={shot.id}>
            <label>
              <span className="number">Shot {i + 1}</span>
              <textarea
                aria-label={`Shot ${i + 1} prompt`}
                value={shot.prompt}
                placeholder="Describe the shot: framing, subject, light, movement"
                rows={2}
                onChange={(e) => dispatch(shotEdited({ id: shot.id, prompt: e.target.value }))}
              />
            </label>
            <button type="button" className="delete" aria-label={`Delete shot ${i + 1}`} onClick={() => dispatch(shotDeleted(shot.id))}>
              Delete
            </button>
          </li>
        ))}
      </Section>
      <Section title="Dialogue" onAdd={() => dispatch(phraseAdded())} addLabel="Add phrase">
        {phrases.map((phrase, i) => (
          <li key={phrase.id} className="card phrase" data-id={phrase.id}>
            <input
              aria-label={`Phrase ${i + 1} speaker`}
              value={phrase.speaker}
              placeholder="Speaker"
              onChange={(e) => dispatch(phraseEdited({ id: phrase.id, speaker: e.target.value }))}
            />
            <input
              aria-label={`Phrase ${i + 1} text`}
              value={phrase.text}
              placeholder="What they say"
              onChange={(e) => dispatch(phraseEdited({ id: phrase.id, text: e.target.value }))}
            />
            <button type="button" className="delete" aria-label={`Delete phrase ${i + 1}`} onClick={() => dispatch(phraseDeleted(phrase.id))}>
              Delete
            </button>
          </li>
        ))}
      </Section>
    </>
  );
}

function Section({ title, addLabel, onAdd, children }: { title: string; addLabel: string; onAdd: () => void; children: ReactNode }) {
  return (
    <section aria-label={title}>
      <div className="section-head">
        <h2>{title}</h2>
        <button type="button" onClick={onAdd}>
          + {addLabel}
        </button>
      </div>
      <ol>{children}</ol>
    </section>
  );
}
