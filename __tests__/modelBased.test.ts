/**
 * Model-based test: fast-check draws a user's story of 30 to 60 steps, at
 * least 10 of them edits (titles, prompts, new shots) in any tab of two
 * devices, with time passing, flushes and syncs, faults of both disks
 * (failed, full, stalled and lost writes, six kinds of garbage reads, brief
 * blips), a remote that goes down, is slow, answers badly or loses replies,
 * reloads, a second tab, remove(), and one of the conflict strategies
 * ('merge', 'local', 'remote', 'manual' with the user's answer, a resolver
 * function). It runs the story on the fake clock against the in-memory sync
 * server (helpers/model/: commands.ts, generator.ts, world.ts, lineage.ts).
 *
 * What it checks, on the way and at the end:
 * - every value a tab showed when its status turned `saved` (for each field:
 *   the title, each shot's prompt, each shot being there) is in what every
 *   copy ends with, or a later value made from it, except where the conflict
 *   strategy lets a concurrent edit win (lineage.ts says which);
 * - after a reload, the loaded copy holds what the device saved before it;
 * - when flush() resolves, the stored copy holds what the tab showed;
 * - a tab that says `saved` with nothing left to push, at a version, is right:
 *   that version holds what the tab last saved;
 * - a save ends in a storage error only while a lasting storage fault is on:
 *   a blip of fewer failures than retry.attempts is retried away;
 * - once the faults heal, no push waits for ever (no tab stays offline with
 *   changes to push), and after a flush and a sync every copy agrees, with
 *   no outbox entry left, no Idempotency-Key accepted for two copies, no copy
 *   applied over itself, no quarantined copy written over, no timer left.
 *
 * Bugs of the library this test found (issue 10's report). Fixed, and no
 * longer steered around: (1) two tabs pushing at once where Web Locks are
 * missing, and a copy merged with another tab's at the write stored on the
 * remote's base; (2) a tab taking in another tab's copy said synced before
 * it was pushed; (3) remove() while a push or pull ran; (5) garbage reads of
 * the sync bookkeeping believed; (6) a disposed engine writing on; and,
 * found later, a 412 merged on the base a push was sent on after another
 * tab had taken a newer remote copy in (now pushed again). With the fence
 * of bug 8 lifted (a failed read in a 412's merge now retries the push, as
 * any storage failure under a push does), it found (8) a pull or push still
 * on the wire when the document's removal went through said "offline,
 * changes to push" for the removed document, which no push would ever send
 * (now a request that ends after its document's removal says nothing:
 * syncFaults.test.ts), and
 * the claim check learned that a resolver taking the local title may set a
 * pushed title back, as the other checks knew. Still steered around, its
 * fence marked "known bug 7" where it is:
 *  7. Lasting storage faults beside a second tab: a tab's view of what the
 *     other tab stored, and its claim to be synced, can lag or go wrong
 *     while reads fail or give garbage (a failed read of an announced copy
 *     is now tried again with backoff and no limit, and a loaded or adopted
 *     copy is pending until the engine has looked). The fence (the
 *     StorageFaultOn and OpenTab checks, `fenceBug7` in the model) is lifted
 *     with FC_LIFT_BUG7=1. Two ways it set a pushed value back are fixed,
 *     each with a run kept below that fails without its fix: (a) a copy a
 *     tab made from a 412's remote copy, written on a stalling disk, met the
 *     other tab's copy (stored on an older pull) and merged with it on the
 *     stored copy alone, so what the 412 brought counted as the tab's edits
 *     and the stored base stayed the older one; the merge's base is now,
 *     field by field, the stored copy or the remote copy, whichever the
 *     tab's copy agrees with (mergeBase; merging on the remote copy alone
 *     set back values the tab had stored and not pushed: the third run).
 *     (b) A remote copy applied while the other tab stored a copy folded
 *     that copy in, its side winning, so what it took from an older pull
 *     beat the newer remote values; it is now made again from the stored
 *     copy (the push meets the 412 and merges on that copy's base), except
 *     for an answer to a conflict shown earlier. (c) While reads gave
 *     garbage, the second tab could not read the copy the first announced,
 *     and its own save read garbage where that copy was and wrote over it;
 *     the first tab then pushed what was stored and said synced without its
 *     shots (FC_SEED=10). A save no longer writes over a stored copy it
 *     cannot read while an announced copy is unread: a storage error, tried
 *     again under `retry` (so garbage reads count as a lasting storage
 *     fault here, under which a save may end in an error). (d) With (c), a
 *     closing tab's read of an announced copy, under way at dispose(), took
 *     the copy in afterwards, merged it into the tab's unsaved edit and
 *     wrote a copy no tab heard of (its channel was closed): the other tab
 *     said saved while showing a copy no longer stored (FC_SEED=12). A
 *     disposed instance now writes nothing (checked in the write's locked
 *     turn, after its reads). Letting restoreInto record the state's copy
 *     after dispose(), tried before, is not needed: nothing a disposed
 *     instance records is written. Each has a story in crossTab.test.ts and
 *     its run kept below, failing without its fix. With the fence lifted, 15
 *     of 16 seeds (1..16) pass 400 runs. FC_SEED=13 failed first (at its run
 *     378), with no garbage read: under a stalling disk, a tab of device A
 *     stored a pulled copy (2-2) and, ahead of it, its base as `next`, and
 *     the page was reloaded before that base was settled; the next page
 *     loaded the copy on base 2-2 (the `next` matches it) but saved an edit
 *     over it, after which the stored record's old base (1-1) was the one
 *     that stood; the page after that pushed on 1-1, and the 412's merge
 *     took the prompt device B had pushed since (3-3) for a clash with A's
 *     older value and kept A's. Fixed: a write over the copy a record's
 *     `next` names settles that base first (settleNext, in the sync engine;
 *     a story in syncFaults.test.ts). Seed 13 then fails at the same run on
 *     a flush() that resolves while the stored copy lacks a shot the second
 *     tab showed (taken from device B, under the stall), which fails the
 *     same without that fix, as FC_PATCH=1 FC_SEED=31 (a flush resolving
 *     without a shot the tab showed) does before and after these fixes.
 * With the fence of bug 4 lifted it failed at once: a pulled copy whose
 * write failed for good stayed unsaved, and the next pull merged into it as
 * if the first copy's changes were local edits, which then won the clash
 * and, once the disk healed, went up over newer remote edits. Fixed (the
 * merge takes the copy taken in as what the unsaved one is an edit of:
 * syncFaults.test.ts), 5,600 runs over 14 seeds pass, and no fence is left
 * for it.
 * Bugs 9 (a tab saying synced at a version without its last saved edit
 * under a stalling disk) and 10 (a page closed between storing a pulled
 * copy and its base) are no longer steered around: with their fences lifted,
 * 4,700 and 5,500 runs over 14 seeds, with and without delta pushes, about
 * 500 reloads (`reloadsInStall`) and 1,000 claims (`claimsInStall`) during a
 * stall or within 30 s of one among them, found nothing. (A base record names
 * the copy being taken in as `next` before that copy is stored.)
 * Found later by CI's random seed with delta pushes (FC_PATCH=1 FC_SEED=973489499):
 * a push that landed while the storage failed to store its new base left the
 * older base stored, so the next 412 merged on it, took this device's pushed
 * title for an edit of its own and set back the title another device wrote
 * since. Now the base stands in memory until it is stored (`KeySync.landed`,
 * also for a 412 whose remote copy is the device's own): the run is kept
 * below ("the runs it found with delta pushes"), and syncFaults.test.ts has
 * both cases as stories. Random seeds 119 and 130 then found a push whose
 * reply was lost (it had landed) followed by a newer copy, or a reload, that
 * merged on the older base, so a shot that push brought counted as this
 * device's own addition and its prompt beat another device's later edit.
 * Such a push is now kept, with the outbox entry too, and asked about again
 * (the same request under a precondition no version meets, answered from the
 * server's Idempotency-Key memory) before a newer copy goes up or a pulled
 * copy is merged: "the runs it found with lost replies" below, and a story
 * against the reference server in sync.test.ts.
 *
 * Replay a failure with the seed and path it prints (FC_DEBUG=1 adds every
 * status change to the story, and the server's versions and requests and
 * each disk's writes to the failure):
 *   FC_SEED=… FC_PATH=… npx jest __tests__/modelBased.test.ts
 * FC_RUNS sets the number of runs (200 by default, what CI runs); FC_SHRINK=0 skips shrinking.
 * FC_PATCH=1 runs it with delta pushes: the server takes PATCH, and every push after the first may be one.
 */
