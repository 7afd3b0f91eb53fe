// Checked by `tsc --noEmit` (part of `npm test`): the types users of redux-autosave/react rely on.
import { createAutosave, memoryStorage, type DocumentStatus, type SaveStatus } from '../src';
import { AutosaveProvider, SaveStatusIndicator, useAutosave, useSaveStatus, useUnsavedChangesWarning } from '../src/react';
import { projectLoaded, ProjectSchema, type Project, type TestState } from './helpers';

// An instance typed by its documents, with a reducer path of its own, is what the provider takes.
const autosave = createAutosave({
  storage: memoryStorage(),
  reducerPath: 'saves',
  documents: {
    project: { select: (state: TestState) => state.project.current, id: (p: Project) => p.id, schema: ProjectSchema, restore: projectLoaded },
  },
});
export const provided = <AutosaveProvider autosave={autosave}>{null}</AutosaveProvider>;
// @ts-expect-error the provider needs the instance
export const unprovided = <AutosaveProvider>{null}</AutosaveProvider>;

export function Hooks() {
  // One document: its whole status.
  const document: DocumentStatus = useSaveStatus('project', 'p1');
  const lastSavedAt: number | null = useSaveStatus('project', 42).lastSavedAt;
  // The whole store: only the status.
  const overall: SaveStatus = useSaveStatus().status;
  // @ts-expect-error the overall status has no time of its own
  useSaveStatus().lastSavedAt;
  const unsaved: boolean = useUnsavedChangesWarning();
  const flushed: Promise<void> = useAutosave().flush();
  void [document, lastSavedAt, overall, unsaved, flushed];
  return (
    <>
      <SaveStatusIndicator />
      <SaveStatusIndicator collection="project" id="p1" className="save-status" />
      {/* @ts-expect-error the id is a string or a number */}
      <SaveStatusIndicator collection="project" id={{ id: 'p1' }} />
    </>
  );
}
