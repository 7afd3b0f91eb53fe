import { useState, type FormEvent, type ReactNode } from 'react';
import { useDispatch, useSelector } from 'react-redux';
import { SaveStatusIndicator, useUnsavedChangesWarning } from 'redux-autosave/react';
import { HistoryPanel, StorageLine } from './History';
import { phraseAdded, phraseDeleted, phraseEdited, shotAdded, shotDeleted, shotEdited } from './model';
import type { Dashboard, DashboardState } from './store';

export function App({ dashboard }: { dashboard: Dashboard }) {
  useUnsavedChangesWarning();
  const project = useSelector((state: DashboardState) => state.project.current);
  const projects = useSelector((state: DashboardState) => state.workspace.current?.projects ?? []);
  const [opening, setOpening] = useState<string | null>(null);

  const open = (id: string) => {
    setOpening(id);
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
    dashboard.openProject(id).finally(() => setOpening(null));
  };
  const [newTitle, setNewTitle] = useState('');
  const create = (event: FormEvent) => {
    event.preventDefault();
    const title = newTitle.trim();
    if (!title) return;
    setNewTitle('');
    const id = dashboard.createProject(title);
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
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
                disabled={opening !== null}
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
        {project ? <ProjectEditor key={project.id} /> : <p>Loading…</p>}
        {project && <HistoryPanel key={`history-${project.id}`} projectId={project.id} />}
      </main>
      <StorageLine />
    </div>
  );
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
