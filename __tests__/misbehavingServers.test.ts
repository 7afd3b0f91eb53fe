// Servers that break the protocol in ways real ones do (issue 11, items 3–5):
// the status must never say all is well while it is not, and no device may
// take in another document or spin in a hot loop.
import { memoryStorage } from '../src';
import { makeProject, titleChanged, projectLoaded, useFakeTimers, type Project } from './helpers';
import { within } from './helpers/faultDevice';
import { misbehavingServer } from './helpers/misbehavingServer';
import { createDevice } from './helpers/sync';
import { readStoredData } from './helpers/stored';

beforeEach(useFakeTimers);
afterEach(() => jest.useRealTimers());

type Server = ReturnType<typeof misbehavingServer>;

/** A device that opens p1 as its first app session did, synced with `server`. */
async function deviceWithP1(server: Server, storage = memoryStorage(), retry?: { baseDelayMs: number; maxDelayMs: number }) {
  const onError = jest.fn();
  const device = createDevice(server.remote(), { storage, onError, ...(retry && { retry }) });
  await within(device.autosave.load('project', 'p1'));
  if (!device.project()) {
    device.store.dispatch(projectLoaded(makeProject('p1', 'Harbour at dawn')));
    await within(device.autosave.flush());
  }
  await jest.advanceTimersByTimeAsync(1000);
  return { ...device, onError };
}

const puts = (server: Server, key = 'project:p1') => server.requests.filter((r) => r.method === 'PUT' && r.key === key).length;

describe('a server that answers one key with another document', () => {
  it('is refused: the local copy, the state and the other key stay as they are, and the status says why', async () => {
    const server = misbehavingServer();
    server.seed('project:p2', makeProject('p2', 'Someone else’s film'));
    const storage = memoryStorage();
    const first = await deviceWithP1(server, storage);
    expect(first.status()).toMatchObject({ status: 'saved', pendingSync: false });
    await first.autosave.dispose();

    server.setBug({ kind: 'otherKey', answer: 'project:p2' });
    const device = createDevice(server.remote(), { storage, onError: jest.fn() });
    const loaded = await within(device.autosave.load('project', 'p1'));
    await jest.advanceTimersByTimeAsync(10_000);

    expect(loaded).toMatchObject({ status: 'fulfilled', value: { status: 'loaded', document: { id: 'p1', title: 'Harbour at dawn' } } });
    expect(device.project()).toMatchObject({ id: 'p1', title: 'Harbour at dawn' });
    expect((await readStoredData<Project>(storage, 'project:p1')).title).toBe('Harbour at dawn');
    expect(device.status()).toMatchObject({
      status: 'error',
      error: { code: 'remote', message: expect.stringContaining('is the document "project:p2", not project:p1') },
    });
    expect(puts(server, 'project:p2')).toBe(0);
    expect(server.document('project:p2')?.data).toMatchObject({ title: 'Someone else’s film' });
    await device.autosave.dispose();
  });
});

describe('a server that compares If-Match with its quotes left on', () => {
  it('ends in error/remote naming the bug after one push, instead of re-pushing in a hot loop', async () => {
    const server = misbehavingServer();
    const device = await deviceWithP1(server);
    server.setBug({ kind: 'quotedIfMatch' });
    const before = puts(server);

    device.store.dispatch(titleChanged('Harbour at dusk'));
    await jest.advanceTimersByTimeAsync(10_000);

    const sent = puts(server) - before;
    console.log(`412 with the version sent: ${sent} PUTs in 10 s, status ${device.status().status}`);
    expect(sent).toBe(1);
    expect(device.status()).toMatchObject({
      status: 'error',
      pendingSync: true,
      error: { code: 'remote', message: expect.stringContaining('does not compare If-Match correctly (quotes left on?)') },
    });
    expect(device.onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'remote', key: 'project:p1' }));
    await device.autosave.dispose();
  });
});

describe('a server whose every answer is a newer conflict', () => {
  it('backs off like a retry and, with no push landing, ends in error/remote', async () => {
    const server = misbehavingServer();
    // The default backoff: 1 s, 2 s, 4 s… between conflicting pushes.
    const device = await deviceWithP1(server, memoryStorage(), { baseDelayMs: 1000, maxDelayMs: 30_000 });
    server.setBug({ kind: 'alwaysConflict' });
    const before = puts(server);

    device.store.dispatch(titleChanged('Harbour at dusk'));
    await jest.advanceTimersByTimeAsync(10_000);
    const inTenSeconds = puts(server) - before;
    await jest.advanceTimersByTimeAsync(300_000);
    const sent = puts(server) - before;

    console.log(`412 after 412: ${inTenSeconds} PUTs in 10 s, ${sent} in all, status ${device.status().status}`);
    expect(sent).toBeLessThanOrEqual(9);
    expect(inTenSeconds).toBeLessThan(sent);
    expect(device.status()).toMatchObject({
      status: 'error',
      error: { code: 'remote', message: expect.stringContaining('conflicts (412) in a row without a push landing') },
    });
    // The next change tries again.
    server.setBug(null);
    device.store.dispatch(titleChanged('Harbour at night'));
    await jest.advanceTimersByTimeAsync(5000);
    expect(device.status()).toMatchObject({ status: 'saved', pendingSync: false });
    expect(server.document('project:p1')?.data).toMatchObject({ title: 'Harbour at night' });
    await device.autosave.dispose();
  });
});

describe('a server that never bumps versions', () => {
  it('same version with other content is a conflict: the devices converge and the fault is reported', async () => {
    const server = misbehavingServer({ kind: 'sameVersion' });
    const a = await deviceWithP1(server);
    const b = await deviceWithP1(server);
    expect(b.project()?.title).toBe('Harbour at dawn');

    a.store.dispatch(titleChanged('Harbour at dusk'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(server.document('project:p1')?.data).toMatchObject({ title: 'Harbour at dusk' });
    b.store.dispatch(b.autosave.actions.syncNow());
    await jest.advanceTimersByTimeAsync(1000);

    expect(b.project()?.title).toBe('Harbour at dusk');
    expect(b.onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'remote', message: expect.stringContaining('it must give every write a new version') }),
    );
    expect(b.status()).toMatchObject({ status: 'saved', pendingSync: false });
    await a.autosave.dispose();
    await b.autosave.dispose();
  });
});
