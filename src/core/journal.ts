// The page-close journal. A page that is going away runs no more tasks: an
// IndexedDB write that waits for a lock, or for a microtask, may never
// start. localStorage writes at once, so the last edits go there too, in the
// pagehide handler itself, and the next load takes them if they are newer.
import { AutosaveError } from '../errors';
import { wrap } from '../envelope';
import type { LoadResult } from '../types/instance';
import { hasUnsavedEdit, NOTHING_STORED, restoreInto, transition, type DocumentState } from './document';
import { checksumFor, prepare } from './prepare';
import type { Runtime } from './runtime';
import { validate } from './schema';
import { envelopeOf } from './stored';

const noop = () => {};

export function journalKey(rt: Runtime, key: string): string {
  return `redux-autosave:journal:${rt.config.storage.name ?? 'storage'}:${key}`;
}

export function localStore(): Storage | undefined {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage;
  } catch {
    return undefined; // some private modes throw on access
  }
}

/** Writes every unsaved edit to the journal, at once: the page is going away. */
export function writeJournal(rt: Runtime): void {
  const journal = localStore();
  if (!journal) return;
  for (const doc of rt.documents.values()) {
    if (!hasUnsavedEdit(doc)) continue;
    const prepared = prepare(doc, doc.latest, rt.config.maxDocumentBytes);
    if (prepared instanceof AutosaveError) continue;
    try {
      const { json } = prepared;
      const format = rt.config.storageFormat;
      journal.setItem(journalKey(rt, doc.key), wrap(format, null, json, checksumFor(format, json), doc.collection.version, Date.now(), true) as string);
    } catch {
      // Full or refused: the flush started beside it is all there is.
    }
  }
}

export function clearJournal(rt: Runtime, key: string): void {
  try {
    localStore()?.removeItem(journalKey(rt, key));
  } catch {
    // nothing to clear
  }
}

/** A journal entry newer than the stored copy is restored as an unsaved edit, and saved. */
export function replayJournal(rt: Runtime, doc: DocumentState, stored: unknown): LoadResult<unknown> | undefined {
  let text: string | null | undefined;
  try {
    text = localStore()?.getItem(journalKey(rt, doc.key));
  } catch {
    return undefined;
  }
  if (!text) return undefined;
  const entry = envelopeOf(doc, text);
  const current = envelopeOf(doc, stored);
  const checked = entry && validate(doc.collection, entry.data, '', doc.key);
  const older = current !== undefined && entry !== undefined && (current.savedAt > entry.savedAt || current.checksum === entry.checksum);
  if (!entry || !checked?.ok || older || hasUnsavedEdit(doc)) {
    clearJournal(rt, doc.key);
    return undefined;
  }
  doc.storedChecksum = current?.checksum ?? (stored == null ? NOTHING_STORED : undefined);
  restoreInto(rt, doc, checked.data, 'unsaved');
  if (doc.latest === undefined) doc.latest = checked.data;
  doc.schedule.touch();
  transition(rt, doc, { type: 'edited' });
  return { status: 'loaded', document: checked.data, restored: true };
}

/**
 * Calls `onHide` when the page is hidden or goes away: `visibilitychange`
 * to hidden is the last event a mobile browser reliably fires, `pagehide`
 * covers desktop closes and the back-forward cache (`persisted`).
 */
export function listenForPageHide(onHide: (persisted: boolean) => void): () => void {
  const doc = typeof document === 'undefined' ? undefined : document;
  const win = typeof window === 'undefined' ? undefined : window;
  if (!doc?.addEventListener || !win?.addEventListener) return noop;
  const onVisibility = () => {
    if (doc.visibilityState === 'hidden') onHide(false);
  };
  const onPageHide = (event: Event) => onHide((event as PageTransitionEvent).persisted === true);
  doc.addEventListener('visibilitychange', onVisibility);
  win.addEventListener('pagehide', onPageHide);
  return () => {
    doc.removeEventListener('visibilitychange', onVisibility);
    win.removeEventListener('pagehide', onPageHide);
  };
}
