/**
 * The client's side of redux-autosave/server (issue 15): removals that reach
 * the remote, listing what the server holds, users kept apart on the client
 * too, tokens refreshed, and the device whose value lost a merge being told.
 * A real server on 127.0.0.1, real time; every wait is for an action.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRemote, memoryStorage, type HttpRemoteOptions } from '../src';
import { createSyncServer, fileStore, type SyncServer } from '../src/server';
import { makeProject, projectLoaded, titleChanged } from './helpers';
import { createDevice, type Device } from './helpers/sync';

const TOKENS: Record<string, string> = { 'token-of-alice-0123456789': 'alice', 'token-of-bob-0123456789ab': 'bob' };
let server: SyncServer;
let dir: string;
const devices: Device[] = [];

/** The server, on its files in `dir`: stopping and starting it again keeps them, as a restart does. */
function startServer(port = 0) {
  return createSyncServer({
    store: fileStore(dir),
    port,
    authorize: (request) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
      return TOKENS[token] ? { userId: TOKENS[token] } : null;
    },
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autosave-users-'));
  server = await startServer();
});

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.autosave.dispose({ flush: false })));
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A device signed in with whatever `token()` says now. */
function device(token: () => string, options: Partial<HttpRemoteOptions> = {}, storage = memoryStorage()) {
  const remote = httpRemote({ url: server.url, timeoutMs: 2000, headers: () => ({ authorization: `Bearer ${token()}` }), ...options });
  const created = createDevice(remote, { storage, onError: jest.fn() });
  devices.push(created);
  return created;
}

/** What the server holds for a user, through its own HTTP API. */
async function serverCopy(user: string, key = 'project:p1') {
  const token = Object.keys(TOKENS).find((t) => TOKENS[t] === user)!;
  const response = await fetch(`${server.url}/${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as { data?: { title: string }; deleted?: boolean } };
}

const alice = () => 'token-of-alice-0123456789';

describe('remove()', () => {
  it('deletes the remote copy too, so no device gets it back on load', async () => {
    const a = device(alice);
    a.store.dispatch(projectLoaded(makeProject('p1', 'To be removed')));
    await a.synced();
    expect((await serverCopy('alice')).status).toBe(200);

    await a.autosave.remove('project', 'p1');
    expect(await serverCopy('alice')).toMatchObject({ status: 404, body: { deleted: true } });

    const b = device(alice);
    await expect(b.autosave.load('project', 'p1')).resolves.toEqual({ status: 'missing' });
    expect(b.project()).toBeNull();
  });

  it('made while the server cannot be reached, is sent when it can', async () => {
    let deleted: () => void = () => {};
    const deletion = new Promise<void>((resolve) => (deleted = resolve));
    const a = device(alice, {
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (init?.method === 'DELETE' && response.ok) deleted();
        return response;
      },
    });
    a.store.dispatch(projectLoaded(makeProject('p1', 'Removed offline')));
    await a.synced();
    const { port } = server;
    await server.close();

    await a.autosave.remove('project', 'p1');
    server = await startServer(port);
    expect((await serverCopy('alice')).status).toBe(200);
    a.store.dispatch(a.autosave.actions.syncNow());
    await deletion;
    expect(await serverCopy('alice')).toMatchObject({ status: 404, body: { deleted: true } });
  });
});

describe('listRemote()', () => {
  it("finds a user's documents on a new device, and only that user's", async () => {
    const a = device(alice);
    a.store.dispatch(projectLoaded(makeProject('p1', 'One')));
    await a.synced();
    a.store.dispatch(projectLoaded(makeProject('p2', 'Two')));
    await a.synced('p2');
    const bob = device(() => 'token-of-bob-0123456789ab');
    bob.store.dispatch(projectLoaded(makeProject('p9', 'Bob’s')));
    await bob.synced('p9');

    const fresh = device(alice);
    expect((await fresh.autosave.listRemote('project')).sort()).toEqual(['p1', 'p2']);
  });
});

describe('users on one device', () => {
  it("an edit made as alice is never pushed into bob's space, and is pushed when alice is back", async () => {
    let token = alice();
    let principal = 'alice';
    const a = device(() => token, { principal: () => principal });
    a.store.dispatch(projectLoaded(makeProject('p1', 'Alice’s draft')));
    await a.synced();
    const { port } = server;
    await server.close();
    a.store.dispatch(titleChanged('Alice’s edit, offline'));
    await a.autosave.flush();

    // Alice signs out; Bob signs in on the same page.
    token = 'token-of-bob-0123456789ab';
    principal = 'bob';
    server = await startServer(port);
    a.store.dispatch(a.autosave.actions.syncNow());
    await a.until(() => a.status().error?.code === 'auth', 'the edit held for alice');
    expect((await serverCopy('bob')).status).toBe(404);
    expect((await serverCopy('alice')).body.data?.title).toBe('Alice’s draft');

    token = alice();
    principal = 'alice';
    a.store.dispatch(a.autosave.actions.syncNow());
    await a.synced();
    expect((await serverCopy('alice')).body.data?.title).toBe('Alice’s edit, offline');
    expect((await serverCopy('bob')).status).toBe(404);
  });

  it('a 401 calls onUnauthorized, and the request is tried once more with the new token', async () => {
    let token = 'an-expired-token-000000000';
    const onUnauthorized = jest.fn(async () => {
      token = alice();
    });
    const a = device(() => token, { onUnauthorized });
    a.store.dispatch(projectLoaded(makeProject('p1', 'After a refresh')));
    await a.synced();
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect((await serverCopy('alice')).body.data?.title).toBe('After a refresh');
  });

  it('a request refused again is an error with code auth, and nothing was written', async () => {
    const a = device(() => 'not-a-token-at-all-000000');
    a.store.dispatch(projectLoaded(makeProject('p1', 'Refused')));
    await a.until(() => a.status().error?.code === 'auth', 'an auth error');
    expect(a.status()).toMatchObject({ status: 'error', pendingSync: true, error: { code: 'auth', message: expect.stringContaining('answered 401') } });
    expect((await serverCopy('alice')).status).toBe(404);
  });

  it('sends cookies when told to (credentials)', async () => {
    const seen: RequestInit[] = [];
    const a = device(alice, {
      credentials: 'include',
      fetch: (input, init) => {
        seen.push(init ?? {});
        return fetch(input, init);
      },
    });
    a.store.dispatch(projectLoaded(makeProject('p1', 'With cookies')));
    await a.synced();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((init) => init.credentials === 'include')).toBe(true);
  });
});

describe('the device whose value lost a merge', () => {
  it('is told on its next pull (mergeConflicts), not left saying all is well', async () => {
    const a = device(alice);
    a.store.dispatch(projectLoaded(makeProject('p1', 'Base')));
    await a.synced();
    const b = device(alice);
    await b.autosave.load('project', 'p1');
    expect(b.project()?.title).toBe('Base');

    // Both change the title from the same base; A lands first, B's merge keeps B's.
    a.store.dispatch(titleChanged('A’s title'));
    await a.synced();
    b.store.dispatch(titleChanged('B’s title'));
    await b.until(() => b.status().mergeConflicts !== null && !b.status().pendingSync, 'B merged and pushed');
    expect(b.status().mergeConflicts).toEqual([['title']]);
    expect((await serverCopy('alice')).body.data?.title).toBe('B’s title');

    a.store.dispatch(a.autosave.actions.syncNow());
    await a.until(() => a.project()?.title === 'B’s title' && a.status().mergeConflicts !== null, 'A pulled B’s merge');
    expect(a.status()).toMatchObject({ status: 'saved', mergeConflicts: [['title']] });
  });
});
