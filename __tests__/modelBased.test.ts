/**
 * Model-based test: fast-check draws a sequence of what happens to a user's
 * document — edits on this device and on a second one, flushes, storage
 * faults, the remote going down or answering badly, a lost reply, a reload —
 * runs it on the fake clock against the in-memory sync server, heals every
 * fault, lets the clock run out, and checks that nothing was lost.
 *
 * Replay a failure with the seed, path and replayPath it prints:
 *   FC_SEED=… FC_PATH=… FC_REPLAY=… npx jest __tests__/modelBased.test.ts
 * FC_RUNS sets the number of runs (200 by default).
 */
import fc from 'fast-check';
import { makeProject, projectLoaded, promptChanged, shotAdded, titleChanged, useFakeTimers, type Project } from './helpers';
import { faultDevice, KEY, OUTBOX, seedRandom, within } from './helpers/faultDevice';
import { createFaultyServer, type FaultyServer, type RemoteFault } from './helpers/faultRemote';
import { faultyStorage, type FaultyStorage, type StorageFault, type StorageMethod } from './helpers/faultStorage';
import type { Device } from './helpers/sync';

const T0 = Date.UTC(2025, 5, 2, 9, 0);
const RUNS = Number(process.env.FC_RUNS ?? 200);
// A path replays from the run it names, which must be within numRuns.
const REPLAY_RUNS = process.env.FC_PATH ? Math.max(RUNS, Number(process.env.FC_PATH.split(':')[0]) + 1) : RUNS;

/** What the model knows: which faults are on. The real system is the judge of the rest. */
interface Model {
  storageFault: string | null;
  remoteDown: boolean;
}

interface World {
  server: FaultyServer;
  /** Device A's storage, faults and all; it survives reloads. */
  disk: FaultyStorage;
  a: Device;
  b: Device;
  /** Ends device A's page: its storage and network calls hang from then on. */
  killA: () => void;
  /** Shot ids that were in a document some device showed as `saved`: each must survive. */
  savedShots: Set<string>;
  /** Every title a device showed as `saved`: the final title is one of them. */
  savedTitles: Set<string>;
  next: number;
  reloads: number;
  /** What happened, for the failure message. */
  trace: string[];
  /** Promises broken along the way: `load` must resolve to a status, never reject. */
  problems: string[];
  unsubscribe: (() => void)[];
}

const totals = { runs: 0, commands: 0, storageFaults: 0, remoteFaults: 0, reloads: 0, edits: 0 };

function device(world: Pick<World, 'server'>, storage: Device['storage'], session?: { killed: boolean }): Device {
  return faultDevice(world.server, storage, { session });
}

/**
 * Records what each `saved` status vouches for: the document in the state
 * when the status turns to `saved` (an edit is in the state a moment before
 * its `pending`, so a status that merely stays `saved` vouches for nothing).
 */
function watch(world: World, d: Device): () => void {
  let before = d.status().status;
  return d.store.subscribe(() => {
    const now = d.status().status;
    const project = d.project();
    if (now === 'saved' && before !== 'saved' && project) {
      for (const shot of project.shots) world.savedShots.add(shot.id);
      world.savedTitles.add(project.title);
    }
    before = now;
  });
}

const short = (project: Project | null | undefined) =>
  project ? `${project.title}[${project.shots.map((s) => s.id).join(',')}]` : String(project);

function describeWorld(world: World): string {
  const { a, b, server } = world;
  return `A ${short(a.project())} ${a.status().status}${a.status().pendingSync ? '+sync' : ''}; B ${short(b.project())} ${b.status().status}${
    b.status().pendingSync ? '+sync' : ''
  }; server ${short(server.document(KEY)?.data as Project | undefined)}`;
}

type Command = fc.AsyncCommand<Model, World>;

class Edit implements Command {
  constructor(
    readonly who: 'A' | 'B',
    readonly what: 'shot' | 'title' | 'prompt',
  ) {}
  check = () => true;
  async run(_m: Model, world: World) {
    const d = this.who === 'A' ? world.a : world.b;
    const project = d.project();
    if (!project) return;
    const n = `${this.who.toLowerCase()}${++world.next}`;
    totals.edits++;
    if (this.what === 'shot') d.store.dispatch(shotAdded({ id: n, prompt: `shot ${n}`, dialogue: [] }));
    if (this.what === 'title') d.store.dispatch(titleChanged(`title ${n}`));
    if (this.what === 'prompt') d.store.dispatch(promptChanged({ shotId: project.shots[0].id, prompt: `prompt ${n}` }));
    await jest.advanceTimersByTimeAsync(0);
  }
  toString = () => `edit ${this.who} ${this.what}`;
}

