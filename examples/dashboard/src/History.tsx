import { useState } from 'react';
import { useAutosave, useHistory, useStorageUsage } from 'redux-autosave/react';
import type { Project } from './model';

const REASONS: Record<string, string> = {
  periodic: 'kept on a timer',
  'before-remote': 'before a copy from the server',
  'before-tab': 'before a copy from another tab',
  'before-merge': 'before a merge',
  'before-restore': 'before a restore',
};

const size = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** The project's kept copies, newest first: each with its time, size and reason, a preview, and "Restore". */
export function HistoryPanel({ projectId }: { projectId: string }) {
  const autosave = useAutosave();
  const versions = useHistory('project', projectId);
  const [preview, setPreview] = useState<{ versionId: string; project: Project } | null>(null);
  const show = async (versionId: string) => setPreview({ versionId, project: (await autosave.readVersion('project', projectId, versionId)) as Project });
  const restore = (versionId: string) => {
    setPreview(null);
    // A restore is a new edit: saved and pushed like any other, history untouched.
    autosave.restoreVersion('project', projectId, versionId).catch((error: unknown) => console.error(error));
  };
  return (
    <details className="history">
      <summary>History{versions ? ` (${versions.length})` : ''}</summary>
      {versions?.length === 0 && <p>No earlier copy kept yet.</p>}
      <ol>
        {versions?.map((version) => (
          <li key={version.versionId} data-version={version.versionId}>
            <time dateTime={new Date(version.savedAt).toISOString()}>{new Date(version.savedAt).toLocaleTimeString()}</time>{' '}
            <span>{size(version.bytes)}</span> <span className="reason">{REASONS[version.reason] ?? version.reason}</span>{' '}
            <button type="button" onClick={() => void show(version.versionId)}>
              Preview
            </button>{' '}
            <button type="button" onClick={() => restore(version.versionId)}>
              Restore
            </button>
            {preview?.versionId === version.versionId && (
              <blockquote className="preview">
                <strong>{preview.project.title}</strong>: {preview.project.shots.length} shots, {preview.project.phrases.length} phrases
                {preview.project.shots[0] && <> — “{preview.project.shots[0].prompt}”</>}
              </blockquote>
            )}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** What this app stores here, and the browser's own figure for the whole site. */
export function StorageLine() {
  const usage = useStorageUsage();
  if (!usage) return null;
  const { total, history, estimate } = usage;
  return (
    <footer className="storage" data-total={total} data-estimate={estimate?.usage}>
      Stored on this device: {size(total)} ({size(history)} of it history)
      {estimate && <> · browser's estimate for this site: {size(estimate.usage)} of {size(estimate.quota)}</>}
    </footer>
  );
}
