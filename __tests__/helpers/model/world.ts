// The world of the model-based test: two devices (A and B), each a disk with
// faults and one or two open tabs, syncing through the in-memory server on
// the fake clock; and the record of what every tab acknowledged.
import type { ConflictStrategy } from '../../../src';
import { makeProject, projectLoaded, type Project } from '../index';
import { faultDevice, KEY, within } from '../faultDevice';
import { createFaultyServer, type FaultyServer } from '../faultRemote';
import { faultyStorage, type FaultyStorage } from '../faultStorage';
import { storedData } from '../stored';
import type { Device } from '../sync';
import { ABSENT, keeps, Lineage, lostAcks, snapshot, valueIn, type Ack, type Field, type Resolution } from './lineage';

export interface Tab {
  name: string;
  device: Device;
  /** Ends the page: its storage and network calls hang from then on. */
  kill(): void;
  stopWatching(): void;
  /** What the tab showed the last time its status turned `saved`. */
  lastAck?: Ack;
}

export interface Side {
  name: 'A' | 'B';
  disk: FaultyStorage;
  /** The open tabs: the main one, and a second one of the same origin while it is open. */
  tabs: Tab[];
  opened: number;
}

export interface World {
  server: FaultyServer;
  sides: Record<'A' | 'B', Side>;
  conflict: ConflictStrategy;
  /** How a conflict ends: the strategy, or for 'manual' the user's choice in resolveConflict. */
  resolution: Resolution;
  manualChoice: 'merge' | 'local' | 'remote';
  lineage: Lineage;
  acks: Ack[];
  /** Edits so far: names the values they make. */
  next: number;
  /** The command at which a storage first lost a write: from then on no acknowledgement binds. */
  lossySince?: number;
  /**
   * Until when (fake clock) a fault that fails calls for good was on the
   * side's disk: only then, and for a few seconds after (the retries of a
   * write that began under it), may a save end in a storage error.
   */
  failingUntil: Record<'A' | 'B', number>;
  /** Until when a stall fault was on the side's disk (and 30 s after): claims checked then are counted apart (once known bug 9). */
  stallingUntil: Record<'A' | 'B', number>;
  commandsRun: number;
  /** Broken promises found along the way. */
  failures: string[];
  trace: string[];
  figures: { acknowledgedEdit: boolean; claimsChecked: number; reloads: number; reloadsChecked: number; reloadsInStall: number; claimsInStall: number; secondTabs: number; removes: number; historyReads: number; historyVersions: number };
}

export const sidesOf = (world: World) => [world.sides.A, world.sides.B];

/** Device A creates p1 and saves it; device B loads it from the server. */
export async function createWorld(
  { patch = process.env.FC_PATCH === '1', ...setup }: { conflict: ConflictStrategy; resolution: Resolution; manualChoice: World['manualChoice']; patch?: boolean },
): Promise<World> {
  const world: World = {
    server: createFaultyServer({ patch }),
    sides: {
      A: { name: 'A', disk: faultyStorage(), tabs: [], opened: 0 },
      B: { name: 'B', disk: faultyStorage(), tabs: [], opened: 0 },
    },
    ...setup,
    lineage: new Lineage(),
    acks: [],
    failingUntil: { A: 0, B: 0 },
    stallingUntil: { A: 0, B: 0 },
    next: 0,
    commandsRun: 0,
    failures: [],
    trace: [],
    figures: { acknowledgedEdit: false, claimsChecked: 0, reloads: 0, reloadsChecked: 0, reloadsInStall: 0, claimsInStall: 0, secondTabs: 0, removes: 0, historyReads: 0, historyVersions: 0 },
  };
  const first = makeProject('p1', 'first', 1);
  world.lineage.root('shot:s1', 'present', ABSENT);
  world.lineage.root('prompt:s1', first.shots[0].prompt, ABSENT);
  const a = openTab(world, world.sides.A);
  await jest.advanceTimersByTimeAsync(0);
  a.device.store.dispatch(projectLoaded(first));
  await jest.advanceTimersByTimeAsync(2000);
  const b = openTab(world, world.sides.B);
  await jest.advanceTimersByTimeAsync(0);
  await load(world, b);
  if (canonical(b.device.project()) !== canonical(a.device.project())) {
    throw new Error(`setup: B did not load A's project: ${describeWorld(world)}`);
  }
  return world;
}

/** A fault on the side's disk healed: storage errors and held-up calls may still come out of it for a while. */
export function healed(world: World, side: 'A' | 'B'): void {
  world.failingUntil[side] = Math.min(world.failingUntil[side], Date.now() + 5000);
  world.stallingUntil[side] = Math.min(world.stallingUntil[side], Date.now() + 30_000);
}

