import type { ZodType } from 'zod';
import { where } from './util/path';

/**
 * What JSON can carry of a collection's documents, read off its schema once.
 *
 * Every stored copy and every push is JSON text, so a value JSON cannot carry
 * (a `Date`, a `Map`, `NaN`, `undefined` in an array, a class instance) would
 * be written, reported `saved`, and come back as something else — or fail the
 * schema on load. The schema says where such values can be: a `z.date()` is
 * one for sure; `z.any()`, `z.unknown()` and `z.custom()` may hold anything.
 * The rest (strings, finite numbers, objects of those) zod has already
 * checked, so a save looks only inside the parts the schema leaves open.
 */
export interface RoundTrip {
  /** The schema holds a codec: a save encodes the document, a load decodes it. */
  encodes: boolean;
  /** Places the schema accepts a value JSON cannot carry, as `'Date at createdAt'`. */
  unrepresentable: string[];
  /** Finds a value JSON cannot carry in the open parts; `undefined` when the schema has none. */
  check: ((value: unknown) => Problem | undefined) | undefined;
}

type Path = (string | number)[];

/** A value JSON cannot carry: what it is (`'a Map'`) and where. */
export interface Problem {
  what: string;
  path: Path;
}

/** Checks `value` found at `path`; robust to values of another shape (unions try every option). */
type Node = (value: unknown, path: Path) => Problem | undefined;

interface Def {
  type: string;
  [field: string]: any;
}

interface Walk {
  encodes: boolean;
  oneWay: boolean;
  unrepresentable: string[];
  lazy: Map<unknown, Node | null>;
}

const UNREPRESENTABLE: Record<string, string> = {
  date: 'a Date',
  map: 'a Map',
  set: 'a Set',
  bigint: 'a bigint',
  symbol: 'a symbol',
  function: 'a function',
  promise: 'a promise',
  file: 'a File',
  nan: 'NaN',
};

// Wrappers whose input is their inner schema's (or that): walked through.
const WRAPPERS = /* @__PURE__ */ new Set(['nullable', 'readonly', 'nonoptional', 'catch', 'success']);
// Wrappers whose input may also be `undefined`.
const MAY_BE_UNDEFINED = /* @__PURE__ */ new Set(['optional', 'default', 'prefault', 'undefined', 'void']);

const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

export function analyzeSchema(schema: ZodType): RoundTrip {
  const walk: Walk = { encodes: false, oneWay: false, unrepresentable: [], lazy: new Map() };
  const node = visit(schema, [], walk);
  if (walk.encodes && walk.oneWay) {
    walk.unrepresentable.push('a one-way .transform() beside a codec (a save encodes the document, which a one-way transform cannot do)');
  }
  return { encodes: walk.encodes, unrepresentable: walk.unrepresentable, check: node ? (value) => node(value, []) : undefined };
}

/** The input side of `schema`: what the state holds (or, under a codec, what the codec writes). */
function visit(schema: unknown, path: Path, walk: Walk): Node | null {
  const def = defOf(schema);
  const { type } = def;
  if (type in UNREPRESENTABLE) {
    walk.unrepresentable.push(`${UNREPRESENTABLE[type]} at ${where(path)}`);
    return deep;
  }
  if (WRAPPERS.has(type) || MAY_BE_UNDEFINED.has(type)) return def.innerType ? visit(def.innerType, path, walk) : null;
  switch (type) {
    case 'any':
    case 'unknown':
    case 'custom':
    case 'transform': // a bare z.transform() takes anything
      return deep;
    case 'literal':
      if ((def.values as unknown[]).some((v) => typeof v === 'bigint')) walk.unrepresentable.push(`a bigint at ${where(path)}`);
      return null;
    case 'pipe':
      // A codec stores what its input side validates; a one-way pipe is
      // validated, and stored, as its input.
      if (def.reverseTransform) walk.encodes = true;
      else if (defOf(def.out).type === 'transform') walk.oneWay = true;
      return visit(def.in, path, walk);
    case 'lazy':
      return visitLazy(schema, def, path, walk);
    case 'object':
      return visitObject(def, path, walk);
    case 'record':
      return visitRecord(def, path, walk);
    case 'array':
      return visitItems([], def.element, path, walk);
    case 'tuple':
      return visitItems(def.items as unknown[], def.rest, path, walk);
    case 'union':
    case 'intersection':
      return visitEither(type === 'union' ? (def.options as unknown[]) : [def.left, def.right], path, walk);
    default:
      // string, number, boolean, null, enum, template_literal, never, and any
      // kind zod may add: zod checked it, or it cannot be told apart from JSON.
      return null;
  }
}

function visitLazy(schema: unknown, def: Def, path: Path, walk: Walk): Node | null {
  if (walk.lazy.has(schema)) {
    // Recursion: the node is being built; look it up when the check runs.
    return (value, at) => walk.lazy.get(schema)?.(value, at);
  }
  walk.lazy.set(schema, null);
  const node = visit(def.getter(), path, walk);
  walk.lazy.set(schema, node);
  return node;
}

