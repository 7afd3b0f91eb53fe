import { configureStore } from '@reduxjs/toolkit';
import { z } from 'zod';
import { createAutosave, memoryStorage } from '../src';
import { ProjectSchema, projectDocument, projectLoaded, projectSlice, uiSlice } from './helpers';

/** Options as a user with no type checker (or an `any`) might write them. */
type LooseOptions = Record<string, unknown>;

function validOptions(): LooseOptions {
  return {
    storage: memoryStorage(),
    documents: { project: projectDocument() },
  };
}

/** createAutosave with the valid options, the project collection's options replaced by `project`. */
function withProject(project: Record<string, unknown>) {
  return () => createAutosave({ ...validOptions(), documents: { project: { ...projectDocument(), ...project } } } as never);
}

function withOptions(options: LooseOptions) {
  return () => createAutosave({ ...validOptions(), ...options } as never);
}

const noop = () => {};

describe('createAutosave checks its options at once', () => {
  it('accepts the valid options it is given', () => {
    expect(() =>
      createAutosave({
        ...validOptions(),
        documents: {
          project: projectDocument({ version: 3, migrations: { 2: noop, 3: noop }, debounceMs: 0, maxWaitMs: 500 }),
        },
        retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        reducerPath: 'saves',
        maxDocumentBytes: 1,
        onError: noop,
      } as never),
    ).not.toThrow();
  });

  it.each<[string, unknown, RegExp]>([
    ['missing', undefined, /`documents` must be an object with at least one collection, received undefined/],
    ['empty', {}, /`documents` must be an object with at least one collection, received an object/],
    ['an array', [projectDocument()], /`documents` must be .*, received an array/],
  ])('throws when documents is %s', (_what, documents, message) => {
    expect(withOptions({ documents })).toThrow(message);
  });

  it('throws when the options are not an object', () => {
    expect(() => createAutosave(undefined as never)).toThrow(/redux-autosave: `options` must be an object, received undefined/);
  });

  it('throws naming documents.project.select when select is not a function', () => {
    expect(withProject({ select: 'project.current' })).toThrow(
      /redux-autosave: `documents\.project\.select` must be a function.*received the string "project\.current"/,
    );
  });

  it('throws naming documents.project.id when id is not a function', () => {
    expect(withProject({ id: 'id' })).toThrow(/`documents\.project\.id` must be a function.*received the string "id"/);
  });

  it.each<[string, unknown, string]>([
    ['a function', () => ProjectSchema, 'a function'],
    ['a zod factory not called', z.object, 'a function'],
    ['a plain object', { shape: {} }, 'an object'],
    ['missing', undefined, 'undefined'],
  ])('throws naming documents.project.schema when the schema is %s', (_what, schema, received) => {
    expect(withProject({ schema })).toThrow(`\`documents.project.schema\` must be a zod schema, received ${received}`);
  });

  it('throws naming documents.project.restore when restore is missing', () => {
    expect(withProject({ restore: undefined })).toThrow(/`documents\.project\.restore` must be an action creator.*received undefined/);
  });

  it('throws when restore is an action object instead of an action creator', () => {
    expect(withProject({ restore: projectLoaded(ProjectSchema.parse({ id: 'p', title: 't', shots: [] })) })).toThrow(
      /`documents\.project\.restore` must be an action creator.*received an object/,
    );
  });

  it.each<[string, unknown, string]>([
    ['negative', -1, 'number -1'],
    ['NaN', NaN, 'number NaN'],
    ['a string', '2000', 'the string "2000"'],
    ['Infinity', Infinity, 'number Infinity'],
  ])('throws naming documents.project.debounceMs when it is %s', (_what, debounceMs, received) => {
    expect(withProject({ debounceMs })).toThrow(
      `\`documents.project.debounceMs\` must be a number of milliseconds, 0 or more, received ${received}`,
    );
  });

  it.each<[string, unknown, string]>([
    ['negative', -10, 'number -10'],
    ['a string', '10s', 'the string "10s"'],
  ])('throws naming documents.project.maxWaitMs when it is %s', (_what, maxWaitMs, received) => {
    expect(withProject({ maxWaitMs })).toThrow(
      `\`documents.project.maxWaitMs\` must be a number of milliseconds, 0 or more, received ${received}`,
    );
  });

  it.each<[unknown, string]>([
    [0, 'number 0'],
    [1.5, 'number 1.5'],
    [-2, 'number -2'],
    ['2', 'the string "2"'],
  ])('throws naming documents.project.version when it is %p', (version, received) => {
    expect(withProject({ version })).toThrow(`\`documents.project.version\` must be a whole number, 1 or more, received ${received}`);
  });

  it.each<[string, number, Record<string, unknown>, RegExp]>([
    ['1 (nothing migrates to the first version)', 3, { 1: noop }, /received the string "1"/],
    ['above the version', 2, { 2: noop, 3: noop }, /received the string "3"/],
    ['0', 2, { 0: noop }, /received the string "0"/],
    ['not a number', 2, { two: noop }, /received the string "two"/],
  ])('throws naming documents.project.migrations for a key of %s', (_what, version, migrations, received) => {
    const attempt = withProject({ version, migrations });
    expect(attempt).toThrow(new RegExp(`\`documents\\.project\\.migrations\` must be keyed by the versions they migrate to \\(2 to ${version}\\)`));
    expect(attempt).toThrow(received);
  });

  it('throws naming the migration that is not a function', () => {
    expect(withProject({ version: 2, migrations: { 2: 'add tags' } })).toThrow(
      /`documents\.project\.migrations\.2` must be a function, received the string "add tags"/,
    );
  });

  it.each(['getItem', 'setItem', 'removeItem', 'keys'])('throws naming storage.%s when the storage lacks it', (method) => {
    const storage: Record<string, unknown> = {
      getItem: async () => null,
      setItem: async () => undefined,
      removeItem: async () => undefined,
      keys: async () => [],
    };
    delete storage[method];
    expect(withOptions({ storage })).toThrow(`\`storage.${method}\` must be a function returning a promise, received undefined`);
  });

  it('throws naming storage when it is not an object', () => {
    expect(withOptions({ storage: 'indexeddb' })).toThrow(/`storage` must be an object with getItem, setItem, removeItem and keys, received the string "indexeddb"/);
    expect(withOptions({ storage: null })).toThrow(/`storage` must be .*, received null/);
  });

  it.each<[unknown, string]>([
    [0, 'number 0'],
    [2.5, 'number 2.5'],
    ['3', 'the string "3"'],
  ])('throws naming retry.attempts when it is %p', (attempts, received) => {
    expect(withOptions({ retry: { attempts } })).toThrow(`\`retry.attempts\` must be a whole number, 1 or more, received ${received}`);
  });

  it('throws naming retry.baseDelayMs and retry.maxDelayMs when they are negative', () => {
    expect(withOptions({ retry: { baseDelayMs: -1 } })).toThrow(/`retry\.baseDelayMs` must be .*, received number -1/);
    expect(withOptions({ retry: { maxDelayMs: -1 } })).toThrow(/`retry\.maxDelayMs` must be .*, received number -1/);
  });

  it('throws naming retry when it is a string', () => {
    expect(withOptions({ retry: 'exponential' })).toThrow(
      /`retry` must be an object \{ attempts, baseDelayMs, maxDelayMs \} or a retry policy function, received the string "exponential"/,
    );
  });

  it('throws for an unknown document option, listing the options there are', () => {
    const attempt = withProject({ debounce: 500 });
    expect(attempt).toThrow(/unknown option `documents\.project\.debounce`; the options here are /);
    for (const name of ['select', 'id', 'schema', 'restore', 'version', 'migrations', 'debounceMs', 'maxWaitMs']) {
      expect(attempt).toThrow(new RegExp(`the options here are .*\\b${name}\\b`));
    }
  });

  it('throws for an unknown top-level option, listing the options there are', () => {
    const attempt = withOptions({ retries: 3 });
    expect(attempt).toThrow(/unknown option `retries`; the options here are /);
    for (const name of ['documents', 'storage', 'retry', 'maxDocumentBytes', 'reducerPath', 'onError']) {
      expect(attempt).toThrow(new RegExp(`the options here are .*\\b${name}\\b`));
    }
  });

  it('throws for an unknown retry option, listing the options there are', () => {
    expect(withOptions({ retry: { attempt: 3 } })).toThrow(/unknown option `retry\.attempt`.*attempts, baseDelayMs, maxDelayMs/);
  });

  it.each(['project:v2', '__autosave/project', ''])('throws for the collection name %p', (name) => {
    expect(() => createAutosave({ ...validOptions(), documents: { [name]: projectDocument() } } as never)).toThrow(
      `redux-autosave: \`documents\` has the collection name ${JSON.stringify(name)}; a collection name cannot be empty, contain ':' or begin with '__autosave/'`,
    );
  });

  it('throws naming documents.{name} when a collection is not an object', () => {
    expect(withOptions({ documents: { project: ProjectSchema.parse } })).toThrow(
      /`documents\.project` must be an object with select, schema and restore, received a function/,
    );
  });

  it.each<[unknown, string]>([
    ['', 'the string ""'],
    [42, 'number 42'],
  ])('throws naming reducerPath when it is %p', (reducerPath, received) => {
    expect(withOptions({ reducerPath })).toThrow(`\`reducerPath\` must be a non-empty string, received ${received}`);
  });

  it.each<[unknown, string]>([
    [0, 'number 0'],
    [-1, 'number -1'],
    [NaN, 'number NaN'],
    ['5MB', 'the string "5MB"'],
  ])('throws naming maxDocumentBytes when it is %p', (maxDocumentBytes, received) => {
    expect(withOptions({ maxDocumentBytes })).toThrow(`\`maxDocumentBytes\` must be a number of bytes, more than 0, received ${received}`);
  });

  it('throws naming onError when it is not a function', () => {
    expect(withOptions({ onError: 'console' })).toThrow(/`onError` must be a function, received the string "console"/);
  });

  it('throws a TypeError, before any store exists and without touching the storage', () => {
    const touched: string[] = [];
    const storage = {
      getItem: async () => touched.push('getItem'),
      setItem: async () => touched.push('setItem'),
      removeItem: async () => touched.push('removeItem'),
      keys: async () => (touched.push('keys'), []),
    };
    expect(withOptions({ storage, maxDocumentBytes: 0 })).toThrow(TypeError);
    expect(touched).toEqual([]);
  });
});