import fc from 'fast-check';
import type { SaveStatus } from '../src';
import { PHASE_STATUSES } from '../src/core/document';
import type { Runtime } from '../src/core/runtime';
import type { ConflictStrategy } from '../src';
import { titleChanged, useFakeTimers, type Project } from './helpers';
import { KEY, OUTBOX, seedRandom, within } from './helpers/faultDevice';
import { reload, resolveShown, type Command, type Model } from './helpers/model/commands';
import { commands } from './helpers/model/generator';
import { scenario } from './helpers/model/scenario';
import type { Resolution } from './helpers/model/lineage';
import {
  canonical,
  closeTab,
  copies,
  createWorld,
  debugDump,
  describeWorld,
  healed,
  load,
  lossy,
  lost,
  sidesOf,
  tabsOf,
  type World,
} from './helpers/model/world';

// The runtimes createAutosave makes, to read each document's phase (test only).
const mockRuntimes: Runtime[] = [];
jest.mock('../src/core/runtime', () => {
  const actual = jest.requireActual('../src/core/runtime');
  return {
    ...actual,
    createRuntime: (...args: unknown[]) => {
      const runtime = actual.createRuntime(...args);
      mockRuntimes.push(runtime);
      return runtime;
    },
  };
});

const T0 = Date.UTC(2025, 5, 2, 9, 0);
const RUNS = Number(process.env.FC_RUNS ?? 200);
// A path replays from the run it names, which must be within numRuns.
const REPLAY_RUNS = process.env.FC_PATH ? Math.max(RUNS, Number(process.env.FC_PATH.split(':')[0]) + 1) : RUNS;