function visitObject(def: Def, path: Path, walk: Walk): Node | null {
  const shape = def.shape as Record<string, unknown>;
  const fields: [string, Node | null, boolean][] = [];
  for (const name of Object.keys(shape)) {
    const node = visit(shape[name], [...path, name], walk);
    // A required key whose schema takes `undefined` (z.any(), say): JSON
    // drops the key, and the load then finds it missing.
    const dropped = (shape[name] as { _zod: { optin?: string } })._zod.optin === undefined && takesUndefined(shape[name]);
    if (node || dropped) fields.push([name, node, dropped]);
  }
  // A loose object or a catchall keeps keys the shape does not name.
  const rest = def.catchall && defOf(def.catchall).type !== 'never' ? visit(def.catchall, [...path, '*'], walk) : null;
  if (fields.length === 0 && !rest) return null;
  return (value, at) => {
    if (!isPlainObject(value)) return undefined;
    for (const [name, node, dropped] of fields) {
      if (!Object.hasOwn(value, name)) continue;
      if (dropped && value[name] === undefined) return { what: 'undefined', path: [...at, name] };
      const problem = node?.(value[name], [...at, name]);
      if (problem) return problem;
    }
    if (!rest) return undefined;
    for (const name of Object.keys(value)) {
      if (Object.hasOwn(shape, name)) continue;
      const problem = rest(value[name], [...at, name]);
      if (problem) return problem;
    }
    return undefined;
  };
}

function visitRecord(def: Def, path: Path, walk: Walk): Node | null {
  const node = visit(def.valueType, [...path, '*'], walk);
  if (!node) return null;
  return (value, at) => {
    if (!isPlainObject(value)) return undefined;
    for (const name of Object.keys(value)) {
      const problem = node(value[name], [...at, name]);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** Arrays and tuples: `undefined` becomes `null` in JSON, so an item that may be undefined is looked at. */
function visitItems(items: unknown[], rest: unknown, path: Path, walk: Walk): Node | null {
  const nodes = items.map((item, i) => itemNode(item, [...path, i], walk));
  const restNode = rest ? itemNode(rest, [...path, '*'], walk) : null;
  if (!restNode && nodes.every((node) => node === null)) return null;
  return (value, at) => {
    if (!Array.isArray(value)) return undefined;
    for (let i = 0; i < value.length; i++) {
      const node = i < nodes.length ? nodes[i] : restNode;
      const problem = node?.(value[i], [...at, i]);
      if (problem) return problem;
    }
    return undefined;
  };
}

function itemNode(schema: unknown, path: Path, walk: Walk): Node | null {
  const node = visit(schema, path, walk);
  if (!mayBeUndefined(schema)) return node;
  return (value, at) => (value === undefined ? { what: 'undefined in an array', path: at } : node?.(value, at));
}

function takesUndefined(schema: unknown): boolean {
  return mayBeUndefined(schema) || defOf(schema).type === 'custom';
}

function mayBeUndefined(schema: unknown): boolean {
  const def = defOf(schema);
  if (MAY_BE_UNDEFINED.has(def.type)) return true;
  if (WRAPPERS.has(def.type)) return mayBeUndefined(def.innerType);
  if (def.type === 'union') return (def.options as unknown[]).some(mayBeUndefined);
  return def.type === 'any' || def.type === 'unknown';
}

function visitEither(schemas: unknown[], path: Path, walk: Walk): Node | null {
  const nodes = schemas.map((schema) => visit(schema, path, walk)).filter((node): node is Node => node !== null);
  if (nodes.length === 0) return null;
  if (nodes.length === 1) return nodes[0];
  return (value, at) => {
    for (const node of nodes) {
      const problem = node(value, at);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** Any value at all: everything JSON would drop, change or refuse, with where it is. */
function deep(value: unknown, path: Path): Problem | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined': // an object's key JSON drops; arrays look at their items themselves
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { what: String(value), path };
    case 'bigint':
    case 'symbol':
    case 'function':
      return { what: `a ${typeof value}`, path };
  }
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
        return { what: `${item === undefined ? 'undefined' : `a ${typeof item}`} in an array`, path: [...path, i] };
      }
      const problem = deep(item, [...path, i]);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return { what: kindOf(value as object), path };
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return { what: 'an object with toJSON', path };
  for (const name of Object.keys(value)) {
    const problem = deep(value[name], [...path, name]);
    if (problem) return problem;
  }
  return undefined;
}

function kindOf(value: object): string {
  // By tag, not instanceof: values may come from another realm (an iframe, structuredClone in a test runner).
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (tag === 'Date' || tag === 'Map' || tag === 'Set') return `a ${tag}`;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name} instance` : 'an object with a prototype';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  // Some realm's Object.prototype, or none: as RTK's isPlainObject tells them.
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
