// One typing session with a remote, twice in one process: 1,000 edits of a
// 2,000-shot project, each saved and pushed before the next (one push per
// save), to the real sync handler in this process; once with patches and
// gzip on, once with whole documents. Counts the bytes each sends upstream.
import { configureStore } from '@reduxjs/toolkit';
import { createAutosave, httpRemote } from '../../src/index.ts';
import { createSyncHandler, memoryStore } from '../../src/server/index.ts';
import { countingStorage, createReducers, makeProject, ProjectSchema, projectLoaded, typingEdits } from '../lib/fixture.mjs';

const URL_BASE = 'http://127.0.0.1/api/autosave';

/** Bytes of a request body as it goes on the wire (gzipped bytes when gzipped). */
const sizeOf = (body) => (body === undefined || body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

export async function patchSession({ shots = 2000, edits = 1000, patch }) {
  const handler = createSyncHandler({ store: memoryStore(), authorize: 'anonymous' });
  const sent = { first: 0, edits: 0, largest: 0, methods: {}, encodings: {} };
  let pushes = 0;
  let counting = false;
  const fetch = async (input, init = {}) => {
    const bytes = sizeOf(init.body);
    if (init.method === 'PUT' || init.method === 'PATCH') {
      pushes++;
      if (counting) {
        sent.edits += bytes;
        sent.largest = Math.max(sent.largest, bytes);
        sent.methods[init.method] = (sent.methods[init.method] ?? 0) + 1;
        const encoding = new Headers(init.headers).get('content-encoding') ?? 'identity';
        sent.encodings[encoding] = (sent.encodings[encoding] ?? 0) + 1;
      } else sent.first += bytes;
    }
    return handler(new Request(input, { ...init, duplex: 'half' }));
  };
  const project = makeProject(shots);
  const reducers = createReducers(project);
  const autosave = createAutosave({
    storage: countingStorage(),
    documents: { project: { select: (state) => state.project, schema: ProjectSchema, restore: projectLoaded, debounceMs: 0, maxWaitMs: 0 } },
    remote: httpRemote({ url: URL_BASE, fetch, patch, gzip: patch }),
  });
  const store = configureStore({
    reducer: { ...reducers, [autosave.reducerPath]: autosave.reducer },
    middleware: (gDM) => gDM({ serializableCheck: false, immutableCheck: false }).concat(autosave.middleware),
  });
  const status = () => autosave.selectors.selectDocumentStatus(store.getState(), 'project');
  const pushed = (count) =>
    new Promise((resolve) => {
      const check = () => pushes >= count && status().status === 'saved' && !status().pendingSync && (unsubscribe(), resolve());
      const unsubscribe = store.subscribe(check);
      check();
    });
  await autosave.load('project');
  store.dispatch(projectLoaded({ ...store.getState().project }));
  await pushed(1);
  counting = true;
  const started = performance.now();
  for (const [i, action] of typingEdits(project, edits).entries()) {
    store.dispatch(action);
    await pushed(i + 2);
  }
  const ms = performance.now() - started;
  await autosave.dispose();
  return { ...sent, pushes: pushes - 1, ms, documentBytes: JSON.stringify(store.getState().project).length };
}