const totals = {
  runs: 0,
  commands: 0,
  edits: 0,
  runsWithAcknowledgedEdit: 0,
  reloads: 0,
  reloadsChecked: 0,
  /** Reloads while writes were held up, or within 30 s of it: where a page may have stored a pulled copy and not its base. */
  reloadsInStall: 0,
  claimsChecked: 0,
  /** Claims to be synced checked while writes were held up, or within 30 s of it. */
  claimsInStall: 0,
  secondTabs: 0,
  removes: 0,
  lossyRuns: 0,
  storageFaults: 0,
  remoteFaults: 0,
  /** PATCH requests the server answered (FC_PATCH=1 turns delta pushes on). */
  patches: 0,
  phasesChecked: 0,
  historyReads: 0,
  historyVersions: 0,
  byStrategy: {} as Record<string, number>,
};

/** A conflict resolver of the user's own: the remote copy, with the local title. */
const titleFromLocal: ConflictStrategy = ({ local, remote }) => ({ ...remote, title: local.title });

const setups = fc.record({
  randomSeed: fc.integer(),
  conflict: fc.oneof(
    { weight: 4, arbitrary: fc.constant<ConflictStrategy>('merge') },
    fc.constantFrom<ConflictStrategy>('local', 'remote', 'manual', titleFromLocal),
  ),
  manualChoice: fc.constantFrom<'merge' | 'local' | 'remote'>('merge', 'local', 'remote'),
});

