import { z } from 'zod';
import { AutosaveError } from '../src';
import { makeProject, ProjectSchema, projectLoaded, settle, storages, titleChanged, useFakeTimers, type Project } from './helpers';
import { createRecordingStore, createSavePathAutosave, readBack, statusHistory, timedStorage } from './helpers/savePath';

beforeEach(() => {
  useFakeTimers();
});

afterEach(async () => {
  // fake-indexeddb finishes its bookkeeping on real macrotasks: let it end inside the test.
  await settle();
  jest.useRealTimers();
});

const tooLong = 'x'.repeat(201); // ProjectSchema allows 200

function setup(options: Parameters<typeof createSavePathAutosave>[0] = {}, checks?: { serializableCheck?: boolean }) {
  const spy = timedStorage(options.storage);
  const onError = jest.fn();
  const autosave = createSavePathAutosave({ onError, ...options, storage: spy.storage });
  const recording = createRecordingStore(autosave, { checks });
  const status = () => recording.status('project', 'p1');
  return { ...recording, autosave, spy, onError, status };
}

/** What zod says of a document, as the status should carry it. */
function zodReport(document: unknown) {
  const result = ProjectSchema.safeParse(document);
  if (result.success) throw new Error('expected an invalid document');
  return {
    issues: result.error.issues.map((issue) => ({ code: issue.code, path: issue.path, message: issue.message })),
    pretty: z.prettifyError(result.error),
  };
}

describe.each(storages)('an invalid document, on %s', (_name, makeStorage) => {
  it('is never written: the last good copy stays and the status is a validation error', async () => {
    const { store, spy, status } = setup({ storage: makeStorage() });
    store.dispatch(projectLoaded(makeProject('p1', 'Good')));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    expect(spy.writes).toHaveLength(1);
    const history = statusHistory(store, status);

    store.dispatch(titleChanged(tooLong));
    await jest.advanceTimersByTimeAsync(60_000);
    await settle();

    expect(spy.writes).toHaveLength(1);
    expect(await readBack(spy.inner, 'project:p1')).toEqual(makeProject('p1', 'Good'));
    const { issues, pretty } = zodReport(store.getState().project.current);
    expect(status().status).toBe('error');
    expect(status().error).toEqual({ code: 'validation', message: expect.stringContaining(pretty), issues });
    expect(history).toEqual(['saved', 'pending', 'error']);
  });

  it('is saved once a later edit makes it valid, and the error is cleared', async () => {
    const { store, spy, status } = setup({ storage: makeStorage() });
    store.dispatch(projectLoaded(makeProject('p1', tooLong)));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();
    expect(status().error?.code).toBe('validation');

    store.dispatch(titleChanged('Fixed'));
    await jest.advanceTimersByTimeAsync(2000);
    await settle();

    expect(spy.writes).toHaveLength(1);
    expect(await readBack(spy.inner, 'project:p1')).toEqual(makeProject('p1', 'Fixed'));
    expect(status()).toMatchObject({ status: 'saved', error: null });
  });
});