/** JSON with sorted keys: two copies of a document compare equal whatever order a merge built them in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

/** Every copy that must agree, by where it is: each tab's state, each disk, the server. */
export async function copies(world: World): Promise<Record<string, string>> {
  const all: Record<string, string> = {};
  for (const tab of tabsOf(world)) all[`${tab.name} state`] = canonical(tab.device.project());
  for (const side of sidesOf(world)) {
    all[`${side.name} storage`] = canonical(storedData(await side.disk.inner.getItem(KEY)));
  }
  all.server = canonical(world.server.document(KEY)?.data);
  return all;
}

/** Whether a storage has lost a write yet: from then on, no acknowledgement binds. */
export function lossy(world: World): boolean {
  if (world.lossySince === undefined && sidesOf(world).some((side) => side.disk.injected.lose > 0)) world.lossySince = world.commandsRun;
  return world.lossySince !== undefined;
}
export const tabsOf = (world: World) => sidesOf(world).flatMap((side) => side.tabs);

/** Opens a tab on `side`: a new page, or a second tab of the origin of `sameOriginAs`. */
export function openTab(world: World, side: Side, sameOriginAs?: Tab): Tab {
  const session = side.disk.session(sameOriginAs?.device.storage.name);
  const network = { killed: false };
  const device = faultDevice(world.server, session.storage, { session: network, conflict: world.conflict });
  const tab: Tab = {
    name: `${side.name}${++side.opened}`,
    device,
    kill() {
      session.kill();
      network.killed = true;
      // A closed page runs nothing more: its timers (storage timeouts, retries) never fire.
      void device.autosave.dispose({ flush: false });
    },
    stopWatching: () => {},
  };
  tab.stopWatching = watch(world, side, tab);
  side.tabs.push(tab);
  return tab;
}

export function closeTab(side: Side, tab: Tab): void {
  tab.stopWatching();
  side.tabs = side.tabs.filter((t) => t !== tab);
}

/** The values each field had on the server at some time. */
function serverValues(world: World): Map<Field, Set<string>> {
  const seen = new Map<Field, Set<string>>();
  for (const version of world.server.log.history) {
    if (version.key !== KEY) continue;
    for (const [field, value] of snapshot(version.data as Project)) {
      if (!seen.has(field)) seen.set(field, new Set());
      seen.get(field)!.add(value);
    }
  }
  return seen;
}

/**
 * The acknowledged values `copy` lost (see lostAcks), judged with what the
 * server has held so far: a value counts as pushed when it, or a later value
 * made from it, reached the server.
 */
export function lost(world: World, acks: Iterable<Ack>, copy: Project | null | undefined): string[] {
  const onServer = serverValues(world);
  return lostAcks(acks, snapshot(copy), {
    lineage: world.lineage,
    resolution: world.resolution,
    onServer: (field: Field, value: string) => [...(onServer.get(field) ?? [])].some((held) => world.lineage.isSameOrLater(field, value, held)),
  });
}

/**
 * Follows a tab's status. Turning `saved` acknowledges what the tab shows
 * (an edit is in the state a moment before its `pending`, so a status that
 * merely stays `saved` vouches for nothing). Saying `saved` with nothing to
 * push, at a remote version, claims that version holds what the tab last
 * acknowledged: checked at once, when the tab is its device's only one
 * (another tab's push is announced to all, whatever they saved since).
 */
function watch(world: World, side: Side, tab: Tab): () => void {
  let before = tab.device.status();
  return tab.device.store.subscribe(() => {
    const now = tab.device.status();
    const project = tab.device.project();
    // A copy from elsewhere is written without passing through `saving`: its write shows as a new lastSavedAt.
    if (now.status === 'saved' && (before.status !== 'saved' || now.lastSavedAt !== before.lastSavedAt) && project) {
      const ack: Ack = { tab: tab.name, device: side.name, values: snapshot(project), shared: side.tabs.length > 1, removed: false };
      world.acks.push(ack);
      tab.lastAck = ack;
      if ([...ack.values].some(([field, value]) => world.lineage.edited.has(`${field}\n${value}`))) world.figures.acknowledgedEdit = true;
    }
    // A blip (fewer failed writes than retry.attempts) is what retries are for.
    const quiet = Date.now() > world.failingUntil[side.name] && Date.now() > world.stallingUntil[side.name];
    if (now.status === 'error' && now.error?.code === 'storage' && before.status !== 'error' && quiet && !lossy(world)) {
      world.failures.push(`${tab.name} turned error (${now.error.message}) with no lasting storage fault: a retry should have covered it`);
    }
    const claims = (s: typeof now) => s.status === 'saved' && !s.pendingSync && s.remoteVersion !== null;
    if (claims(now) && (!claims(before) || before.remoteVersion !== now.remoteVersion)) checkClaim(world, side, tab, now.remoteVersion!);
    if (process.env.FC_DEBUG && (now.status !== before.status || now.pendingSync !== before.pendingSync || now.remoteVersion !== before.remoteVersion)) {
      world.trace.push(`    (${Date.now() % 1_000_000} ${tab.name}: ${now.status}${now.pendingSync ? '+sync' : ''} ${now.remoteVersion} ${now.error?.code ?? ''})`);
    }
    before = now;
  });
}