function resolutionOf(conflict: ConflictStrategy, manualChoice: 'merge' | 'local' | 'remote'): Resolution {
  if (typeof conflict === 'function') return 'title from local';
  return conflict === 'manual' ? manualChoice : conflict;
}

/**
 * Each document's status in the slice is one its phase allows
 * (`PHASE_STATUSES`): checked after every command on every open tab. The
 * runtimes are caught as createAutosave makes them (a test-only wrapper).
 */
function checkPhases(world: World): void {
  for (const side of sidesOf(world)) {
    for (const tab of side.tabs) {
      const rt = mockRuntimes.find((runtime) => runtime.api?.getState() === tab.device.store.getState());
      if (!rt || rt.disposed) continue;
      const slice = (tab.device.store.getState() as { autosave: { documents: Record<string, { status: SaveStatus } | undefined> } }).autosave;
      for (const doc of rt.documents.values()) {
        const status = slice.documents[doc.key]?.status ?? 'idle';
        totals.phasesChecked++;
        if (!PHASE_STATUSES[doc.phase].includes(status)) {
          world.failures.push(`${tab.name}: ${doc.key} is in phase ${doc.phase}, but the slice says ${status}`);
        }
      }
    }
  }
}

/**
 * The faults heal and the clock runs: every push still waiting must go out
 * by itself. Then the user comes back: answers a conflict, opens what a tab
 * lost, flushes and syncs every tab, until all is quiet.
 */
async function healAndSettle(world: World): Promise<void> {
  // Second tabs close, and what they started settles: the end state is
  // checked on each device's main tab.
  for (const side of sidesOf(world)) {
    for (const tab of side.tabs.slice(1)) {
      await within(tab.device.autosave.dispose());
      closeTab(side, tab);
    }
  }
  await jest.advanceTimersByTimeAsync(60_000);
  for (const side of sidesOf(world)) {
    side.disk.heal();
    healed(world, side.name);
  }
  world.server.heal();
  await jest.advanceTimersByTimeAsync(5 * 60_000);
  for (const side of sidesOf(world)) {
    for (const tab of side.tabs) {
      const status = tab.device.status();
      if (status.status === 'offline' && status.pendingSync) {
        world.failures.push(`${tab.name} is still offline with changes to push, five minutes after the faults healed`);
      }
    }
  }
  if (lossy(world)) {
    // A lost write leaves the state ahead of its disk with nothing to tell:
    // the user reloads, and the next edit brings everything together again.
    for (const side of sidesOf(world)) {
      await reload(world, side);
      const tab = side.tabs[0];
      if (!tab.device.project()) await load(world, tab);
      tab.device.store.dispatch(titleChanged(`after the lost writes, on ${tab.name}`));
    }
  }
  for (let round = 0; round < 8; round++) {
    for (const tab of tabsOf(world)) if (!tab.device.project()) await load(world, tab);
    for (const tab of tabsOf(world)) await resolveShown(world, tab);
    await within(Promise.allSettled(tabsOf(world).map((tab) => tab.device.autosave.flush())));
    for (const tab of tabsOf(world)) tab.device.store.dispatch(tab.device.autosave.actions.syncNow());
    await jest.advanceTimersByTimeAsync(60_000);
    const now = Object.values(await copies(world));
    const quiet = tabsOf(world).every((tab) => tab.device.status().status === 'saved' && !tab.device.status().pendingSync);
    if (quiet && now.every((copy) => copy === now[0])) return;
  }
}

