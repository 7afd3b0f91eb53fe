/** @jest-environment ./__tests__/helpers/browserEnvironment.cjs */
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { Profiler, type ReactNode } from 'react';
import { Provider } from 'react-redux';
import type { DocumentStatus, RemoteAdapter, RemoteDocument } from '../src';
import { AutosaveProvider, SaveStatusIndicator } from '../src/react';
import { createTestStore, makeProject, projectLoaded, titleChanged } from './helpers';

const KEY = 'project:p1';

const created: { dispose(options: { flush: boolean }): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(created.splice(0).map((autosave) => autosave.dispose({ flush: false })));
});

function setup(options: Parameters<typeof createTestStore>[0] = {}) {
  const test = createTestStore(options);
  created.push(test.autosave);
  const wrapper = ({ children }: { children?: ReactNode }) => (
    <Provider store={test.store}>
      <AutosaveProvider autosave={test.autosave}>{children}</AutosaveProvider>
    </Provider>
  );
  const dispatch = (action: { type: string }) => act(() => void test.store.dispatch(action));
  return { ...test, wrapper, actions: test.autosave.actions, dispatch };
}

const status = () => screen.getByRole('status');
const buttons = () => screen.queryAllByRole('button').map((button) => button.textContent);
const conflict = { base: makeProject('p1', 'Trailer'), local: makeProject('p1', 'Mine'), remote: makeProject('p1', 'Theirs') };

