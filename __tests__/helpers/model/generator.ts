// The generator of the model-based test: stories of 30 to 60 steps, at
// least 10 of them edits, drawn with weights from the commands in commands.ts.
import fc from 'fast-check';
import type { RemoteFault } from '../faultRemote';
import type { StorageFault, StorageMethod } from '../faultStorage';
import {
  CloseTab,
  Edit,
  Flush,
  HistoryAndPrune,
  Latency,
  Open,
  OpenTab,
  Reload,
  RemoteDown,
  RemoteFaultOnce,
  RemoteUp,
  Remove,
  Resolve,
  StorageBlip,
  StorageFaultOn,
  StorageHeal,
  SyncNow,
  Wait,
  type Command,
} from './commands';

type SideName = 'A' | 'B';

export const isEdit = (command: Command) => command instanceof Edit;

const sides = fc.constantFrom<SideName>('A', 'A', 'A', 'B', 'B');

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

/** What a read can come back as, besides the stored value. */
export const GARBAGE_READS = [
  { name: 'an HTML error page', value: '<html><body>502 Bad Gateway</body></html>' },
  { name: 'truncated JSON', value: '{"format":1,"version":1,"savedAt":1748854800000,"checksum":"m3:0' },
  { name: 'a number', value: 42 },
  { name: 'an empty object', value: {} },
  { name: 'an array', value: [] },
  {
    name: 'an envelope whose checksum does not match',
    value: { format: 1, version: 1, savedAt: 1748854800000, checksum: 'm3:00000000', data: { id: 'p1', title: 'forged', shots: [] } },
  },
];
const garbageReads = fc.constantFrom(...GARBAGE_READS);

const storageFaults = fc
  .tuple(
    sides,
    // 'lose' is rare: a write the storage acknowledged and dropped cannot be
    // told from one it kept, so no acknowledgement binds once one was lost.
    fc.constantFrom<StorageFault>('fail', 'fail', 'quota', 'stall', 'stall', 'garbage', 'garbage', 'garbage', 'lose'),
    fc.constantFrom<StorageMethod[]>(['setItem'], ['getItem', 'keys'], ['getItem', 'setItem', 'removeItem', 'keys']),
    garbageReads,
  )
  .filter(([, fault, methods]) => (fault !== 'garbage' || methods.includes('getItem')) && (fault !== 'lose' || methods.includes('setItem')))
  .map(([side, fault, methods, garbage]) => new StorageFaultOn(side, fault, methods, garbage));

const tabIndex = fc.constantFrom(0, 0, 0, 1);

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(sides, tabIndex, fc.constantFrom<'shot' | 'title' | 'prompt'>('shot', 'title', 'prompt'), fc.nat(7))
      .map(([side, tab, what, pick]) => new Edit(side, tab, what, pick)),
  },
  { weight: 6, arbitrary: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 400, max: 6000 })).map((ms) => new Wait(ms)) },
  { weight: 1, arbitrary: fc.tuple(sides, tabIndex).map(([side, tab]) => new Flush(side, tab)) },
  { weight: 1, arbitrary: fc.tuple(sides, tabIndex).map(([side, tab]) => new SyncNow(side, tab)) },
  { weight: 2, arbitrary: storageFaults },
  { weight: 1, arbitrary: fc.tuple(sides, fc.integer({ min: 1, max: 2 })).map(([side, n]) => new StorageBlip(side, n)) },
  { weight: 2, arbitrary: sides.map((side) => new StorageHeal(side)) },
  { weight: 1, arbitrary: fc.constant(null).map(() => new RemoteDown()) },
  { weight: 1, arbitrary: fc.constant(null).map(() => new RemoteUp()) },
  { weight: 2, arbitrary: remoteFaults.map((fault) => new RemoteFaultOnce(fault)) },
  { weight: 1, arbitrary: fc.constantFrom(0, 200, 800, 2000).map((ms) => new Latency(ms)) },
  { weight: 1, arbitrary: sides.map((side) => new Reload(side)) },
  { weight: 1, arbitrary: sides.map((side) => new OpenTab(side)) },
  { weight: 1, arbitrary: sides.map((side) => new CloseTab(side)) },
  { weight: 1, arbitrary: sides.map((side) => new Remove(side)) },
  { weight: 1, arbitrary: fc.tuple(sides, tabIndex).map(([side, tab]) => new Open(side, tab)) },
  { weight: 1, arbitrary: fc.tuple(sides, tabIndex).map(([side, tab]) => new Resolve(side, tab)) },
  { weight: 1, arbitrary: fc.tuple(sides, tabIndex, fc.constantFrom(0, 1, 3)).map(([side, tab, keep]) => new HistoryAndPrune(side, tab, keep)) },
);

/** 30 to 60 commands, at least 10 of them edits. */
export const commands = fc.array(command, { minLength: 30, maxLength: 60 }).filter((list) => list.filter(isEdit).length >= 10);