class Wait implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run() {
    await jest.advanceTimersByTimeAsync(this.ms);
  }
  toString = () => `wait ${this.ms}`;
}

class Flush implements Command {
  check = () => true;
  async run(_m: Model, world: World) {
    await within(world.a.autosave.flush());
  }
  toString = () => 'flush A';
}

class SyncNow implements Command {
  constructor(readonly who: 'A' | 'B') {}
  check = () => true;
  async run(_m: Model, world: World) {
    const d = this.who === 'A' ? world.a : world.b;
    d.store.dispatch(d.autosave.actions.syncNow());
    await jest.advanceTimersByTimeAsync(0);
  }
  toString = () => `syncNow ${this.who}`;
}

class StorageFaultOn implements Command {
  constructor(
    readonly fault: StorageFault,
    readonly methods: StorageMethod[],
  ) {}
  check = (m: Readonly<Model>) => m.storageFault === null;
  async run(m: Model, world: World) {
    m.storageFault = `${this.fault} ${this.methods.join('/')}`;
    world.disk.always(this.fault, this.methods);
  }
  toString = () => `storage ${this.fault} on ${this.methods.join('/')}`;
}

class StorageHeal implements Command {
  check = (m: Readonly<Model>) => m.storageFault !== null;
  async run(m: Model, world: World) {
    m.storageFault = null;
    world.disk.heal();
  }
  toString = () => 'storage healed';
}

class RemoteDown implements Command {
  check = (m: Readonly<Model>) => !m.remoteDown;
  async run(m: Model, world: World) {
    m.remoteDown = world.server.down = true;
  }
  toString = () => 'remote down';
}

class RemoteUp implements Command {
  check = (m: Readonly<Model>) => m.remoteDown;
  async run(m: Model, world: World) {
    m.remoteDown = world.server.down = false;
  }
  toString = () => 'remote up';
}

class RemoteFaultOnce implements Command {
  constructor(readonly fault: RemoteFault) {}
  check = () => true;
  async run(_m: Model, world: World) {
    world.server.inject(this.fault);
  }
  toString = () => `remote ${JSON.stringify(this.fault)}`;
}

class Reload implements Command {
  check = () => true;
  async run(_m: Model, world: World) {
    world.reloads++;
    totals.reloads++;
    // pagehide: the page starts a flush and is gone a moment later.
    world.a.autosave.flush().catch(() => {});
    await jest.advanceTimersByTimeAsync(0);
    world.killA();
    // A closed page runs nothing more: its timers (storage timeouts, retries) never fire.
    void world.a.autosave.dispose({ flush: false });
    world.unsubscribe.shift()?.();
    const disk = world.disk.session();
    const network = { killed: false };
    world.killA = () => {
      disk.kill();
      network.killed = true;
    };
    world.a = device(world, disk.storage, network);
    world.unsubscribe.unshift(watch(world, world.a));
    await jest.advanceTimersByTimeAsync(0);
    await load(world);
  }
  toString = () => 'reload A';
}

/** Device A loads its document, as an app does on start; `load` resolves whatever happens. */
async function load(world: World): Promise<void> {
  const result = await within(world.a.autosave.load('project', 'p1'));
  if (result.status === 'rejected') world.problems.push(`load() rejected: ${String(result.reason)}`);
}

const remoteFaults: fc.Arbitrary<RemoteFault> = fc.oneof(
  fc.record({
    kind: fc.constant('status' as const),
    status: fc.constantFrom(500, 503, 429),
    retryAfter: fc.option(fc.constantFrom('0', '1', '3'), { nil: undefined }),
  }),
  fc.constantFrom<RemoteFault>(
    { kind: 'drop' },
    { kind: 'slow' },
    { kind: 'lostReply' },
    { kind: 'garbage', body: '<!doctype html><title>Sign in</title>' },
    { kind: 'garbage', body: '{"version":"9","da', contentType: 'application/json' },
  ),
);

