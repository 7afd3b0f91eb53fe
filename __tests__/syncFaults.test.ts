/**
 * The sync engine's bookkeeping (outbox, base, the copy it read) under a
 * storage that stalls or fails at the wrong moment, and across reloads.
 * Each story is one the model-based test found, cut down to the steps that
 * matter, with two devices on the in-memory server and the fake clock.
 */
import { makeProject, projectLoaded, promptChanged, shotAdded, titleChanged, useFakeTimers } from './helpers';
import { BASE, faultDevice, KEY, OUTBOX, page, seedRandom, settleAll, shotIds, storedDocument, within } from './helpers/faultDevice';
import { createFaultyServer, type FaultyServer } from './helpers/faultRemote';
import { faultyStorage } from './helpers/faultStorage';
import type { Project } from './helpers';

const T0 = Date.UTC(2025, 5, 2, 9, 0);

beforeEach(() => {
  useFakeTimers();
  jest.setSystemTime(T0);
  seedRandom(11);
});

afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
  jest.restoreAllMocks();
});

/** A creates p1 (one shot, s1) and syncs it; B loads it. */
async function twoDevices() {
  const server = createFaultyServer();
  const disk = faultyStorage();
  const tab = page(server, disk);
  tab.device.store.dispatch(projectLoaded(makeProject('p1', 'Trailer', 1)));
  await jest.advanceTimersByTimeAsync(2000);
  const b = faultDevice(server, faultyStorage().storage);
  await jest.advanceTimersByTimeAsync(0);
  await b.autosave.load('project', 'p1');
  await jest.advanceTimersByTimeAsync(100);
  expect(b.project()).toEqual(tab.device.project());
  return { server, disk, tab, b };
}

const remoteShots = (server: FaultyServer) => shotIds(server.document(KEY)?.data as Project | undefined);
const shot = (id: string) => shotAdded({ id, prompt: `shot ${id}`, dialogue: [] });

it('pushes a document saved the moment the page starts, while the sync engine reads its outbox', async () => {
  const server = createFaultyServer();
  const a = faultDevice(server, faultyStorage().storage);
  a.store.dispatch(projectLoaded(makeProject('p1', 'Saved at once', 1)));
  // Saved at once (a flush, a pagehide, or debounceMs: 0), before the engine has started.
  const flushed = a.autosave.flush();
  await jest.advanceTimersByTimeAsync(5000);
  await flushed;

  expect(a.status()).toMatchObject({ status: 'saved', pendingSync: false, remoteVersion: expect.any(String) });
  expect(server.document(KEY)?.data).toMatchObject({ title: 'Saved at once' });
});

it('reads the outbox again when it could not be read as the page started: an offline edit is pushed, not overwritten', async () => {
  const { server, disk, tab, b } = await twoDevices();
  server.down = true;
  tab.device.store.dispatch(titleChanged('Written offline'));
  await jest.advanceTimersByTimeAsync(1000);
  expect(tab.device.status()).toMatchObject({ status: 'offline', pendingSync: true });

  // The page is reloaded while the storage cannot list its keys for a moment.
  disk.always('fail', ['keys']);
  const loaded = await tab.reload();
  disk.heal();
  server.down = false;
  expect(loaded).toMatchObject({ status: 'fulfilled', value: { status: 'loaded', document: { title: 'Written offline' } } });
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(2000);

  await settleAll(tab.device, b);

  expect(tab.device.project()).toMatchObject({ title: 'Written offline' });
  expect(shotIds(tab.device.project())).toEqual(['s1', 'b1']);
  expect(server.document(KEY)?.data).toMatchObject({ title: 'Written offline' });
});