async function checkInvariants(world: World): Promise<void> {
  const failures: string[] = [...world.failures];
  const all = await copies(world);
  // The remote, the storages and every tab converge.
  for (const [where, copy] of Object.entries(all)) {
    if (copy !== all.server) failures.push(`${where} ${copy} differs from the server's ${all.server}`);
  }
  for (const tab of tabsOf(world)) {
    const status = tab.device.status();
    if (status.status !== 'saved' || status.pendingSync) failures.push(`${tab.name} ended ${JSON.stringify(status)}`);
  }
  for (const side of sidesOf(world)) {
    if ((await side.disk.inner.getItem(OUTBOX)) !== null) failures.push(`${side.name} still has an outbox entry`);
    if (side.disk.quarantineOverwrites.length > 0) failures.push(`${side.name}'s quarantine written over: ${side.disk.quarantineOverwrites.join(', ')}`);
  }
  // Every acknowledged value, or a later one, is what they converged on.
  if (!lossy(world)) {
    const missing = lost(world, world.acks, world.server.document(KEY)?.data as Project | undefined);
    if (missing.length > 0) failures.push(`acknowledged and then lost: ${missing.join('; ')}`);
  }
  // Each Idempotency-Key was accepted for one copy, and no copy was applied twice.
  const twice = [...world.server.log.applied].filter(([, n]) => n > 1).map(([key]) => key);
  if (twice.length > 0) failures.push(`idempotency keys accepted for more than one copy: ${twice.join(', ')}`);
  const versions = world.server.log.history.filter((v) => v.key === KEY);
  const repeated = versions.filter((v, i) => i > 0 && canonical(v.data) === canonical(versions[i - 1].data)).map((v) => v.version);
  if (repeated.length > 0) failures.push(`a copy applied again over itself, as versions ${repeated.join(', ')}`);
  // Nothing left running once all is settled.
  if (jest.getTimerCount() !== 0) failures.push(`${jest.getTimerCount()} timers still pending`);
  if (failures.length > 0 && process.env.FC_DEBUG) console.log(debugDump(world, T0));
  if (failures.length > 0) {
    throw new Error(`${failures.join('\n')}\n--- what happened (${world.conflict === titleFromLocal ? 'a resolver function' : String(world.conflict)}${
      world.conflict === 'manual' ? `, answered ${world.manualChoice}` : ''
    }) ---\n${world.trace.join('\n')}`);
  }
}

afterAll(() => {
  // The figures for the record: how much this file put the library through.
  const runs = Math.max(totals.runs, 1);
  console.log(
    `model-based test: ${JSON.stringify(totals)}; ${(totals.edits / runs).toFixed(1)} edits a run, ` +
      `${((100 * totals.runsWithAcknowledgedEdit) / runs).toFixed(0)} % of runs with an acknowledged edit`,
  );
});

type Setup = typeof setups extends fc.Arbitrary<infer T> ? T : never;

