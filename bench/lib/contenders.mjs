import { configureStore } from '@reduxjs/toolkit';
import persist from 'redux-persist';
import { rememberEnhancer, rememberReducer } from 'redux-remember';
import { createAutosave } from '../../src/index.ts';
import { checksum } from '../../src/envelope.ts';
import { createReducers, ProjectSchema, projectLoaded } from './fixture.mjs';

const { persistReducer, persistStore } = persist;

export const CONTENDERS = ['bare', 'redux-persist', 'redux-remember', 'redux-autosave'];
export const PERSISTERS = CONTENDERS.slice(1);

// RTK's immutability and serializability checks are off for every contender
// alike (NODE_ENV=production turns them off too); everything else is
// configureStore's default, as each library's quick start leaves it.
const middleware = (getDefaultMiddleware) =>
  getDefaultMiddleware({ immutableCheck: false, serializableCheck: false });

const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates a store for one contender, as its README's quick start does, over
 * `storage`. `ready` resolves once the library has read the storage (empty
 * or not) and the store is usable; `settle` lets deferred persistence finish
 * so none of it lands in the next timed run.
 */
export function startContender(name, { initialProject, storage }) {
  const reducers = createReducers(initialProject);
  switch (name) {
    case 'bare': {
      const store = configureStore({ reducer: reducers, middleware });
      return { store, ready: Promise.resolve(), settle: async () => {}, seed: async () => {} };
    }

    case 'empty middleware': {
      // Not a library: the floor of any middleware, for the dispatch section.
      const empty = () => (next) => (action) => next(action);
      const store = configureStore({ reducer: reducers, middleware: (gDM) => middleware(gDM).concat(empty) });
      return { store, ready: Promise.resolve(), settle: async () => {}, seed: async () => {} };
    }

    case 'empty middleware and slice': {
      // The floor of an autosave with a status slice: the empty middleware,
      // plus a slice whose reducer returns its state for every action, plus
      // one select of the watched slice and one identity compare per action.
      const empty = (api) => {
        let seen;
        return (next) => (action) => {
          const result = next(action);
          const project = api.getState().project;
          if (project !== seen) seen = project;
          return result;
        };
      };
      const status = { documents: {} };
      const store = configureStore({ reducer: { ...reducers, status: (state = status) => state }, middleware: (gDM) => middleware(gDM).concat(empty) });
      return { store, ready: Promise.resolve(), settle: async () => {}, seed: async () => {} };
    }

    case 'redux-persist': {
      // Nested persistReducer on the project slice; its default throttle (0).
      const project = persistReducer({ key: 'project', storage }, reducers.project);
      const store = configureStore({ reducer: { project, ui: reducers.ui }, middleware });
      let persistor;
      const ready = new Promise((resolve) => {
        persistor = persistStore(store, null, resolve);
      });
      return {
        store,
        ready,
        settle: () => persistor.flush(),
        // After rehydrating, redux-persist writes the whole slice back.
        seed: () => persistor.flush(),
      };
    }

    case 'redux-remember': {
      // Its defaults: one key per remembered slice, persistThrottle 100 ms.
      const reducer = rememberReducer(reducers);
      const store = configureStore({
        reducer,
        middleware,
        enhancers: (getDefaultEnhancers) => getDefaultEnhancers().concat(rememberEnhancer(storage, ['project'])),
      });
      // The first action after creation is redux-remember's REMEMBER_REHYDRATED.
      const ready = new Promise((resolve) => {
        const unsubscribe = store.subscribe(() => {
          unsubscribe();
          resolve();
        });
      });
      return {
        store,
        ready,
        settle: () => realSleep(110),
        seed: async () => {
          // redux-remember subscribes a few microtasks after it rehydrates.
          await realSleep(10);
          store.dispatch({ type: 'bench/touch' });
          await realSleep(110);
        },
      };
    }

    case 'redux-autosave': {
      // Its defaults: debounce 2000 ms, max wait 10000 ms.
      const autosave = createAutosave({
        storage,
        documents: {
          project: { select: (state) => state.project, schema: ProjectSchema, restore: projectLoaded },
        },
      });
      const store = configureStore({
        reducer: { ...reducers, [autosave.reducerPath]: autosave.reducer },
        middleware: (gDM) => middleware(gDM).concat(autosave.middleware),
      });
      const ready = autosave.load('project');
      return {
        store,
        ready,
        autosave,
        settle: () => autosave.flush(),
        // What the store starts with is clean: put a new copy in to have it written.
        seed: async () => {
          store.dispatch(projectLoaded({ ...store.getState().project }));
          await autosave.flush();
        },
      };
    }

    case 'ideal':
    case 'ideal+checksum': {
      // Not a library: the least any autosave must do, as a reference for
      // the typing session. The same debounce as redux-autosave's (2 s after
      // the last change, at most 10 s after the first unsaved one), and per
      // write one JSON.stringify and one validation; `bound` adds up the CPU
      // of just those two calls (the old bench's bound, timed in the session).
      // `ideal+checksum` also hashes the text with format 2's checksum (the
      // library's own function): the least a checksummed autosave does.
      const hashed = name === 'ideal+checksum';
      const bound = { cpuMs: 0 };
      let store;
      let seen = initialProject;
      let first = null;
      let last = 0;
      const fire = () => {
        const wait = Math.min(last + 2000, first + 10000) - Date.now();
        if (wait > 0) {
          setTimeout(fire, wait);
          return;
        }
        first = null;
        const document = store.getState().project;
        const start = process.cpuUsage();
        const json = JSON.stringify(document);
        const valid = ProjectSchema.safeParse(document).success;
        const used = process.cpuUsage(start);
        bound.cpuMs += (used.user + used.system) / 1000;
        if (valid) storage.setItem('project', hashed ? `${checksum(json)}\n${json}` : json);
      };
      const idealMiddleware = (api) => (next) => (action) => {
        const result = next(action);
        const document = api.getState().project;
        if (document !== seen) {
          seen = document;
          last = Date.now();
          if (first === null) {
            first = last;
            setTimeout(fire, 2000);
          }
        }
        return result;
      };
      store = configureStore({ reducer: reducers, middleware: (gDM) => middleware(gDM).concat(idealMiddleware) });
      return { store, ready: Promise.resolve(), settle: async () => {}, bound };
    }

    default:
      throw new Error(`bench: unknown contender ${name}`);
  }
}
