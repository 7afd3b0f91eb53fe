// A fixed run of the model test, written as the counterexample it printed:
// one line per command, in each command's own toString form.
import {
  CloseTab,
  Edit,
  Flush,
  HistoryAndPrune,
  Latency,
  Open,
  OpenTab,
  Reload,
  Remove,
  RemoteDown,
  RemoteFaultOnce,
  RemoteUp,
  Resolve,
  StorageBlip,
  StorageFaultOn,
  StorageHeal,
  SyncNow,
  Wait,
  type Command,
} from './commands';
import { GARBAGE_READS } from './generator';

type Side = 'A' | 'B';
const tabOf = (n: string) => Number(n) - 1;
/** A stall, a failure or a loss reads nothing back, so no garbage is named. */
const NO_GARBAGE = { name: 'none', value: null };

const PARSERS: [RegExp, (...groups: string[]) => Command][] = [
  [/^edit ([AB])(\d) (shot|title)$/, (side, tab, what) => new Edit(side as Side, tabOf(tab), what as 'shot' | 'title', 0)],
  [/^edit ([AB])(\d) prompt #(\d+)$/, (side, tab, pick) => new Edit(side as Side, tabOf(tab), 'prompt', Number(pick))],
  [/^wait (\d+)$/, (ms) => new Wait(Number(ms))],
  [/^flush ([AB])(\d)$/, (side, tab) => new Flush(side as Side, tabOf(tab))],
  [/^history and prune \(keep (\d+)\) on ([AB])(\d)$/, (keep, side, tab) => new HistoryAndPrune(side as Side, tabOf(tab), Number(keep))],
  [/^syncNow ([AB])(\d)$/, (side, tab) => new SyncNow(side as Side, tabOf(tab))],
  [/^storage ([AB]): the next (\d+) writes fail$/, (side, count) => new StorageBlip(side as Side, Number(count))],
  [/^storage ([AB]) healed$/, (side) => new StorageHeal(side as Side)],
  [
    /^storage ([AB]): (fail|quota|stall|lose) on ([a-zA-Z/]+)$/,
    (side, fault, methods) => new StorageFaultOn(side as Side, fault as 'fail', methods.split('/') as ['setItem'], NO_GARBAGE),
  ],
  [
    /^storage ([AB]): garbage \((.+)\) on ([a-zA-Z/]+)$/,
    (side, name, methods) => {
      const garbage = GARBAGE_READS.find((read) => read.name === name);
      if (!garbage) throw new Error(`scenario: no garbage read is named "${name}"`);
      return new StorageFaultOn(side as Side, 'garbage', methods.split('/') as ['getItem'], garbage);
    },
  ],
  [/^remote down$/, () => new RemoteDown()],
  [/^remote up$/, () => new RemoteUp()],
  [/^remote (\{.*\})$/, (fault) => new RemoteFaultOnce(JSON.parse(fault))],
  [/^latency (\d+) ms$/, (ms) => new Latency(Number(ms))],
  [/^reload ([AB])$/, (side) => new Reload(side as Side)],
  [/^open a second tab on ([AB])$/, (side) => new OpenTab(side as Side)],
  [/^close the second tab on ([AB])$/, (side) => new CloseTab(side as Side)],
  [/^remove p1 on ([AB])$/, (side) => new Remove(side as Side)],
  [/^open p1 on ([AB])(\d)$/, (side, tab) => new Open(side as Side, tabOf(tab))],
  [/^resolve on ([AB])(\d)$/, (side, tab) => new Resolve(side as Side, tabOf(tab))],
];

/** The commands of a printed counterexample; a line no command prints is an error, never skipped. */
export function scenario(lines: string[]): Command[] {
  return lines.map((line) => {
    for (const [pattern, make] of PARSERS) {
      const match = pattern.exec(line);
      if (match) {
        const command = make(...match.slice(1));
        if (command.toString() !== line) throw new Error(`scenario: "${line}" reads back as "${command.toString()}"`);
        return command;
      }
    }
    throw new Error(`scenario: no command prints "${line}"`);
  });
}