describe('validation issues', () => {
  it('are kept as plain data: code, path and message of each zod issue', async () => {
    const { store, status } = setup();
    const broken = { id: 'p1', title: 42, shots: [{ id: 's1', prompt: null, dialogue: [] }] } as unknown as Project;

    store.dispatch(projectLoaded(broken));
    await jest.advanceTimersByTimeAsync(2000);

    const issues = status().error?.issues;
    expect(issues).toEqual([
      { code: 'invalid_type', path: ['title'], message: expect.any(String) },
      { code: 'invalid_type', path: ['shots', 0, 'prompt'], message: expect.any(String) },
    ]);
    expect(issues).toEqual(zodReport(broken).issues);
    for (const issue of issues!) {
      expect(Object.getPrototypeOf(issue)).toBe(Object.prototype);
      expect(Object.keys(issue).sort()).toEqual(['code', 'message', 'path']);
    }
    expect(JSON.parse(JSON.stringify(status().error))).toEqual(status().error);
  });

  it('reach onError as an AutosaveError with code validation', async () => {
    const { store, onError } = setup();

    store.dispatch(projectLoaded(makeProject('p1', tooLong)));
    await jest.advanceTimersByTimeAsync(2000);

    expect(onError).toHaveBeenCalledTimes(1);
    const error = onError.mock.calls[0][0];
    expect(error).toBeInstanceOf(AutosaveError);
    expect(error).toMatchObject({ code: 'validation', key: 'project:p1', issues: zodReport(makeProject('p1', tooLong)).issues });
  });

  it('are cleared when the document goes back to the copy already saved', async () => {
    const { store, spy, status, autosave } = setup();
    const good = makeProject('p1', 'Good');
    store.dispatch(projectLoaded(good));
    await jest.advanceTimersByTimeAsync(2000);
    const savedCopy = store.getState().project.current!;

    store.dispatch(titleChanged(tooLong));
    await jest.advanceTimersByTimeAsync(2000);
    expect(status().status).toBe('error');

    // An undo puts the very object that was saved back into the state.
    store.dispatch(projectLoaded(savedCopy));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(store.getState().project.current).toBe(savedCopy);
    expect(spy.writes).toHaveLength(1);
    expect(status()).toMatchObject({ status: 'saved', error: null });
    expect(autosave.selectors.selectHasUnsavedChanges(store.getState())).toBe(false);
  });
});

describe('maxDocumentBytes', () => {
  it('does not write a larger document, and the message names maxDocumentBytes', async () => {
    const { store, spy, status } = setup({ maxDocumentBytes: 1000 });
    const big = makeProject('p1', 'Big', 20);
    expect(JSON.stringify(big).length).toBeGreaterThan(1000);

    store.dispatch(projectLoaded(big));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(spy.writes).toEqual([]);
    expect(status().status).toBe('error');
    expect(status().error?.code).toBe('validation');
    expect(status().error?.message).toMatch(/maxDocumentBytes/);
    expect(status().error?.message).toMatch(/1000/);
  });

  it('writes a document under the limit', async () => {
    const { store, spy, status } = setup({ maxDocumentBytes: 1000 });

    store.dispatch(projectLoaded(makeProject('p1', 'Small', 1)));
    await jest.advanceTimersByTimeAsync(2000);

    expect(spy.writes).toHaveLength(1);
    expect(status().status).toBe('saved');
  });

  it('counts UTF-8 bytes, not characters', async () => {
    const { store, spy, status } = setup({ maxDocumentBytes: 500 });
    const euros = makeProject('p1', '€'.repeat(200), 0); // 3 bytes a character
    const json = JSON.stringify(euros);
    expect(json.length).toBeLessThan(500);
    expect(new TextEncoder().encode(json).length).toBeGreaterThan(500);

    store.dispatch(projectLoaded(euros));
    await jest.advanceTimersByTimeAsync(2000);

    expect(spy.writes).toEqual([]);
    expect(status().error?.message).toMatch(/maxDocumentBytes/);
  });
});

describe('a document that cannot be serialized', () => {
  it('is a validation error, not a crash, and nothing is written', async () => {
    // RTK's serializable check would rightly complain about the BigInt itself.
    const { store, spy, status, autosave, onError } = setup({}, { serializableCheck: false });
    const withBigInt = { ...makeProject('p1'), budget: BigInt(10) } as Project;

    expect(() => store.dispatch(projectLoaded(withBigInt))).not.toThrow();
    await jest.advanceTimersByTimeAsync(2000);

    expect(spy.writes).toEqual([]);
    expect(status().status).toBe('error');
    expect(status().error).toMatchObject({ code: 'validation', message: expect.stringContaining('project:p1') });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'validation' }));
    await expect(autosave.flush()).rejects.toBeInstanceOf(AggregateError);

    store.dispatch(projectLoaded(makeProject('p1', 'Plain again')));
    await jest.advanceTimersByTimeAsync(2000);
    expect(await readBack(spy.inner, 'project:p1')).toEqual(makeProject('p1', 'Plain again'));
    expect(status().status).toBe('saved');
  });
});
