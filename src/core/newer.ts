// A copy or a message from a newer release of the library: this page's code
// is out of date. It must neither keep the copy aside as if it were corrupt
// nor write over it; the page reloads to get the new code (once a minute at
// most), its unsaved edits kept in the page-close journal.
import { AutosaveError } from '../errors';
import type { DocumentState } from './document';
import { writeJournal } from './journal';
import type { Runtime } from './runtime';

const RELOADED_AT = 'redux-autosave:reloaded-for-newer-release';

/** Marks the document (if any) as stored by a newer release, reloads the page, and returns the error to report. */
export function newerRelease(rt: Runtime, doc: DocumentState | undefined, message: string): AutosaveError {
  if (doc) doc.storedByNewerRelease = true;
  reloadPage(rt);
  return new AutosaveError('migration', `redux-autosave: ${message}`, { key: doc?.key, retryable: false });
}

function reloadPage(rt: Runtime): void {
  const { location, sessionStorage } = globalThis as { location?: { reload?: () => void }; sessionStorage?: Storage };
  if (typeof location?.reload !== 'function' || !sessionStorage) return;
  try {
    if (Date.now() - Number(sessionStorage.getItem(RELOADED_AT)) < 60_000) return;
    sessionStorage.setItem(RELOADED_AT, String(Date.now()));
  } catch {
    return; // no way to tell a reload loop from a first reload: stay
  }
  writeJournal(rt);
  location.reload();
}