const commands = fc.commands(
  [
    fc.tuple(fc.constantFrom<'A' | 'B'>('A', 'A', 'B'), fc.constantFrom<'shot' | 'title' | 'prompt'>('shot', 'title', 'prompt')).map(
      ([who, what]) => new Edit(who, what),
    ),
    fc.integer({ min: 50, max: 6000 }).map((ms) => new Wait(ms)),
    fc.constant(null).map(() => new Flush()),
    fc.constantFrom<'A' | 'B'>('A', 'B').map((who) => new SyncNow(who)),
    fc
      .tuple(
        // Not 'lose': a write the storage acknowledged and dropped cannot be
        // told from one it kept (faultInjection.test.ts shows what happens).
        fc.constantFrom<StorageFault>('fail', 'quota', 'stall', 'garbage'),
        fc.constantFrom<StorageMethod[]>(['setItem'], ['getItem', 'keys'], ['getItem', 'setItem', 'removeItem', 'keys']),
      )
      .filter(([fault, methods]) => fault !== 'garbage' || methods.includes('getItem'))
      .map(([fault, methods]) => new StorageFaultOn(fault, methods)),
    fc.constant(null).map(() => new StorageHeal()),
    fc.constant(null).map(() => new RemoteDown()),
    fc.constant(null).map(() => new RemoteUp()),
    remoteFaults.map((fault) => new RemoteFaultOnce(fault)),
    fc.constant(null).map(() => new Reload()),
  ],
  // The commands shrink by what ran: replaying a shrunk case needs its replayPath too.
  { maxCommands: 40, size: 'max', replayPath: process.env.FC_REPLAY },
);

/** JSON with sorted keys: two copies of a document compare equal whatever order a merge built them in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

async function stored(storage: Device['storage']): Promise<unknown> {
  const value = (await storage.getItem(KEY)) as { data: unknown } | null;
  return value?.data;
}

/** Every copy that must agree, by where it is. */
async function copies(world: World): Promise<Record<string, string>> {
  return {
    'A state': canonical(world.a.project()),
    'A storage': canonical(await stored(world.disk.inner)),
    'B state': canonical(world.b.project()),
    'B storage': canonical(await stored(world.b.storage)),
    server: canonical(world.server.document(KEY)?.data),
  };
}

/** The faults heal, the pages are flushed and synced as a user's return would, and the clock runs out. */
async function healAndSettle(world: World): Promise<void> {
  world.disk.heal();
  world.server.heal();
  await jest.advanceTimersByTimeAsync(5 * 60_000);
  for (let round = 0; round < 6; round++) {
    if (!world.a.project()) await load(world);
    await within(Promise.allSettled([world.a.autosave.flush(), world.b.autosave.flush()]));
    world.a.store.dispatch(world.a.autosave.actions.syncNow());
    world.b.store.dispatch(world.b.autosave.actions.syncNow());
    await jest.advanceTimersByTimeAsync(60_000);
    const now = Object.values(await copies(world));
    const quiet = [world.a, world.b].every((d) => d.status().status === 'saved' && !d.status().pendingSync);
    if (quiet && now.every((copy) => copy === now[0])) return;
  }
}