describe('mounting', () => {
  it('throws from configureStore, naming reducerPath, when the status reducer is not mounted', () => {
    const autosave = createAutosave({ storage: memoryStorage(), documents: { project: projectDocument() } });

    expect(() =>
      configureStore({
        reducer: { project: projectSlice.reducer, ui: uiSlice.reducer },
        middleware: (gDM) => gDM().concat(autosave.middleware),
      }),
    ).toThrow(/reducerPath.*state\.autosave/);
  });

  it('names a custom reducerPath when the status reducer is mounted elsewhere', () => {
    const autosave = createAutosave({ storage: memoryStorage(), documents: { project: projectDocument() }, reducerPath: 'saves' });

    expect(() =>
      configureStore({
        reducer: { project: projectSlice.reducer, ui: uiSlice.reducer, autosave: autosave.reducer },
        middleware: (gDM) => gDM().concat(autosave.middleware),
      }),
    ).toThrow(/reducerPath.*state\.saves/);
  });

  it('mounts at a custom reducerPath', () => {
    const autosave = createAutosave({ storage: memoryStorage(), documents: { project: projectDocument() }, reducerPath: 'saves' });
    const store = configureStore({
      reducer: { project: projectSlice.reducer, ui: uiSlice.reducer, [autosave.reducerPath]: autosave.reducer },
      middleware: (gDM) => gDM().concat(autosave.middleware),
    });

    expect(autosave.reducerPath).toBe('saves');
    expect(store.getState().saves).toEqual({ documents: {} });
  });

  it('throws when one instance is given to a second store', () => {
    const autosave = createAutosave({ storage: memoryStorage(), documents: { project: projectDocument() } });
    const makeStore = () =>
      configureStore({
        reducer: { project: projectSlice.reducer, ui: uiSlice.reducer, [autosave.reducerPath]: autosave.reducer },
        middleware: (gDM) => gDM().concat(autosave.middleware),
      });
    makeStore();

    expect(makeStore).toThrow(/already bound to a store; create one instance per store/);
  });
});
