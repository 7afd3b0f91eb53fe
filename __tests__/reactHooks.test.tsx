/** @jest-environment ./__tests__/helpers/browserEnvironment.cjs */
import { act, render, renderHook, screen } from '@testing-library/react';
import { Component, Profiler, type ReactNode } from 'react';
import { Provider } from 'react-redux';
import { configureStore } from '@reduxjs/toolkit';
import { createAutosave, memoryStorage } from '../src';
import { AutosaveProvider, useAutosave, useHistory, useSaveStatus, useStorageUsage, useUnsavedChangesWarning } from '../src/react';
import { createTestStore, makeProject, projectDocument, projectLoaded, projectSlice, titleChanged, uiSlice, useFakeTimers, type Project } from './helpers';

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
  const { actions } = test.autosave;
  return { ...test, wrapper, actions, dispatch: (action: { type: string }) => act(() => void test.store.dispatch(action)) };
}

describe('useSaveStatus(collection, id)', () => {
  it('reads a document the slice has not seen as idle', () => {
    const { wrapper } = setup();
    const { result } = renderHook(() => useSaveStatus('project', 'p1'), { wrapper });
    expect(result.current).toMatchObject({ status: 'idle', lastSavedAt: null, error: null, pendingSync: false });
  });

  it('follows the document through pending, saving and saved', () => {
    const { wrapper, dispatch, actions } = setup();
    const { result } = renderHook(() => useSaveStatus('project', 'p1'), { wrapper });
    dispatch(actions.changed({ key: 'project:p1' }));
    expect(result.current.status).toBe('pending');
    dispatch(actions.saveStarted({ key: 'project:p1' }));
    expect(result.current.status).toBe('saving');
    dispatch(actions.saveSucceeded({ key: 'project:p1', savedAt: 1234, pending: false }));
    expect(result.current).toMatchObject({ status: 'saved', lastSavedAt: 1234 });
  });

  it('returns the object of the slice itself, so equal statuses are the same reference', () => {
    const { wrapper, dispatch, actions, store, autosave } = setup();
    const { result } = renderHook(() => useSaveStatus('project', 'p1'), { wrapper });
    dispatch(actions.changed({ key: 'project:p1' }));
    expect(result.current).toBe(autosave.selectors.selectDocumentStatus(store.getState(), 'project', 'p1'));
  });

  it('re-renders only when its own document’s status changes', () => {
    const { wrapper, dispatch, actions } = setup();
    let renders = 0;
    renderHook(
      () => {
        renders++;
        return useSaveStatus('project', 'p1');
      },
      { wrapper },
    );
    const before = renders;
    dispatch(uiSlice.actions.hovered(3));
    dispatch(actions.changed({ key: 'project:p2' }));
    dispatch(actions.saveStarted({ key: 'project:p2' }));
    dispatch(actions.saveSucceeded({ key: 'project:p2', savedAt: 1, pending: false }));
    expect(renders).toBe(before);
    dispatch(actions.changed({ key: 'project:p1' }));
    expect(renders).toBe(before + 1);
  });

  it('reads the slice at a custom reducerPath', () => {
    const autosave = createAutosave<{ project: Project }, 'saves'>({
      storage: memoryStorage(),
      reducerPath: 'saves',
      documents: { project: projectDocument() },
    });
    const store = configureStore({
      reducer: { project: projectSlice.reducer, ui: uiSlice.reducer, saves: autosave.reducer },
      middleware: (gDM) => gDM().concat(autosave.middleware),
    });
    const wrapper = ({ children }: { children?: ReactNode }) => (
      <Provider store={store}>
        <AutosaveProvider autosave={autosave}>{children}</AutosaveProvider>
      </Provider>
    );
    const { result } = renderHook(() => [useSaveStatus('project', 'p1'), useSaveStatus()] as const, { wrapper });
    act(() => void store.dispatch(autosave.actions.failed({ key: 'project:p1', error: { code: 'storage', message: 'disk full' } })));
    expect(result.current[0]).toMatchObject({ status: 'error', error: { code: 'storage', message: 'disk full' } });
    expect(result.current[1]).toEqual({ status: 'error' });
  });
});

