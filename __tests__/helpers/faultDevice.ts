// A device of the fault tests: a store over a faulty storage, syncing through
// the real httpRemote with the in-memory server, on the fake clock; and a page
// that can be reloaded (its storage and network calls hang from then on, as a
// closed tab's do, and a new store starts over the same storage).
import type { AutosaveOptions } from '../../src';
import { projectDocument, type Project } from './index';
import type { FaultyServer } from './faultRemote';
import type { FaultyStorage } from './faultStorage';
import { storedData } from './stored';
import { createDevice, type Device } from './sync';

export const KEY = 'project:p1';
export const OUTBOX = `__autosave/outbox/${KEY}`;
export const BASE = `__autosave/base/${KEY}`;

/** Quick enough for the fake clock, slow enough that debounce and backoff are real. */
export const TIMING = {
  documents: { project: projectDocument({ debounceMs: 1000, maxWaitMs: 4000 }) },
  retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 },
};

export function faultDevice(
  server: FaultyServer,
  storage: Device['storage'],
  options: { session?: { killed: boolean }; timeoutMs?: number } & Partial<AutosaveOptions<{ project: Project }>> = {},
): Device {
  const { session, timeoutMs = 5000, ...rest } = options;
  return createDevice(server.remote({ session, timeoutMs }), { ...TIMING, ...rest, storage });
}

/**
 * One page over `disk`: `device` is the live store; `reload()` ends the page
 * (pending calls of the old one never finish) and starts a new store over
 * the same storage, loading p1 as an app would on start.
 */
export function page(server: FaultyServer, disk: FaultyStorage, options: Partial<AutosaveOptions<{ project: Project }>> = {}) {
  let session = disk.session();
  let network = { killed: false };
  const current = { device: faultDevice(server, session.storage, { ...options, session: network }) };
  return {
    get device() {
      return current.device;
    },
    kill() {
      session.kill();
      network.killed = true;
      // A closed page runs nothing more: its storage and network calls hang,
      // and its own timers (storage timeouts, retries) never fire.
      void current.device.autosave.dispose({ flush: false });
    },
    /** Ends the page and opens a new one; resolves with what its `load` settled to. */
    async reload(): Promise<PromiseSettledResult<unknown>> {
      this.kill();
      session = disk.session();
      network = { killed: false };
      current.device = faultDevice(server, session.storage, { ...options, session: network });
      await jest.advanceTimersByTimeAsync(0);
      return within(current.device.autosave.load('project', 'p1'));
    },
  };
}

/** Moves the fake clock on until `promise` settles (at most `maxMs`), so the timers it waits on fire. */
export async function within<T>(promise: Promise<T>, maxMs = 120_000): Promise<PromiseSettledResult<T>> {
  let result: PromiseSettledResult<T> | undefined;
  promise.then(
    (value) => (result = { status: 'fulfilled', value }),
    (reason: unknown) => (result = { status: 'rejected', reason }),
  );
  for (let waited = 0; result === undefined && waited <= maxMs; waited += 50) await jest.advanceTimersByTimeAsync(50);
  if (result === undefined) throw new Error(`did not settle within ${maxMs} ms of the fake clock`);
  return result;
}

/** The document stored at `key`, however the storage keeps it. */
export async function storedDocument(storage: Device['storage'], key = KEY): Promise<Project | undefined> {
  const value = await storage.getItem(key);
  return value == null ? undefined : (storedData(value) as Project);
}

/** What a user who gave up waiting would do: every page flushed and synced, then the clock runs on. */
export async function settleAll(...devices: Device[]): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await within(Promise.allSettled(devices.map((d) => d.autosave.flush())));
    for (const d of devices) d.store.dispatch(d.autosave.actions.syncNow());
    await jest.advanceTimersByTimeAsync(60_000);
  }
}

export const shotIds = (project: Project | null | undefined) => project?.shots.map((shot) => shot.id);

/**
 * Math.random drives the backoff jitter (and RTK's ids, so it must not be a
 * constant): a seeded generator makes a run replayable.
 */
export function seedRandom(seed: number): jest.SpyInstance {
  let state = seed >>> 0;
  return jest.spyOn(Math, 'random').mockImplementation(() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  });
}