/** One run: the commands on a new world, then healed and settled, then every invariant checked (throws on a failure). */
async function runScenario(setup: Setup, cmds: Iterable<Command>, fenceBug7: boolean, patch?: boolean): Promise<void> {
  useFakeTimers();
  jest.setSystemTime(T0);
  const random = seedRandom(setup.randomSeed);
  let world: World | undefined;
  try {
    world = await createWorld({
      conflict: setup.conflict,
      resolution: resolutionOf(setup.conflict, setup.manualChoice),
      manualChoice: setup.manualChoice,
      patch,
    });
    const model: Model = {
      storageFault: { A: null, B: null },
      blippedAt: { A: -Infinity, B: -Infinity },
      stalledUntil: { A: 0, B: 0 },
      remoteDown: false,
      latencyMs: 0,
      tabs: { A: 1, B: 1 },
      secondTabs: true,
      fenceBug7,
    };
    let reported = 0;
    const traced = [...cmds].map<Command>((command) => ({
      check: (m: Readonly<Model>) => command.check(m),
      async run(m: Model, w: World) {
        await command.run(m, w);
        checkPhases(w);
        w.commandsRun++;
        totals.commands++;
        lossy(w);
        w.trace.push(`${command.toString()} → ${describeWorld(w)}`);
        for (const failure of w.failures.slice(reported)) w.trace.push(`!!! ${failure}`);
        reported = w.failures.length;
      },
      toString: () => command.toString(),
    }));
    await fc.asyncModelRun(() => ({ model, real: world! }), traced);
    await healAndSettle(world);
    world.trace.push(`healed and settled → ${describeWorld(world)}`);
    await checkInvariants(world);
  } finally {
    totals.runs++;
    const strategy = world ? (typeof world.conflict === 'function' ? 'function' : world.conflict) : 'none';
    totals.byStrategy[strategy] = (totals.byStrategy[strategy] ?? 0) + 1;
    if (world) {
      totals.edits += world.next;
      if (world.figures.acknowledgedEdit) totals.runsWithAcknowledgedEdit++;
      if (world.lossySince !== undefined) totals.lossyRuns++;
      totals.reloads += world.figures.reloads;
      totals.reloadsChecked += world.figures.reloadsChecked;
      totals.reloadsInStall += world.figures.reloadsInStall;
      totals.claimsChecked += world.figures.claimsChecked;
      totals.claimsInStall += world.figures.claimsInStall;
      totals.secondTabs += world.figures.secondTabs;
      totals.removes += world.figures.removes;
      totals.historyReads += world.figures.historyReads;
      totals.historyVersions += world.figures.historyVersions;
      for (const side of sidesOf(world)) totals.storageFaults += side.disk.total();
      totals.remoteFaults += Object.values(world.server.log.faults).reduce((x, y) => x + y, 0);
      totals.patches += world.server.log.requests.filter((r) => r.method === 'PATCH' && typeof r.outcome === 'number').length;
      for (const tab of tabsOf(world)) tab.stopWatching();
      await Promise.allSettled(tabsOf(world).map((tab) => tab.device.autosave.dispose({ flush: false })));
    }
    jest.clearAllTimers();
    random.mockRestore();
    jest.useRealTimers();
  }
}

it(`loses nothing that was saved, whatever faults come, over ${RUNS} runs`, async () => {
  await fc.assert(
    fc.asyncProperty(setups, commands, (setup, cmds) => runScenario(setup, cmds, process.env.FC_LIFT_BUG7 !== '1')),
    {
      numRuns: REPLAY_RUNS,
      verbose: 0,
      seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
      path: process.env.FC_PATH,
      endOnFailure: process.env.FC_SHRINK === '0',
    },
  );
}, 600_000);

/**
 * Runs of this test that failed once, kept as they were printed and run with
 * the fence of bug 7 lifted (lasting storage faults beside a second tab):
 * each fails without the change its name gives.
 */
describe('the runs it found with lost replies', () => {
  const merge: Setup = { randomSeed: 0, conflict: 'merge', manualChoice: 'merge' };

  it('a page reloaded over a stored copy whose push got no answer: it asks again before it merges a pulled copy (sync/pull.ts: push first)', () =>
    runScenario(
      merge,
      scenario([
        'remote {"kind":"lostReply"}', 'edit A1 shot', 'flush A1', 'storage A: fail on getItem/setItem/removeItem/keys',
        'reload A', 'wait 400', 'edit A1 shot', 'flush A1', 'edit B1 prompt #0', 'wait 0', 'edit A1 shot',
        'storage A: fail on setItem', 'remote up', 'wait 400', 'wait 400', 'storage A healed', 'wait 400', 'edit A1 shot',
        'history and prune (keep 0) on A1', 'storage A healed', 'history and prune (keep 0) on A1', 'edit B1 prompt #7',
        'edit A1 shot', 'remote up', 'storage A healed', 'edit A1 shot', 'edit A1 shot', 'wait 0',
        'history and prune (keep 0) on A1', 'wait 850', 'flush A1', 'edit A1 shot', 'close the second tab on A', 'open p1 on A1',
        'resolve on A1',
      ]),
      false,
      false,
    ));

  it('a page reloaded after a push got no answer and a newer copy was stored: the outbox entry keeps the unanswered push for the next page', () =>
    runScenario(
      merge,
      scenario([
        'remote down', 'edit A1 shot', 'wait 1000', 'remote up', 'remote {"kind":"lostReply"}', 'edit A1 shot', 'flush A1',
        'storage A: fail on getItem/setItem/removeItem/keys', 'reload A', 'wait 400', 'edit A1 shot', 'flush A1',
        'edit B1 prompt #0', 'wait 0', 'edit A1 shot', 'storage A: fail on setItem', 'remote up', 'wait 400', 'wait 400',
        'storage A healed', 'wait 400', 'edit A1 shot', 'history and prune (keep 0) on A1', 'storage A healed',
        'history and prune (keep 0) on A1', 'edit B1 prompt #7', 'edit A1 shot', 'remote up', 'storage A healed', 'edit A1 shot',
        'edit A1 shot', 'wait 0', 'history and prune (keep 0) on A1', 'wait 850', 'flush A1', 'edit A1 shot',
        'close the second tab on A', 'open p1 on A1', 'resolve on A1',
      ]),
      false,
      false,
    ));
});