async function checkInvariants(world: World): Promise<void> {
  const failures: string[] = [...world.problems];
  const all = await copies(world);
  // The stored document equals the last state the store held.
  if (all['A storage'] !== all['A state']) failures.push(`A's storage ${all['A storage']} is not its state ${all['A state']}`);
  if (all['B storage'] !== all['B state']) failures.push(`B's storage ${all['B storage']} is not its state ${all['B state']}`);
  // The remote, the storages and every store converge.
  for (const [where, copy] of Object.entries(all)) {
    if (copy !== all.server) failures.push(`${where} ${copy} differs from the server's ${all.server}`);
  }
  for (const [name, d] of [['A', world.a] as const, ['B', world.b] as const]) {
    const status = d.status();
    if (status.status !== 'saved' || status.pendingSync) failures.push(`${name} ended ${JSON.stringify(status)}`);
  }
  if ((await world.disk.inner.getItem(OUTBOX)) !== null) failures.push('A still has an outbox entry');
  // Every edit that reached `saved` is present.
  const final = world.server.document(KEY)?.data as Project | undefined;
  const shots = new Set(final?.shots.map((s) => s.id));
  const lost = [...world.savedShots].filter((id) => !shots.has(id));
  if (lost.length > 0) failures.push(`shots shown as saved and then lost: ${lost.join(', ')}`);
  if (final && !world.savedTitles.has(final.title)) failures.push(`the final title ${final.title} was never saved anywhere`);
  // No idempotency key applied twice, none reused for another copy.
  const twice = [...world.server.log.applied].filter(([, n]) => n > 1).map(([key]) => key);
  if (twice.length > 0) failures.push(`idempotency keys applied twice: ${twice.join(', ')}`);
  if (world.server.log.reusedForOtherData.length > 0) {
    failures.push(`idempotency keys reused for a different copy: ${world.server.log.reusedForOtherData.join(', ')}`);
  }
  // No quarantined value was overwritten.
  if (world.disk.quarantineOverwrites.length > 0) failures.push(`quarantine overwritten: ${world.disk.quarantineOverwrites.join(', ')}`);
  // Nothing left running once all is settled.
  if (jest.getTimerCount() !== 0) failures.push(`${jest.getTimerCount()} timers still pending`);
  if (failures.length > 0) {
    throw new Error(`${failures.join('\n')}\n--- what happened ---\n${world.trace.join('\n')}`);
  }
}

async function createWorld(): Promise<World> {
  const server = createFaultyServer();
  const disk = faultyStorage();
  const session = disk.session();
  const network = { killed: false };
  const world: World = {
    server,
    disk,
    a: device({ server }, session.storage, network),
    b: undefined as unknown as Device,
    killA: () => {
      session.kill();
      network.killed = true;
    },
    savedShots: new Set(),
    savedTitles: new Set(),
    next: 0,
    reloads: 0,
    trace: [],
    problems: [],
    unsubscribe: [],
  };
  world.unsubscribe.push(watch(world, world.a));
  await jest.advanceTimersByTimeAsync(0);
  world.a.store.dispatch(projectLoaded(makeProject('p1', 'first', 1)));
  await jest.advanceTimersByTimeAsync(2000);
  world.b = device(world, faultyStorage().storage);
  world.unsubscribe.push(watch(world, world.b));
  await jest.advanceTimersByTimeAsync(0);
  await within(world.b.autosave.load('project', 'p1'));
  if (canonical(world.b.project()) !== canonical(world.a.project())) throw new Error(`setup: B did not load A's project: ${describeWorld(world)}`);
  return world;
}

afterAll(() => {
  // The figures for the record: how much this file put the library through.
  console.log(`model-based test: ${JSON.stringify(totals)}`);
});

it(`loses nothing that was saved, whatever faults come, over ${RUNS} runs`, async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer(), commands, async (randomSeed, cmds) => {
      useFakeTimers();
      jest.setSystemTime(T0);
      const random = seedRandom(randomSeed);
      let world: World | undefined;
      try {
        world = await createWorld();
        const traced = [...cmds].map((command) => ({
          check: (m: Readonly<Model>) => command.check(m),
          async run(m: Model, w: World) {
            await command.run(m, w);
            totals.commands++;
            w.trace.push(`${command.toString()} → ${describeWorld(w)}`);
          },
          toString: () => command.toString(),
        }));
        await fc.asyncModelRun(() => ({ model: { storageFault: null, remoteDown: false }, real: world! }), traced);
        await healAndSettle(world);
        world.trace.push(`healed and settled → ${describeWorld(world)}`);
        await checkInvariants(world);
      } finally {
        totals.runs++;
        if (world) {
          totals.storageFaults += world.disk.total();
          totals.remoteFaults += Object.values(world.server.log.faults).reduce((x, y) => x + y, 0);
          world.unsubscribe.forEach((stop) => stop());
          await Promise.allSettled([world.a.autosave.dispose({ flush: false }), world.b.autosave.dispose({ flush: false })]);
        }
        jest.clearAllTimers();
        random.mockRestore();
        jest.useRealTimers();
      }
    }),
    {
      numRuns: REPLAY_RUNS,
      verbose: 1,
      seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
      path: process.env.FC_PATH,
      endOnFailure: process.env.FC_SHRINK === '0',
    },
  );
}, 600_000);