describe('<SaveStatusIndicator collection id />', () => {
  const cases: [DocumentStatus['status'], (a: ReturnType<typeof setup>['actions']) => { type: string }[], string, string[]][] = [
    ['idle', () => [], '', []],
    ['pending', (a) => [a.changed({ key: KEY })], 'Saving…', []],
    ['saving', (a) => [a.saveStarted({ key: KEY })], 'Saving…', []],
    ['saved', (a) => [a.saveSucceeded({ key: KEY, savedAt: Date.now(), pending: false })], 'Saved just now', []],
    ['error', (a) => [a.failed({ key: KEY, error: { code: 'storage', message: 'disk full' } })], 'Save failed', ['Retry']],
    [
      'offline',
      (a) => [
        a.saveSucceeded({ key: KEY, savedAt: Date.now(), pending: false, pendingSync: true }),
        a.syncFailed({ key: KEY, error: { code: 'remote', message: 'unreachable' }, offline: true }),
      ],
      'Offline — changes kept',
      [],
    ],
    ['conflict', (a) => [a.conflictDetected({ key: KEY, conflict })], 'Conflict', ['Keep local', 'Keep remote', 'Keep merged']],
  ];

  it.each(cases)('shows %s in words, in a role="status" region', (name, make, words, expectedButtons) => {
    const { wrapper, dispatch, actions } = setup();
    const { container } = render(<SaveStatusIndicator collection="project" id="p1" className="save" />, { wrapper });
    for (const action of make(actions)) dispatch(action);
    expect(status().textContent).toBe(words);
    expect(container.firstElementChild!.getAttribute('data-status')).toBe(name);
    expect(container.firstElementChild!.className).toBe('save');
    expect(buttons()).toEqual(expectedButtons);
  });

  it('keeps the status region in place across changes, so screen readers announce each one', () => {
    const { wrapper, dispatch, actions } = setup();
    render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    const region = status();
    dispatch(actions.changed({ key: KEY }));
    dispatch(actions.failed({ key: KEY, error: { code: 'storage', message: 'disk full' } }));
    expect(status()).toBe(region);
    expect(region.textContent).toBe('Save failed');
  });

  it('gives the error message as the status title', () => {
    const { wrapper, dispatch, actions } = setup();
    render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    dispatch(actions.failed({ key: KEY, error: { code: 'validation', message: 'project:p1 is not valid, so it was not saved' } }));
    expect(status().getAttribute('title')).toBe('project:p1 is not valid, so it was not saved');
  });

  it('retries a failed save with flush(), and sends the outbox again with syncNow()', () => {
    const { wrapper, dispatch, actions, autosave, store } = setup();
    const flush = jest.spyOn(autosave, 'flush').mockResolvedValue();
    const dispatched = jest.spyOn(store, 'dispatch');
    render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    dispatch(actions.failed({ key: KEY, error: { code: 'storage', message: 'disk full' } }));
    dispatched.mockClear();
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(flush).toHaveBeenCalledTimes(1);
    expect(dispatched).toHaveBeenCalledWith(actions.syncNow());
  });

  it('swallows a rejected retry: the status already says what failed', async () => {
    const { wrapper, dispatch, actions, autosave } = setup();
    jest.spyOn(autosave, 'flush').mockRejectedValue(new AggregateError([], 'still failing'));
    render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    dispatch(actions.failed({ key: KEY, error: { code: 'storage', message: 'disk full' } }));
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it.each([
    ['Keep local', 'local'],
    ['Keep remote', 'remote'],
    ['Keep merged', 'merge'],
  ])('"%s" resolves the conflict with %p', (label, choice) => {
    const { wrapper, dispatch, actions, autosave } = setup();
    const resolveConflict = jest.spyOn(autosave, 'resolveConflict').mockResolvedValue();
    render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    dispatch(actions.conflictDetected({ key: KEY, conflict }));
    fireEvent.click(screen.getByRole('button', { name: label }));
    expect(resolveConflict).toHaveBeenCalledWith('project', 'p1', choice);
  });

  it('re-renders only when its document’s status changes', () => {
    const { wrapper, dispatch, actions } = setup();
    let commits = 0;
    render(
      <Profiler id="indicator" onRender={() => commits++}>
        <SaveStatusIndicator collection="project" id="p1" />
      </Profiler>,
      { wrapper },
    );
    const mounted = commits;
    dispatch(actions.changed({ key: 'project:p2' }));
    dispatch(actions.saveStarted({ key: 'project:p2' }));
    dispatch(actions.conflictDetected({ key: 'project:p2', conflict }));
    expect(commits).toBe(mounted);
    dispatch(actions.changed({ key: KEY }));
    expect(commits).toBe(mounted + 1);
    dispatch(actions.changed({ key: 'project:p2' }));
    expect(commits).toBe(mounted + 1);
  });
});

describe('the relative time after "Saved"', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-21T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('grows while "Saved" is shown', () => {
    const { wrapper, dispatch, actions } = setup();
    render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    dispatch(actions.saveSucceeded({ key: KEY, savedAt: Date.now(), pending: false }));
    expect(status().textContent).toBe('Saved just now');
    act(() => void jest.advanceTimersByTime(2 * 60_000));
    expect(status().textContent).toBe('Saved 2 minutes ago');
    act(() => void jest.advanceTimersByTime(3 * 3600_000));
    expect(status().textContent).toBe('Saved 3 hours ago');
    act(() => void jest.advanceTimersByTime(24 * 3600_000));
    expect(status().textContent).toBe('Saved yesterday');
  });

  it('runs no timer while anything else is shown', () => {
    const { wrapper, dispatch, actions } = setup();
    const { unmount } = render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    // The store's own timers, if any, are not the indicator's.
    const others = jest.getTimerCount();
    dispatch(actions.saveSucceeded({ key: KEY, savedAt: Date.now(), pending: false }));
    expect(jest.getTimerCount()).toBe(others + 1);
    dispatch(actions.changed({ key: KEY }));
    expect(jest.getTimerCount()).toBe(others);
    dispatch(actions.saveSucceeded({ key: KEY, savedAt: Date.now(), pending: false }));
    unmount();
    expect(jest.getTimerCount()).toBe(others);
  });
});

describe('<SaveStatusIndicator /> for the whole store', () => {
  it('shows the worst status of all documents', () => {
    const { wrapper, dispatch, actions } = setup();
    render(<SaveStatusIndicator />, { wrapper });
    dispatch(actions.saveSucceeded({ key: KEY, savedAt: Date.now(), pending: false }));
    expect(status().textContent).toBe('Saved');
    dispatch(actions.saveStarted({ key: 'project:p2' }));
    expect(status().textContent).toBe('Saving…');
    dispatch(actions.failed({ key: 'project:p3', error: { code: 'storage', message: 'disk full' } }));
    expect(status().textContent).toBe('Save failed');
    expect(buttons()).toEqual(['Retry']);
  });

  it('resolves the document that is in conflict', () => {
    const { wrapper, dispatch, actions, autosave } = setup();
    const resolveConflict = jest.spyOn(autosave, 'resolveConflict').mockResolvedValue();
    render(<SaveStatusIndicator />, { wrapper });
    dispatch(actions.saveSucceeded({ key: KEY, savedAt: Date.now(), pending: false }));
    dispatch(actions.conflictDetected({ key: 'project:p:2', conflict }));
    fireEvent.click(screen.getByRole('button', { name: 'Keep remote' }));
    expect(resolveConflict).toHaveBeenCalledWith('project', 'p:2', 'remote');
  });
});

/** A remote in memory that already holds another copy of p1, so the first push conflicts. */
function remoteHolding(data: unknown): RemoteAdapter & { docs: Map<string, RemoteDocument> } {
  const docs = new Map<string, RemoteDocument>([[KEY, { version: '1', data }]]);
  let next = 2;
  return {
    docs,
    timeoutMs: 1000,
    async pull(key) {
      return structuredClone(docs.get(key) ?? null);
    },
    async push(key, data, { baseVersion }) {
      const current = docs.get(key);
      if ((current?.version ?? null) !== baseVersion) return { ok: false, conflict: structuredClone(current!) };
      const version = String(next++);
      docs.set(key, { version, data: structuredClone(data) });
      return { ok: true, version };
    },
  };
}

describe('with a real store', () => {
  it('goes from "Saving…" to "Saved" as an edit is written', async () => {
    jest.useFakeTimers();
    try {
      const { wrapper, store } = setup();
      render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
      act(() => {
        store.dispatch(projectLoaded(makeProject()));
        store.dispatch(titleChanged('Cut 2'));
      });
      expect(status().textContent).toBe('Saving…');
      await act(() => jest.advanceTimersByTimeAsync(2000));
      expect(status().textContent).toBe('Saved just now');
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries a failed write for real: Retry writes it', async () => {
    const { wrapper, store, storage } = (() => {
      let failing = true;
      const test = setup({
        retry: { attempts: 1 },
        documentOptions: { debounceMs: 0, maxWaitMs: 0 },
        storage: {
          getItem: async () => null,
          setItem: async (_key, value) => {
            if (failing) throw new Error('disk unavailable');
            return value;
          },
          removeItem: async () => {},
          keys: async () => [],
        },
      });
      return { ...test, storage: { heal: () => (failing = false) } };
    })();
    render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    act(() => {
      store.dispatch(projectLoaded(makeProject()));
      store.dispatch(titleChanged('Cut 2'));
    });
    await screen.findByText('Save failed');
    storage.heal();
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Saved just now')).toBeTruthy();
  });

  it.each([
    ['Keep local', 'Mine'],
    ['Keep remote', 'Theirs'],
  ])('ends a manual conflict with "%s"', async (label, title) => {
    const remote = remoteHolding(makeProject('p1', 'Theirs'));
    const { wrapper, store } = setup({ remote, conflict: 'manual', documentOptions: { debounceMs: 0, maxWaitMs: 0 } });
    const view = render(<SaveStatusIndicator collection="project" id="p1" />, { wrapper });
    act(() => {
      store.dispatch(projectLoaded(makeProject('p1', 'Trailer')));
      store.dispatch(titleChanged('Mine'));
    });
    await screen.findByText('Conflict');
    fireEvent.click(within(view.container).getByRole('button', { name: label }));
    await screen.findByText('Saved just now');
    expect(store.getState().project.current?.title).toBe(title);
    expect((remote.docs.get(KEY)!.data as { title: string }).title).toBe(title);
  });
});
