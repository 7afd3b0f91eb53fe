import { createSyncHandler, fileStore, memoryStore, type SyncHandlerOptions } from '../../src/server';

const base = () => ({ store: memoryStore(), authorize: () => null }) as SyncHandlerOptions;

describe('createSyncHandler options', () => {
  it.each([
    [{ store: {} }, '`store` must be a SyncStore (fileStore(dir), memoryStore(), …), received an object'],
    [{ basePath: 'api' }, "`basePath` must be a path starting with '/', received the string \"api\""],
    [{ basePath: 7 }, "`basePath` must be a path starting with '/', received number 7"],
    [{ maxBodyBytes: 0 }, '`maxBodyBytes` must be a whole number above 0, received number 0'],
    [{ maxBodyBytes: 1000, maxBufferedBytes: 10 }, '`maxBufferedBytes` must be at least maxBodyBytes (1000), received number 10'],
    [{ schemas: { project: (value: unknown) => value } }, '`schemas.project` must be a zod schema (something with safeParse), received function'],
    [{ onError: 'log' }, '`onError` must be a function, received the string "log"'],
  ])('throws at once for %j, naming the option', (options, message) => {
    expect(() => createSyncHandler({ ...base(), ...(options as object) })).toThrow(`redux-autosave: createSyncHandler ${message}`);
  });

  it('throws for stores given bad options, naming the store and the option', () => {
    expect(() => memoryStore({ retentionMs: -1 })).toThrow('redux-autosave: memoryStore `retentionMs` must be a number of milliseconds above 0, received -1');
    expect(() => fileStore('')).toThrow('redux-autosave: fileStore `dir` must be a non-empty string');
  });
});