it('pushes a copy saved while the outbox could not be read, after a reload, though the remote has nothing new', async () => {
  const server = createFaultyServer();
  const disk = faultyStorage();
  const tab = page(server, disk);
  tab.device.store.dispatch(projectLoaded(makeProject('p1', 'Trailer', 1)));
  await jest.advanceTimersByTimeAsync(2000);
  expect(server.document(KEY)?.data).toMatchObject({ title: 'Trailer' });

  // A page whose storage cannot list its keys: the outbox is never read, and
  // the edit saved there gets no entry.
  disk.always('fail', ['keys']);
  await tab.reload();
  tab.device.store.dispatch(titleChanged('Saved blind'));
  expect(await within(tab.device.autosave.flush())).toMatchObject({ status: 'fulfilled' });
  await jest.advanceTimersByTimeAsync(50);
  expect(await disk.inner.getItem(OUTBOX)).toBeNull();
  expect(tab.device.status()).toMatchObject({ status: 'saved', pendingSync: true });

  disk.heal();
  const loaded = await tab.reload();
  expect(loaded).toMatchObject({ status: 'fulfilled', value: { status: 'loaded', document: { title: 'Saved blind' } } });
  await jest.advanceTimersByTimeAsync(10_000);

  expect(server.document(KEY)?.data).toMatchObject({ title: 'Saved blind' });
  expect(tab.device.status()).toMatchObject({ status: 'saved', pendingSync: false, remoteVersion: server.document(KEY)?.version });
  expect(await disk.inner.getItem(OUTBOX)).toBeNull();
});