describe('useSaveStatus() for the whole store', () => {
  it('is the worst status of all documents', () => {
    const { wrapper, dispatch, actions } = setup();
    const { result } = renderHook(() => useSaveStatus(), { wrapper });
    expect(result.current).toEqual({ status: 'idle' });
    dispatch(actions.saveSucceeded({ key: 'project:p1', savedAt: 1, pending: false }));
    expect(result.current).toEqual({ status: 'saved' });
    dispatch(actions.syncFailed({ key: 'project:p2', error: { code: 'remote', message: 'unreachable' }, offline: true }));
    expect(result.current).toEqual({ status: 'offline' });
    dispatch(actions.changed({ key: 'project:p1' }));
    expect(result.current).toEqual({ status: 'offline' });
  });

  it('hands out the same object while the overall status stays the same', () => {
    const { wrapper, dispatch, actions } = setup();
    let renders = 0;
    const { result } = renderHook(
      () => {
        renders++;
        return useSaveStatus();
      },
      { wrapper },
    );
    dispatch(actions.changed({ key: 'project:p1' }));
    const pending = result.current;
    const before = renders;
    dispatch(actions.changed({ key: 'project:p2' }));
    dispatch(uiSlice.actions.hovered(1));
    expect(renders).toBe(before);
    expect(result.current).toBe(pending);
  });
});

describe('the autosave instance', () => {
  it('comes from <AutosaveProvider>', () => {
    const { wrapper, autosave } = setup();
    const { result } = renderHook(() => useAutosave(), { wrapper });
    expect(result.current).toBe(autosave);
  });

  it('is missing without <AutosaveProvider>, and the error says where to put it', () => {
    const { store } = setup();
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(() =>
        renderHook(() => useSaveStatus('project', 'p1'), { wrapper: ({ children }) => <Provider store={store}>{children}</Provider> }),
      ).toThrow(/<AutosaveProvider autosave=\{autosave\}>/);
    } finally {
      error.mockRestore();
    }
  });
});

describe('useUnsavedChangesWarning()', () => {
  function closePage(): boolean {
    const event = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(event);
    return event.defaultPrevented;
  }

  function Page() {
    const unsaved = useUnsavedChangesWarning();
    return <p>{unsaved ? 'unsaved' : 'all saved'}</p>;
  }

  it('asks before the page closes while a change is not in storage, and not after', () => {
    const { wrapper, dispatch, actions } = setup();
    render(<Page />, { wrapper });
    expect(screen.getByText('all saved')).toBeTruthy();
    expect(closePage()).toBe(false);

    dispatch(actions.changed({ key: 'project:p1' }));
    expect(screen.getByText('unsaved')).toBeTruthy();
    expect(closePage()).toBe(true);
    dispatch(actions.saveStarted({ key: 'project:p1' }));
    expect(closePage()).toBe(true);

    dispatch(actions.saveSucceeded({ key: 'project:p1', savedAt: 1, pending: false }));
    expect(screen.getByText('all saved')).toBeTruthy();
    expect(closePage()).toBe(false);
  });

  it('asks while a save failed, since the change is only in memory', () => {
    const { wrapper, dispatch, actions } = setup();
    render(<Page />, { wrapper });
    dispatch(actions.failed({ key: 'project:p1', error: { code: 'storage', message: 'disk full' } }));
    expect(closePage()).toBe(true);
  });

  it('does not ask when the only trouble is an unreachable remote: the change is stored locally', () => {
    const { wrapper, dispatch, actions } = setup();
    render(<Page />, { wrapper });
    dispatch(actions.saveSucceeded({ key: 'project:p1', savedAt: 1, pending: false, pendingSync: true }));
    dispatch(actions.syncFailed({ key: 'project:p1', error: { code: 'remote', message: 'unreachable' }, offline: true }));
    expect(closePage()).toBe(false);
  });

  it('stops listening when the component goes away', () => {
    const { wrapper, dispatch, actions } = setup();
    const { unmount } = render(<Page />, { wrapper });
    dispatch(actions.changed({ key: 'project:p1' }));
    unmount();
    expect(closePage()).toBe(false);
  });

  it('follows real edits through the middleware', async () => {
    const { wrapper, store, autosave } = setup({ documentOptions: { debounceMs: 10_000, maxWaitMs: 10_000 } });
    render(<Page />, { wrapper });
    act(() => {
      store.dispatch(projectLoaded(makeProject()));
      store.dispatch(titleChanged('Cut 2'));
    });
    expect(closePage()).toBe(true);
    await act(() => autosave.flush());
    expect(closePage()).toBe(false);
  });
});

