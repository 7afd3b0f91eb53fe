// What the model-based test knows of the document's history: each field's
// values, which edit replaced which (so "a later value" has a meaning), and
// which values a tab acknowledged as saved. From these it judges a copy: an
// acknowledged value may be replaced only by a later one, except where the
// conflict strategy lets a concurrent edit win.
import type { Project } from '../index';

/** A field as the model follows it: `title`, `prompt:<shot id>`, `shot:<shot id>` (whether the shot is there). */
export type Field = string;
/** The value of a field that is not in the document (a shot not there, or not yet). */
export const ABSENT = '(absent)';
export type Snapshot = Map<Field, string>;

export function snapshot(project: Project | null | undefined): Snapshot {
  const values: Snapshot = new Map();
  if (!project) return values;
  values.set('title', project.title);
  for (const shot of project.shots) {
    values.set(`shot:${shot.id}`, 'present');
    values.set(`prompt:${shot.id}`, shot.prompt);
  }
  return values;
}

export const valueIn = (values: Snapshot, field: Field) => values.get(field) ?? ABSENT;

/**
 * How a conflict ends, field by field: whether a value this side acknowledged
 * and never pushed survives a clash (`unpushed`), and whether a value that
 * reached the server can be set back to an older one by a whole-document
 * overwrite of the other side (`pushed`).
 */
export type Resolution = 'merge' | 'local' | 'remote' | 'title from local';

export function keeps(resolution: Resolution, field: Field): { unpushed: boolean; pushed: boolean } {
  switch (resolution) {
    case 'merge':
      return { unpushed: true, pushed: true };
    case 'local':
      return { unpushed: true, pushed: false };
    case 'remote':
      return { unpushed: false, pushed: true };
    case 'title from local':
      return field === 'title' ? { unpushed: true, pushed: false } : { unpushed: false, pushed: true };
  }
}

/** One `saved` status: what the tab showed when it turned `saved`. */
export interface Ack {
  tab: string;
  device: string;
  values: Snapshot;
  /** Another tab of the same device was open: a concurrent edit there may win over it. */
  shared: boolean;
  /** The user removed the document on this device afterwards: what never left it is gone by intent. */
  removed: boolean;
}

export class Lineage {
  /** `field\nvalue` → the value the edit that made it replaced. */
  private readonly parents = new Map<string, string>();
  /** Values made by edits of the run, as `field\nvalue`. */
  readonly edited = new Set<string>();

  /** An edit set `field` to `value` where the tab showed `parent`. */
  edit(field: Field, value: string, parent: string): void {
    this.parents.set(`${field}\n${value}`, parent);
    this.edited.add(`${field}\n${value}`);
  }

  /** A value that was there from the start, made by no edit of the run. */
  root(field: Field, value: string, parent?: string): void {
    if (parent !== undefined) this.parents.set(`${field}\n${value}`, parent);
  }

  /** Whether `older` is one of the values `value` replaced, directly or through later edits. */
  isAncestor(field: Field, older: string, value: string): boolean {
    let current = value;
    for (let steps = 0; steps < 100_000; steps++) {
      const parent = this.parents.get(`${field}\n${current}`);
      if (parent === undefined) return false;
      if (parent === older) return true;
      current = parent;
    }
    throw new Error(`the lineage of ${field} loops`);
  }

  /** `value` or a value made from it by later edits. */
  isSameOrLater(field: Field, value: string, candidate: string): boolean {
    return candidate === value || this.isAncestor(field, value, candidate);
  }
}

/**
 * The acknowledged values that `copy` lost, described for a failure message:
 * a value acknowledged and never pushed anywhere must be in it, or a later
 * one, unless the strategy lets the other side win; a value that reached the
 * server may give way to a concurrent edit, but never to one it replaced.
 */
export function lostAcks(
  acks: Iterable<Ack>,
  copy: Snapshot,
  context: { lineage: Lineage; resolution: Resolution; onServer(field: Field, value: string): boolean },
): string[] {
  const problems = new Set<string>();
  for (const ack of acks) {
    for (const [field, value] of ack.values) {
      const now = valueIn(copy, field);
      if (context.lineage.isSameOrLater(field, value, now)) continue;
      const pushed = context.onServer(field, value);
      if (ack.removed && !pushed) continue;
      const rule = keeps(context.resolution, field);
      if (!pushed && !ack.shared && rule.unpushed) {
        problems.add(`${field} "${value}", saved on ${ack.tab} and never pushed, became "${now}"`);
      } else if (pushed && rule.pushed && context.lineage.isAncestor(field, now, value)) {
        problems.add(`${field} "${value}", saved on ${ack.tab} and pushed, went back to the older "${now}"`);
      }
    }
  }
  return [...problems];
}
