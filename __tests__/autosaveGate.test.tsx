/** @jest-environment ./__tests__/helpers/browserEnvironment.cjs */
// <AutosaveGate>: redux-persist's PersistGate, per document (issue 12, item 3).
import { act, render, screen } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { Provider } from 'react-redux';
import { memoryStorage, type AutosaveStorage } from '../src';
import { AutosaveGate, AutosaveProvider, useLoadStatus } from '../src/react';
import { createTestStore, makeProject } from './helpers';
import { seedStored } from './helpers/storedDocuments';

const created: { dispose(options: { flush: boolean }): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(created.splice(0).map((autosave) => autosave.dispose({ flush: false })));
});

/** A storage whose reads wait for the test, counting them. */
function gatedStorage(inner: AutosaveStorage) {
  const reads: string[] = [];
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  const storage: AutosaveStorage = {
    ...inner,
    getItem: async (key) => {
      reads.push(key);
      await opened;
      return inner.getItem(key);
    },
    setItem: (key, value) => inner.setItem(key, value),
    removeItem: (key) => inner.removeItem(key),
    keys: () => inner.keys(),
  };
  return { storage, reads, open };
}

function setup(storage: AutosaveStorage) {
  const test = createTestStore({ storage });
  created.push(test.autosave);
  const App = ({ children }: { children: ReactNode }) => (
    <StrictMode>
      <Provider store={test.store}>
        <AutosaveProvider autosave={test.autosave}>{children}</AutosaveProvider>
      </Provider>
    </StrictMode>
  );
  return { ...test, App };
}

function Title() {
  const status = useLoadStatus('project', 'p1');
  return <p>editor ({status})</p>;
}

it('shows the fallback until the document is loaded, then the children; StrictMode loads once', async () => {
  const inner = memoryStorage();
  await seedStored(inner, makeProject('p1', 'Stored'));
  const disk = gatedStorage(inner);
  const { App, store } = setup(disk.storage);

  render(
    <App>
      <AutosaveGate collection="project" id="p1" fallback={<p>loading…</p>}>
        <Title />
      </AutosaveGate>
    </App>,
  );
  expect(screen.getByText('loading…')).toBeTruthy();
  expect(screen.queryByText(/editor/)).toBeNull();

  await act(async () => disk.open());
  expect(screen.getByText('editor (loaded)')).toBeTruthy();
  expect(store.getState().project.current?.title).toBe('Stored');
  expect(disk.reads.filter((key) => key === 'project:p1')).toHaveLength(1);
});

it('renders the children for a missing document and for one that failed, with the status available', async () => {
  const corrupt = memoryStorage();
  await corrupt.setItem('project:p1', '{"format":1, cut short');
  for (const [storage, expected] of [
    [memoryStorage(), 'missing'],
    [corrupt, 'error'],
  ] as const) {
    const { App } = setup(storage);
    const view = render(
      <App>
        <AutosaveGate collection="project" id="p1" fallback={<p>loading…</p>}>
          {(status) => <p>opened: {status}</p>}
        </AutosaveGate>
      </App>,
    );
    expect(await screen.findByText(`opened: ${expected}`)).toBeTruthy();
    view.unmount();
  }
});

it('does not load again when a load already ran', async () => {
  const inner = memoryStorage();
  await seedStored(inner, makeProject('p1', 'Stored'));
  const disk = gatedStorage(inner);
  disk.open();
  const { App, autosave } = setup(disk.storage);
  await autosave.load('project', 'p1');
  render(
    <App>
      <AutosaveGate collection="project" id="p1">
        <Title />
      </AutosaveGate>
    </App>,
  );
  expect(screen.getByText('editor (loaded)')).toBeTruthy();
  expect(disk.reads.filter((key) => key === 'project:p1')).toHaveLength(1);
});