it('keeps the render count of a profiled tree at one per status change', () => {
  const { wrapper, dispatch, actions } = setup();
  const commits: string[] = [];
  function Status() {
    return <span>{useSaveStatus('project', 'p1').status}</span>;
  }
  render(
    <Profiler id="status" onRender={(_id, phase) => commits.push(phase)}>
      <Status />
    </Profiler>,
    { wrapper },
  );
  dispatch(actions.changed({ key: 'project:p2' }));
  dispatch(actions.changed({ key: 'project:p1' }));
  dispatch(actions.saveStarted({ key: 'project:p2' }));
  expect(commits).toEqual(['mount', 'update']);
});

describe('useHistory() and useStorageUsage()', () => {
  beforeEach(() => useFakeTimers());
  afterEach(() => jest.useRealTimers());
  // (No setImmediate in this environment: memoryStorage answers in promises.)
  const settle = async () => {
    for (let i = 0; i < 20; i++) await jest.advanceTimersByTimeAsync(0);
  };

  it('list the kept copies and the bytes stored, read again after each save', async () => {
    const { wrapper, store, autosave } = setup({ documentOptions: { history: { keep: 5, everyMs: 60_000 } } });
    const { result } = renderHook(() => ({ versions: useHistory('project', 'p1'), usage: useStorageUsage() }), { wrapper });
    await act(() => settle());
    expect(result.current.versions).toEqual([]);
    expect(result.current.usage).toMatchObject({ total: 0, documents: {} });

    await act(async () => {
      store.dispatch(projectLoaded(makeProject('p1', 'First cut')));
      await autosave.flush();
      await settle();
    });
    const stored = result.current.usage!.documents['project:p1'];
    expect(stored).toBeGreaterThan(100);
    expect(result.current.usage!.total).toBe(stored);

    // A minute on, the next save keeps the copy it replaces: the hook shows it.
    await act(async () => {
      await jest.advanceTimersByTimeAsync(60_000);
      store.dispatch(titleChanged('Second cut'));
      await autosave.flush();
      await settle();
    });
    expect(result.current.versions).toHaveLength(1);
    expect(result.current.versions![0]).toMatchObject({ reason: 'periodic' });
    const kept = (await autosave.readVersion('project', 'p1', result.current.versions![0].versionId)) as Project;
    expect(kept.title).toBe('First cut');
    expect(result.current.usage!.history).toBe(result.current.versions![0].bytes);
  });

  it('throw a mistake into the render, for an error boundary: a collection the instance does not have', async () => {
    const { wrapper } = setup();
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => {});
    const caught: unknown[] = [];
    class Boundary extends Component<{ children?: ReactNode }, { failed: boolean }> {
      state = { failed: false };
      static getDerivedStateFromError = () => ({ failed: true });
      componentDidCatch = (error: unknown) => void caught.push(error);
      render = () => (this.state.failed ? 'failed' : this.props.children);
    }
    function History() {
      return <>{useHistory('projcet', 'p1')?.length}</>;
    }
    render(<Boundary><History /></Boundary>, { wrapper });
    await act(() => settle());
    quiet.mockRestore();
    expect(String(caught[0])).toMatch(/projcet/);
  });
});
