/**
 * A page that is going away runs no more tasks: an IndexedDB write that
 * waits for a lock may never start. The last edits go to a localStorage
 * journal in the pagehide handler itself, and the next load takes them.
 */
import { memoryStorage, type AutosaveStorage } from '../src';
import { createTestStore, makeProject, projectLoaded, titleChanged, useFakeTimers } from './helpers';
import { readStoredData, storedData } from './helpers/stored';

function fakeLocalStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, String(value)),
    removeItem: (key: string) => void items.delete(key),
    items,
  };
}

let restore: () => void;

beforeEach(() => {
  useFakeTimers();
  const saved = { window: (globalThis as any).window, document: (globalThis as any).document, localStorage: (globalThis as any).localStorage };
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  Object.assign(globalThis, { window: win, document: doc, localStorage: fakeLocalStorage() });
  restore = () => Object.assign(globalThis, saved);
});

afterEach(() => {
  restore();
  jest.useRealTimers();
});

/** A storage whose writes stop landing: the page is gone before they can. */
function frozenAfter(inner: AutosaveStorage): AutosaveStorage & { freeze(): void } {
  let frozen = false;
  return {
    name: inner.name,
    getItem: (key) => inner.getItem(key),
    setItem: (key, value) => (frozen ? Promise.reject(new Error('the page is gone')) : inner.setItem(key, value)),
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
    freeze: () => (frozen = true),
  };
}

it('keeps an edit made just before the page closed, when the storage write never ran', async () => {
  const inner = memoryStorage();
  const storage = frozenAfter(inner);
  const first = createTestStore({ storage });
  first.store.dispatch(projectLoaded(makeProject('p1', 'Saved before')));
  await first.autosave.flush();

  first.store.dispatch(titleChanged('Typed 100 ms before closing'));
  storage.freeze();
  (globalThis as any).window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
  // The page ends: its timers and the writes it started end with it.
  await first.autosave.dispose({ flush: false });
  expect((await readStoredData<{ title: string }>(inner, 'project:p1')).title).toBe('Saved before');

  const reopened = createTestStore({ storage: inner });
  const result = await reopened.autosave.load('project', 'p1');
  expect(result).toMatchObject({ status: 'loaded', restored: true });
  expect(reopened.store.getState().project.current?.title).toBe('Typed 100 ms before closing');
  // Restored as an unsaved edit, and then saved where it belongs.
  await reopened.autosave.flush();
  expect((await readStoredData<{ title: string }>(inner, 'project:p1')).title).toBe('Typed 100 ms before closing');
  expect([...((globalThis as any).localStorage.items as Map<string, string>).keys()]).toEqual([]);
});

// Mutation (issue 10, item 2): replay a journal entry older than the stored
// copy (`current.savedAt > entry.savedAt ||` removed). The stale entry this
// test used before carried the checksum `m3:00000000`, so it was refused as
// corrupt before its age was looked at; this one is a real entry, written by
// the library in a pagehide, whose page then saved a newer copy.
it('ignores a journal entry older than the stored copy', async () => {
  const inner = memoryStorage();
  const journal = (globalThis as any).localStorage as ReturnType<typeof fakeLocalStorage>;
  const first = createTestStore({ storage: inner });
  first.store.dispatch(projectLoaded(makeProject('p1', 'Old')));
  await first.autosave.flush();
  first.store.dispatch(titleChanged('Journaled'));
  // A pagehide of a page kept in the back-forward cache: the journal is
  // written; the page lives on and saves the edit, then a newer one.
  (globalThis as any).window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
  const entries = [...journal.items];
  expect(entries).toHaveLength(1);
  expect(entries[0][1]).toContain('Journaled');
  await first.autosave.flush();
  jest.advanceTimersByTime(10);
  first.store.dispatch(titleChanged('Saved later'));
  await first.autosave.flush();
  expect([...journal.items.keys()]).toEqual([]);
  await first.autosave.dispose();

  // The entry comes back, as a tab that closed long ago would have left it.
  journal.setItem(entries[0][0], entries[0][1]);
  const reopened = createTestStore({ storage: inner });
  const result = await reopened.autosave.load('project', 'p1');

  expect(result).toMatchObject({ status: 'loaded', document: { title: 'Saved later' } });
  expect(reopened.store.getState().project.current?.title).toBe('Saved later');
  expect(reopened.status()).toMatchObject({ status: 'saved' });
  await jest.advanceTimersByTimeAsync(60_000);
  expect((storedData(await inner.getItem('project:p1')) as { title: string }).title).toBe('Saved later');
  expect([...journal.items.keys()]).toEqual([]);
});