function checkClaim(world: World, side: Side, tab: Tab, version: string): void {
  if (side.tabs.length > 1 || !tab.lastAck || lossy(world)) return;
  const there = world.server.log.history.find((v) => v.key === KEY && v.version === version);
  if (!there) return;
  world.figures.claimsChecked++;
  if (Date.now() <= world.stallingUntil[side.name]) world.figures.claimsInStall++;
  const held = snapshot(there.data as Project);
  // A value that reached the server before, or that the tab saved while
  // another tab was open, may give way to a concurrent edit (merged by the
  // strategy, as lostAcks allows), never to an older value — unless the
  // strategy lets the other side's copy win that field whole (`local`, or a
  // resolver taking the local title): then another device's older value may
  // come back over a pushed one, as lostAcks allows too.
  const { shared } = tab.lastAck;
  const onServer = serverValues(world);
  const missing = [...tab.lastAck.values]
    .filter(([field, value]) => !world.lineage.isSameOrLater(field, value, valueIn(held, field)))
    .filter(([field, value]) => {
      const pushed = onServer.get(field)?.has(value) ?? false;
      if (world.lineage.isAncestor(field, valueIn(held, field), value)) return !pushed || keeps(world.resolution, field).pushed;
      return !shared && !pushed;
    })
    .map(([field, value]) => `${field} "${value}" (the server has "${valueIn(held, field)}")`);
  if (missing.length > 0) world.failures.push(`${tab.name} says it is synced at ${version}, but that version lacks what it saved: ${missing.join(', ')}`);
}

/** A tab loads p1, as an app does on start; `load` resolves whatever happens, and never rejects. */
export async function load(world: World, tab: Tab) {
  const result = await within(tab.device.autosave.load('project', 'p1'));
  if (result.status === 'rejected') world.failures.push(`${tab.name}: load() rejected: ${String(result.reason)}`);
  return result;
}

const short = (project: Project | null | undefined) =>
  project ? `${project.title}[${project.shots.map((s) => `${s.id}:${s.prompt}`).join(',')}]` : String(project);

/** A base record in a line: its version and checksum, and the copy named as `next`, if any. */
function baseLine(value: unknown): string {
  const record = value as { version?: string; checksum?: string; data?: unknown; next?: { version?: string; checksum?: string; data?: unknown } };
  const next = record?.next ? ` next ${record.next.version} ${record.next.checksum ?? ''} ${short(record.next.data as Project)}` : '';
  return `base ${record?.version} ${record?.checksum ?? ''} ${short(record?.data as Project)}${next}`;
}

/** For FC_DEBUG: the server's versions and requests, and what each tab wrote to its disk. */
export function debugDump(world: World, t0: number): string {
  const lines = ['versions:'];
  for (const v of world.server.log.history) lines.push(`  ${v.version} ${v.idempotencyKey ?? ''} ${short(v.data as Project)}`);
  lines.push('requests:');
  for (const r of world.server.log.requests) lines.push(`  ${r.at - t0} ${r.method} ${r.outcome} ${r.idempotencyKey ?? ''}`);
  lines.push(`tabs: ${tabsOf(world).map((t) => `${t.name}=${t.device.storage.name}`).join(' ')}`);
  for (const side of sidesOf(world)) {
    lines.push(`${side.name}'s writes:`);
    for (const w of side.disk.writes) {
      const what =
        w.key === KEY
          ? short(storedData(w.value) as Project)
          : w.key.includes('/base/')
            ? baseLine(w.value)
            : JSON.stringify(w.value).slice(0, 120);
      lines.push(`  ${w.at - t0} ${w.by} ${w.key} ${what}`);
    }
  }
  return lines.join('\n');
}

export function describeWorld(world: World): string {
  const tabs = tabsOf(world).map((tab) => {
    const status = tab.device.status();
    return `${tab.name} ${short(tab.device.project())} ${status.status}${status.pendingSync ? '+sync' : ''}`;
  });
  return `${tabs.join('; ')}; server ${short(world.server.document(KEY)?.data as Project | undefined)}`;
}