it('does not take a base it could not write as synced: the remote edit is pulled again, not pushed over', async () => {
  const { server, disk, tab, b } = await twoDevices();
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(2000);
  expect(remoteShots(server)).toEqual(['s1', 'b1']);

  disk.schedule((op) => (op.method === 'setItem' && op.key === BASE ? 'fail' : undefined));
  tab.device.store.dispatch(tab.device.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(1000);
  disk.heal();
  tab.device.store.dispatch(tab.device.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(1000);
  tab.device.store.dispatch(titleChanged('Edited on A'));
  await jest.advanceTimersByTimeAsync(2000);

  await settleAll(tab.device, b);

  expect(remoteShots(server)).toEqual(['s1', 'b1']);
  expect(server.document(KEY)?.data).toMatchObject({ title: 'Edited on A' });
  expect(shotIds(b.project())).toEqual(['s1', 'b1']);
});

it('merges a second remote copy into an unsaved one taken in earlier without counting the first copy\'s changes as edits of ours', async () => {
  const { server, disk, tab, b } = await twoDevices();
  const a = tab.device;
  // A's disk refuses every write: A's new shot stays unsaved, and so does the
  // remote copy with B's first title that A's pull takes in and merges with it.
  disk.always('fail', ['setItem']);
  a.store.dispatch(shot('a1'));
  await jest.advanceTimersByTimeAsync(2000);
  b.store.dispatch(titleChanged('B, first title'));
  await jest.advanceTimersByTimeAsync(2000);
  a.store.dispatch(a.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(2000);
  expect(a.project()).toMatchObject({ title: 'B, first title' });
  expect(shotIds(a.project())).toEqual(['s1', 'a1']);

  // B renames again; A takes that in too. Against the copy A last stored,
  // "B, first title" looks like an edit of A's and would win the clash.
  b.store.dispatch(titleChanged('B, second title'));
  await jest.advanceTimersByTimeAsync(2000);
  a.store.dispatch(a.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(2000);
  expect(a.project()).toMatchObject({ title: 'B, second title' });

  disk.heal();
  await settleAll(a, b);

  expect(server.document(KEY)?.data).toMatchObject({ title: 'B, second title' });
  expect(remoteShots(server)).toEqual(['s1', 'a1']);
  expect(b.project()).toMatchObject({ title: 'B, second title' });
});

it('resolves load with a status, not a rejection, when taking the remote copy cannot be written', async () => {
  const { server, disk, tab, b } = await twoDevices();
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(2000);

  disk.schedule((op) => (op.method === 'setItem' && op.key === BASE ? 'fail' : undefined));
  const loaded = await tab.reload();

  expect(loaded.status).toBe('fulfilled');
  expect(remoteShots(server)).toEqual(['s1', 'b1']);
});

it('pushes a copy saved while the push of the one before was recording its idempotency key', async () => {
  const { server, disk, tab, b } = await twoDevices();
  const a = tab.device;
  // Writes of the outbox entry take 10 s; the document itself is written at once.
  disk.schedule((op) => (op.method === 'setItem' && op.key === OUTBOX ? 'stall' : undefined));

  a.store.dispatch(shot('a1'));
  await jest.advanceTimersByTimeAsync(1000 + 10_000); // saved; its push now records its key (10 s)
  expect(a.status().status).toBe('saved');
  a.store.dispatch(shot('a2'));
  await jest.advanceTimersByTimeAsync(1500); // a2 saved while that push still waits
  expect(shotIds(await storedDocument(disk.inner))).toEqual(['s1', 'a1', 'a2']);

  disk.heal();
  await jest.advanceTimersByTimeAsync(30_000);
  await settleAll(a, b);

  expect(remoteShots(server)).toEqual(['s1', 'a1', 'a2']);
  expect(shotIds(b.project())).toEqual(['s1', 'a1', 'a2']);
});

// Mutation entry-closes-despite-newer-save (issue 10, item 12): the entry
// closed by a push that began before a newer save. The loop after that push
// would open a new entry if it could read the base; here it cannot until the
// page is closed. Meanwhile the status must not say the newer copy is on the
// remote, and the reloaded page must push it.
it('keeps the outbox entry of a copy saved while the push of the one before was on the wire: a reload still pushes it', async () => {
  const server = createFaultyServer();
  const disk = faultyStorage();
  const tab = page(server, disk);
  const a = tab.device;
  a.store.dispatch(projectLoaded(makeProject('p1', 'Trailer', 1)));
  await jest.advanceTimersByTimeAsync(2000);
  expect(server.document(KEY)?.data).toMatchObject({ title: 'Trailer' });

  server.latencyMs = 4000; // 2 s to the server, 2 s back
  a.store.dispatch(titleChanged('First cut'));
  expect(await within(a.autosave.flush())).toMatchObject({ status: 'fulfilled' }); // its push is now on the wire
  a.store.dispatch(titleChanged('Second cut'));
  expect(await within(a.autosave.flush())).toMatchObject({ status: 'fulfilled' }); // saved before that push answers
  // From here the base cannot be read: the push of the newer copy fails, and
  // its retries too, until the page is closed.
  disk.always('fail', ['getItem'], { where: (key) => key === BASE });
  await jest.advanceTimersByTimeAsync(6000);
  expect(server.document(KEY)?.data).toMatchObject({ title: 'First cut' });
  expect(a.status()).toMatchObject({ pendingSync: true });

  disk.heal();
  server.latencyMs = 0;
  const loaded = await tab.reload();
  expect(loaded).toMatchObject({ status: 'fulfilled', value: { status: 'loaded', document: { title: 'Second cut' } } });
  await jest.advanceTimersByTimeAsync(10_000);

  expect(server.document(KEY)?.data).toMatchObject({ title: 'Second cut' });
  expect(tab.device.status()).toMatchObject({ status: 'saved', pendingSync: false });
  expect(await disk.inner.getItem(OUTBOX)).toBeNull();
});

it('keeps the outbox entry of a copy still being written when a push runs meanwhile', async () => {
  const { server, disk, tab, b } = await twoDevices();
  const a = tab.device;
  // Writes of the document take 10 s; the outbox entry is written at once.
  disk.schedule((op) => (op.method === 'setItem' && op.key === KEY ? 'stall' : undefined));

  a.store.dispatch(shot('a1'));
  await jest.advanceTimersByTimeAsync(1100); // the save has recorded a1 in the outbox and is writing it
  a.store.dispatch(a.autosave.actions.syncNow()); // say the network came back: the outbox is drained
  await jest.advanceTimersByTimeAsync(10_000);
  expect(a.status().status).toBe('saved');
  expect(shotIds(await storedDocument(disk.inner))).toEqual(['s1', 'a1']);

  disk.heal();
  await settleAll(a, b);

  expect(remoteShots(server)).toEqual(['s1', 'a1']);
  expect(a.status()).toMatchObject({ status: 'saved', pendingSync: false });
});

it('does not write a conflict resolution made from an older copy over a newer one saved meanwhile', async () => {
  const { server, disk, tab, b } = await twoDevices();
  const a = tab.device;
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(2000);
  disk.schedule((op) => (op.method === 'setItem' && op.key === OUTBOX ? 'stall' : undefined));

  a.store.dispatch(shot('a1'));
  await jest.advanceTimersByTimeAsync(1000 + 10_000); // a1 saved; its push reads it, then records its key (10 s)
  a.store.dispatch(shot('a2'));
  await jest.advanceTimersByTimeAsync(1500); // a2 saved before that push meets B's edit
  await jest.advanceTimersByTimeAsync(10_000); // the push of a1 conflicts with b1 and is merged

  disk.heal();
  await settleAll(a, b);

  expect(shotIds(a.project())).toEqual(expect.arrayContaining(['s1', 'a1', 'a2', 'b1']));
  expect(remoteShots(server)).toEqual(expect.arrayContaining(['s1', 'a1', 'a2', 'b1']));
});

it('does not let a base written ahead of the merged copy push an older copy over remote edits after a reload', async () => {
  const { server, disk, tab, b } = await twoDevices();
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(2000);
  server.down = true;
  tab.device.store.dispatch(shot('a1'));
  await jest.advanceTimersByTimeAsync(1000);
  expect(tab.device.status()).toMatchObject({ status: 'offline', pendingSync: true });

  // Back online: the push of a1 conflicts with b1 and the merge is written —
  // slowly, and the tab is closed before the merged copy is on disk.
  disk.schedule((op) => (op.method === 'setItem' && op.key === KEY ? 'stall' : undefined));
  server.down = false;
  tab.device.store.dispatch(tab.device.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(2000);
  expect(server.log.requests.some((r) => r.method === 'PUT' && r.outcome === 412)).toBe(true);
  disk.heal();
  await tab.reload();

  await settleAll(tab.device, b);

  expect(remoteShots(server)).toEqual(expect.arrayContaining(['s1', 'a1', 'b1']));
  expect(shotIds(b.project())).toEqual(expect.arrayContaining(['s1', 'a1', 'b1']));
});

it('pushes a copy saved while a push was finding that the copy before it had nothing to send', async () => {
  const { server, disk, tab, b } = await twoDevices();
  // A tab closed between recording a save in the outbox and writing it leaves an entry for a copy the remote has.
  await disk.inner.setItem(OUTBOX, { checksum: null, idempotencyKey: null });
  // Reading the base takes 10 s: the push that reload starts for that entry is slow to find there is nothing to send.
  disk.schedule((op) => (op.method === 'getItem' && op.key === BASE ? 'stall' : undefined));

  await tab.reload();
  tab.device.store.dispatch(shot('a2'));
  await within(tab.device.autosave.flush());
  expect(shotIds(await storedDocument(disk.inner))).toEqual(['s1', 'a2']);
  await jest.advanceTimersByTimeAsync(10_000);

  disk.heal();
  await settleAll(tab.device, b);

  expect(remoteShots(server)).toEqual(['s1', 'a2']);
  expect(tab.device.status()).toMatchObject({ status: 'saved', pendingSync: false });
});

it('never sends an older copy over remote edits while their merge is being written', async () => {
  const { server, disk, tab, b } = await twoDevices();
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(2000);
  server.down = true;
  tab.device.store.dispatch(shot('a1'));
  await jest.advanceTimersByTimeAsync(1000);
  expect(tab.device.status()).toMatchObject({ status: 'offline', pendingSync: true });
  // As if the tab closed before its push recorded an idempotency key for a1.
  await disk.inner.setItem(OUTBOX, { checksum: null, idempotencyKey: null });

  // After a reload, the outbox push of a1 and the load's pull of b1 run at once, on a storage that writes slowly.
  disk.always('stall', ['setItem']);
  server.down = false;
  await tab.reload();
  await jest.advanceTimersByTimeAsync(60_000);
  disk.heal();
  await settleAll(tab.device, b);

  // Once the server had b1, no copy it accepted lacked it.
  const since = server.log.history.findIndex((h) => shotIds(h.data as Project)?.includes('b1'));
  const accepted = server.log.history.slice(since).map((h) => shotIds(h.data as Project));
  expect(accepted.filter((ids) => !ids?.includes('b1'))).toEqual([]);
  expect(remoteShots(server)).toEqual(expect.arrayContaining(['s1', 'a1', 'b1']));
  expect(shotIds(b.project())).toEqual(expect.arrayContaining(['s1', 'a1', 'b1']));
});

it('keeps an unwritten edit pending through a failed and then a successful pull: it is never shown as saved', async () => {
  const { server, disk, tab } = await twoDevices();
  const a = tab.device;
  disk.always('fail', ['setItem']);
  a.store.dispatch(shot('a1'));
  // A pull answered with half a JSON body, then a pull that finds nothing new, both before the save is due.
  server.inject({ kind: 'garbage', body: '{"version":"9","da', contentType: 'application/json' });
  a.store.dispatch(a.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(0);
  expect(a.status()).toMatchObject({ status: 'pending', error: { code: 'remote' } });
  expect(a.autosave.selectors.selectHasUnsavedChanges(a.store.getState())).toBe(true);
  a.store.dispatch(a.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(50);
  expect(a.status().status).toBe('pending');
  expect(a.autosave.selectors.selectHasUnsavedChanges(a.store.getState())).toBe(true);

  // The save is due and the storage still fails: an error, never `saved`.
  await jest.advanceTimersByTimeAsync(5000);
  expect(a.status()).toMatchObject({ status: 'error', error: { code: 'storage' } });
  disk.heal();
  await settleAll(a);
  expect(a.status()).toMatchObject({ status: 'saved', pendingSync: false });
  expect(shotIds(await storedDocument(disk.inner))).toEqual(['s1', 'a1']);
  expect(remoteShots(server)).toEqual(['s1', 'a1']);
});

it('keeps a save that failed in error through an unreachable remote and a pull that finds nothing new', async () => {
  const { server, disk, tab } = await twoDevices();
  const a = tab.device;
  disk.always('fail', ['setItem']);
  a.store.dispatch(shot('a1'));
  await jest.advanceTimersByTimeAsync(1300);
  expect(a.status()).toMatchObject({ status: 'error', error: { code: 'storage' } });

  server.inject({ kind: 'drop' });
  a.store.dispatch(a.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(0);
  a.store.dispatch(a.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(50);
  expect(a.status()).toMatchObject({ status: 'error', error: { code: 'storage' } });
  expect(a.autosave.selectors.selectHasUnsavedChanges(a.store.getState())).toBe(true);

  disk.heal();
  await settleAll(a);
  expect(shotIds(await storedDocument(disk.inner))).toEqual(['s1', 'a1']);
  expect(remoteShots(server)).toEqual(['s1', 'a1']);
});

it('pushes an edit written while a pull was closing the outbox entry, after the page closed before the write was announced', async () => {
  const { server, disk, tab, b } = await twoDevices();
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(1000);
  expect(remoteShots(server)).toEqual(['s1', 'b1']);

  // Every write of A's storage takes 10 s: A pulls b1 and writes it, and an edit follows while that write is slow.
  disk.always('stall', ['setItem']);
  tab.device.store.dispatch(tab.device.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(0);
  tab.device.store.dispatch(shot('a2'));
  await within(tab.device.autosave.flush());
  expect(shotIds(await storedDocument(disk.inner))).toEqual(['s1', 'b1', 'a2']);

  // The page closes while the bookkeeping after that write is still slow.
  const reloaded = await tab.reload();
  expect(reloaded).toMatchObject({ status: 'fulfilled', value: { status: 'loaded' } });
  disk.heal();
  await settleAll(tab.device, b);
  expect(remoteShots(server)).toEqual(['s1', 'b1', 'a2']);
  expect(shotIds(b.project())).toEqual(['s1', 'b1', 'a2']);
});

// Mutation (issue 10, mutate.mjs "pull-overwrites-unsaved-edit"): drop the
// step that folds an edit still waiting for its debounce into a remote copy
// being taken in. No test saw it: the edit is not saved yet, so nothing
// acknowledged it, and the pulled copy replaced it on the screen.
it('merges a remote copy pulled while an edit waits for its debounce: the edit stays on screen, and both are saved and pushed', async () => {
  const { server, disk, tab, b } = await twoDevices();
  const a = tab.device;
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(2000);
  expect(remoteShots(server)).toEqual(['s1', 'b1']);

  a.store.dispatch(titleChanged('Typed just before the pull'));
  expect(a.status().status).toBe('pending');
  a.store.dispatch(a.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(0);

  expect(a.project()).toMatchObject({ title: 'Typed just before the pull', shots: [{ id: 's1' }, { id: 'b1' }] });
  await settleAll(a, b);
  for (const copy of [a.project(), b.project(), await storedDocument(disk.inner), server.document(KEY)?.data as Project]) {
    expect(copy).toMatchObject({ title: 'Typed just before the pull', shots: [{ id: 's1' }, { id: 'b1' }] });
  }
  expect(a.status()).toMatchObject({ status: 'saved', pendingSync: false });
});

it('says nothing of a removed document when a pull asked for during its removal fails: no "offline, changes to push" that no push would send', async () => {
  const server = createFaultyServer();
  const a = faultDevice(server, faultyStorage().storage);
  a.store.dispatch(projectLoaded(makeProject('p1', 'To be removed', 1)));
  await jest.advanceTimersByTimeAsync(2000);
  expect(a.status()).toMatchObject({ status: 'saved', pendingSync: false });

  // The removal is on the wire (this server answers DELETE 405: the removal
  // stays local) when the app opens p1 again; the pull that load asks for
  // waits its turn, runs once the removal went through, and is dropped.
  server.latencyMs = 1000;
  const removed = a.autosave.remove('project', 'p1');
  await jest.advanceTimersByTimeAsync(100);
  const opened = a.autosave.load('project', 'p1');
  await jest.advanceTimersByTimeAsync(1000);
  server.inject({ kind: 'drop' }, { method: 'GET' });
  await jest.advanceTimersByTimeAsync(5000);
  expect(await within(removed)).toMatchObject({ status: 'fulfilled' });
  expect(await within(opened)).toMatchObject({ status: 'fulfilled', value: { status: 'missing' } });
  await jest.advanceTimersByTimeAsync(60_000);

  expect(server.log.requests.map((request) => [request.method, request.outcome])).toEqual([
    ['PUT', 200],
    ['DELETE', 405],
    ['GET', 'drop'],
  ]);
  expect(a.store.getState().autosave.documents['project:p1']).toBeUndefined();
  expect(a.autosave.selectors.selectHasUnsavedChanges(a.store.getState())).toBe(false);
});

describe('a base the storage fails to store after the remote took a copy', () => {
  // A's pushed title must count as what the remote has, not as an edit of
  // A's: merged on the older base, it wins the clash with B's newer title.
  it('a push that lands: the base it pushed stands until stored, so the next 412 merges on it', async () => {
    const { server, disk, tab, b } = await twoDevices();
    const a = tab.device;
    disk.schedule((op) => (op.method === 'setItem' && op.key === BASE ? 'fail' : undefined));
    a.store.dispatch(titleChanged('Title from A'));
    const title = () => (server.document(KEY)?.data as Project | undefined)?.title;
    for (let waited = 0; title() !== 'Title from A' && waited < 5000; waited += 10) await jest.advanceTimersByTimeAsync(10);
    expect(title()).toBe('Title from A');

    // Another device renames it, and A saves a new copy (its document writes
    // work): that copy's push is no retry the server could answer from its
    // Idempotency-Key memory, and meets a 412.
    server.write(KEY, { ...(server.document(KEY)!.data as Project), title: 'Title from B, later' });
    a.store.dispatch(shot('a1'));
    await jest.advanceTimersByTimeAsync(5000);

    disk.heal();
    await jest.advanceTimersByTimeAsync(30_000);
    await settleAll(a, b);

    expect(server.document(KEY)?.data).toMatchObject({ title: 'Title from B, later' });
    expect(remoteShots(server)).toEqual(['s1', 'a1']);
    expect(a.project()).toMatchObject({ title: 'Title from B, later' });
  });

  it('a 412 whose remote copy is what A pushed: that copy stands as the base until stored', async () => {
    const { server, disk, tab, b } = await twoDevices();
    const a = tab.device;
    b.store.dispatch(titleChanged('The same title'));
    await jest.advanceTimersByTimeAsync(2000);

    // A makes the same edit without having pulled B's: its push meets a 412 whose copy equals its own.
    disk.schedule((op) => (op.method === 'setItem' && op.key === BASE ? 'fail' : undefined));
    a.store.dispatch(titleChanged('The same title'));
    await jest.advanceTimersByTimeAsync(2000);

    b.store.dispatch(titleChanged('Title from B, later'));
    await jest.advanceTimersByTimeAsync(2000);
    expect(server.document(KEY)?.data).toMatchObject({ title: 'Title from B, later' });

    disk.heal();
    a.store.dispatch(shot('a1'));
    await jest.advanceTimersByTimeAsync(30_000);
    await settleAll(a, b);

    expect(server.document(KEY)?.data).toMatchObject({ title: 'Title from B, later' });
    expect(remoteShots(server)).toEqual(['s1', 'a1']);
    expect(a.project()).toMatchObject({ title: 'Title from B, later' });
  });
});

it('pushes an edit of a pulled copy on that copy\'s base when a closed page left the base stored ahead: a remote edit made since is not set back (known bug 7, seed 13)', async () => {
  const { server, disk, tab, b } = await twoDevices();
  b.store.dispatch(shot('b1'));
  await jest.advanceTimersByTimeAsync(2000);

  // A takes b1 in: its base goes ahead of the copy as `next`, and the page
  // is closed while the base is being settled.
  let baseWrites = 0;
  disk.schedule((op) => (op.method === 'setItem' && op.key === BASE && ++baseWrites >= 2 ? 'stall' : undefined));
  tab.device.store.dispatch(tab.device.autosave.actions.syncNow());
  await jest.advanceTimersByTimeAsync(1000);
  expect(shotIds(await storedDocument(disk.inner))).toEqual(['s1', 'b1']);
  expect(await disk.inner.getItem(BASE)).toMatchObject({ next: { data: { shots: [{ id: 's1' }, { id: 'b1' }] } } });
  disk.heal();
  await tab.reload();
  expect(tab.device.status()).toMatchObject({ status: 'saved', pendingSync: false });

  // B renames b1 and pushes it; then A, which has not pulled since, adds a1.
  b.store.dispatch(promptChanged({ shotId: 'b1', prompt: 'b1, renamed on B' }));
  await jest.advanceTimersByTimeAsync(2000);
  tab.device.store.dispatch(shot('a1'));
  await jest.advanceTimersByTimeAsync(2000);
  await settleAll(tab.device, b);

  const remote = server.document(KEY)?.data as Project;
  expect(shotIds(remote)).toEqual(['s1', 'b1', 'a1']);
  expect(remote.shots[1].prompt).toBe('b1, renamed on B');
  expect(tab.device.project()).toEqual(remote);
  expect(b.project()).toEqual(remote);
});