describe('the runs it found with delta pushes', () => {
  it('a push lands while the storage fails to store its base: the base it pushed stands, so a later 412 does not merge on the older one and set back what another device wrote since (sync/push.ts: landed)', () =>
    runScenario(
      { randomSeed: 2494509, conflict: 'merge', manualChoice: 'merge' },
      scenario([
        'edit B1 title', 'latency 800 ms', 'storage A: the next 1 writes fail', 'edit A1 shot', 'edit A1 shot', 'wait 0',
        'storage A: the next 1 writes fail', 'close the second tab on A', 'edit A1 shot', 'edit A1 shot', 'wait 0', 'wait 1076',
        'edit A1 shot', 'reload B', 'flush A1', 'edit A1 title', 'wait 0', 'reload A', 'storage A: fail on setItem', 'edit B1 shot',
        'edit A1 shot', 'wait 1800', 'remote up', 'close the second tab on A', 'remote down', 'edit A1 shot', 'edit A1 shot',
        'edit B1 title', 'wait 0', 'flush B1', 'wait 0', 'close the second tab on A',
      ]),
      false,
      true,
    ));
});

describe('the runs it found, with lasting storage faults beside a second tab', () => {
  const merge: Setup = { randomSeed: 0, conflict: 'merge', manualChoice: 'merge' };

  it('a copy merged from a 412 and written on a stalling disk meets the other tab\'s copy, stored on an older pull: what the 412 brought is no edit of the tab\'s, and the pushed value stays (takeIn.ts: mergeBase)', () =>
    runScenario(
      merge,
      scenario([
        'edit A1 shot', 'wait 1000', 'storage A: the next 1 writes fail', 'remote down', 'wait 0', 'edit B1 shot', 'wait 400',
        'edit A1 shot', 'resolve on A1', 'reload B', 'storage B: stall on setItem', 'edit A1 shot', 'wait 110', 'remote up',
        'resolve on A1', 'edit A1 shot', 'latency 0 ms', 'edit A1 shot', 'resolve on A1', 'edit A1 shot', 'open a second tab on B',
        'edit A1 shot', 'storage A: the next 1 writes fail', 'edit A1 shot', 'resolve on A1', 'edit A1 prompt #2', 'edit A1 shot',
        'wait 400', 'resolve on A1', 'wait 400',
      ]),
      false,
    ));

  it('a remote copy applied while the other tab stores a copy taken from an older pull is made again from that copy, not merged with it as if its older values were edits (syncBridge.ts: stale)', () =>
    runScenario(
      merge,
      scenario([
        'edit A1 shot', 'wait 1000', 'storage A: the next 1 writes fail', 'remote down', 'wait 0', 'edit B1 shot', 'wait 400',
        'edit A1 title', 'resolve on A1', 'reload B', 'storage B: stall on setItem', 'edit A1 prompt #3', 'wait 110', 'remote up',
        'resolve on A1', 'edit B1 shot', 'latency 0 ms', 'edit A1 shot', 'resolve on A1', 'edit A1 shot', 'open a second tab on B',
        'edit A1 shot', 'storage A: the next 1 writes fail', 'edit A1 shot', 'resolve on A1', 'edit A1 shot', 'edit A1 shot',
        'wait 400', 'resolve on A1', 'wait 400',
      ]),
      false,
    ));

  it('what a tab stored and has not pushed is no edit of its own either: a merge on the remote copy alone set a pushed value back (mergeBase, the stored side)', () =>
    runScenario(
      merge,
      scenario([
        'remote {"kind":"drop"}', 'edit A1 shot', 'edit A1 shot', 'edit A1 shot', 'edit B1 shot', 'edit A1 shot',
        'storage A: the next 1 writes fail', 'wait 0', 'latency 2000 ms', 'wait 0', 'edit A1 shot', 'storage A healed',
        'resolve on A1', 'remote {"kind":"status","status":500}', 'wait 2652', 'wait 66', 'history and prune (keep 0) on A1',
        'resolve on A1', 'storage A: fail on setItem', 'edit B1 shot', 'syncNow A1', 'storage A healed', 'edit A1 shot',
        'edit A1 prompt #1', 'history and prune (keep 0) on A1', 'wait 286',
        'remote {"kind":"garbage","body":"{\\"version\\":\\"9\\",\\"da","contentType":"application/json"}',
        'edit A1 shot', 'wait 0', 'storage A: stall on setItem', 'wait 903', 'open a second tab on A', 'open p1 on A1',
      ]),
      false,
    ));

  it('a save that reads garbage where the other tab announced a copy it could not read does not write over that copy: the first tab\'s shots stay (save.ts: announced, seed 10)', () =>
    runScenario(
      { randomSeed: 0, conflict: 'local', manualChoice: 'merge' },
      scenario([
        'open a second tab on A', 'edit A1 shot', 'edit A1 shot', 'storage A: garbage (an HTML error page) on getItem/keys',
        'resolve on A1', 'edit A1 shot', 'wait 0', 'wait 400', 'close the second tab on B', 'remote {"kind":"status","status":500}',
        'wait 0', 'edit A1 shot', 'wait 400', 'edit A1 shot', 'remote down', 'edit A1 shot', 'resolve on A1',
        'history and prune (keep 0) on A1', 'edit A1 shot', 'edit A1 shot', 'wait 0', 'flush A1', 'wait 0', 'storage B healed',
        'syncNow A1', 'remote {"kind":"status","status":500}', 'open p1 on A1', 'wait 2373', 'remove p1 on A', 'edit A2 shot',
        'storage B: the next 1 writes fail', 'open a second tab on A', 'edit B1 shot', 'remove p1 on A',
      ]),
      false,
    ));

  it('a closed tab that was reading the copy the other tab announced writes nothing after dispose(): the other tab\'s shots stay, and it says synced only at a version that holds them (save.ts: disposed, seed 12)', () =>
    runScenario(
      merge,
      scenario([
        'edit A1 shot', 'open a second tab on A', 'wait 400', 'edit A1 shot', 'wait 0', 'edit A1 shot', 'remote up', 'wait 0',
        'wait 860', 'resolve on A1', 'wait 90', 'storage A: garbage (an HTML error page) on getItem/setItem/removeItem/keys',
        'remote up', 'reload B', 'edit A1 shot', 'edit A1 shot', 'edit A1 shot', 'edit A2 shot', 'wait 400', 'remote up',
        'close the second tab on A', 'storage A: the next 1 writes fail', 'storage A healed', 'edit A1 shot', 'open p1 on A1',
        'remote down', 'edit A1 shot', 'remove p1 on A', 'close the second tab on A', 'edit A1 shot', 'wait 400',
      ]),
      false,
    ));
});
