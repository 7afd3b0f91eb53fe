// <AutosaveGate> in server rendering (Node, as a server renders): the
// fallback, and nothing loaded.
import { renderToString } from 'react-dom/server';
import { Provider } from 'react-redux';
import { memoryStorage, type AutosaveStorage } from '../src';
import { AutosaveGate, AutosaveProvider } from '../src/react';
import { createTestStore } from './helpers';

it('renders the fallback and loads nothing', async () => {
  const reads: string[] = [];
  const inner = memoryStorage();
  const storage: AutosaveStorage = { ...inner, getItem: (key) => (reads.push(key), inner.getItem(key)) };
  const { store, autosave } = createTestStore({ storage });
  const html = renderToString(
    <Provider store={store}>
      <AutosaveProvider autosave={autosave}>
        <AutosaveGate collection="project" id="p1" fallback={<p>loading…</p>}>
          <p>editor</p>
        </AutosaveGate>
      </AutosaveProvider>
    </Provider>,
  );
  expect(html).toBe('<p>loading…</p>');
  expect(reads).toEqual([]);
  expect(autosave.selectors.selectLoadStatus(store.getState(), 'project', 'p1')).toBe('idle');
  await autosave.dispose({ flush: false });
});
