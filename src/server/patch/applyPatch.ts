import { arrayIndex, parsePointer } from './pointer';

/** One RFC 6902 operation, its pointers parsed. */
export type Operation =
  | { op: 'add' | 'replace' | 'test'; path: string[]; value: unknown }
  | { op: 'remove'; path: string[] }
  | { op: 'move' | 'copy'; path: string[]; from: string[] };

export type Checked = { status: 'ok'; operations: Operation[] } | { status: 'invalid'; error: string } | { status: 'too-many'; error: string };

export type Applied = { status: 'ok'; data: unknown } | { status: 'conflict'; error: string } | { status: 'too-large'; error: string };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
type Json = Record<string, unknown> | unknown[];

/**
 * A patch document checked whole before anything is applied: an array of at
 * most `maxOperations` operations, each well formed, no pointer through
 * `__proto__`, `constructor` or `prototype`.
 */
export function checkPatch(patch: unknown, maxOperations: number): Checked {
  if (!Array.isArray(patch)) return { status: 'invalid', error: 'a JSON Patch is an array of operations' };
  if (patch.length > maxOperations) return { status: 'too-many', error: `the patch has ${patch.length} operations; at most ${maxOperations} are taken` };
  const operations: Operation[] = [];
  for (const [at, raw] of patch.entries()) {
    const where = `operation ${at}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { status: 'invalid', error: `${where} is not an object` };
    const { op } = raw as { op?: unknown };
    if (typeof op !== 'string' || !OPS.has(op)) return { status: 'invalid', error: `${where} has no known "op" (add, remove, replace, move, copy, test)` };
    const path = parsePointer((raw as { path?: unknown }).path);
    if (typeof path === 'string') return { status: 'invalid', error: `${where}: ${path}` };
    if (op === 'move' || op === 'copy') {
      const from = parsePointer((raw as { from?: unknown }).from);
      if (typeof from === 'string') return { status: 'invalid', error: `${where} "from": ${from}` };
      if (op === 'move' && from.length < path.length && from.every((token, i) => token === path[i])) {
        return { status: 'invalid', error: `${where} moves a value into itself` };
      }
      operations.push({ op, path, from });
    } else if (op === 'remove') {
      operations.push({ op, path });
    } else {
      if (!Object.hasOwn(raw, 'value')) return { status: 'invalid', error: `${where} (${op}) has no "value"` };
      operations.push({ op: op as 'add' | 'replace' | 'test', path, value: (raw as { value: unknown }).value });
    }
  }
  return { status: 'ok', operations };
}

class Conflict extends Error {}
class TooLarge extends Error {}

const isContainer = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** The container holding the last token of `path`, walking only own members. */
function parentOf(root: unknown, path: string[]): Json {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) node = child(node, path[i], path);
  if (!isContainer(node)) throw new Conflict(`${show(path)}: its parent is not an object or array`);
  return node;
}

function child(node: unknown, token: string, path: string[]): unknown {
  if (Array.isArray(node)) {
    const index = arrayIndex(token);
    if (index === undefined || index >= node.length) throw new Conflict(`${show(path)}: no element ${JSON.stringify(token)}`);
    return node[index];
  }
  if (isContainer(node) && Object.hasOwn(node, token)) return (node as Record<string, unknown>)[token];
  throw new Conflict(`${show(path)}: there is no member ${JSON.stringify(token)}`);
}

const show = (path: string[]) => `"/${path.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}"`;

function valueAt(root: unknown, path: string[]): unknown {
  let node = root;
  for (const token of path) node = child(node, token, path);
  return node;
}

function add(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = parentOf(root, path);
  const token = path[path.length - 1];
  if (Array.isArray(parent)) {
    const index = token === '-' ? parent.length : arrayIndex(token);
    if (index === undefined || index > parent.length) throw new Conflict(`${show(path)}: no place ${JSON.stringify(token)} in the array`);
    parent.splice(index, 0, value);
  } else {
    parent[token] = value;
  }
  return root;
}

function remove(root: unknown, path: string[]): unknown {
  if (path.length === 0) throw new Conflict('the whole document cannot be removed');
  const parent = parentOf(root, path);
  const token = path[path.length - 1];
  child(parent, token, path);
  if (Array.isArray(parent)) parent.splice(Number(token), 1);
  else delete parent[token];
  return root;
}

/** In place: a member keeps its position among the others. */
function replace(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = parentOf(root, path);
  const token = path[path.length - 1];
  child(parent, token, path);
  if (Array.isArray(parent)) parent[Number(token)] = value;
  else parent[token] = value;
  return root;
}

/** A copy of a JSON value, and its size as JSON text (what a `copy` adds to the result). */
function cloned(value: unknown): { value: unknown; size: number } {
  const text = JSON.stringify(value) ?? 'null';
  return { value: JSON.parse(text), size: text.length };
}

/**
 * Applies checked operations to a document's JSON text, all of them or none
 * (the text is parsed afresh, so a failure leaves nothing changed). `copy`
 * can double a value each time: the bytes copies add are counted as they
 * come and the patch stops past `maxBytes`, before they are made.
 */
export function applyPatch(text: string, operations: Operation[], maxBytes: number): Applied {
  let document: unknown = JSON.parse(text);
  let grown = text.length;
  try {
    for (const operation of operations) {
      switch (operation.op) {
        case 'add':
          document = add(document, operation.path, operation.value);
          break;
        case 'remove':
          document = remove(document, operation.path);
          break;
        case 'replace':
          document = replace(document, operation.path, operation.value);
          break;
        case 'test':
          if (!sameJson(valueAt(document, operation.path), operation.value)) throw new Conflict(`${show(operation.path)} does not hold the tested value`);
          break;
        case 'move': {
          const value = valueAt(document, operation.from);
          document = add(remove(document, operation.from), operation.path, value);
          break;
        }
        case 'copy': {
          const copy = cloned(valueAt(document, operation.from));
          grown += copy.size;
          if (grown > maxBytes) throw new TooLarge(`copies make the result larger than ${maxBytes} bytes`);
          document = add(document, operation.path, copy.value);
          break;
        }
      }
    }
  } catch (error) {
    if (error instanceof Conflict) return { status: 'conflict', error: error.message };
    if (error instanceof TooLarge) return { status: 'too-large', error: error.message };
    throw error;
  }
  return { status: 'ok', data: document };
}

/** JSON equality (RFC 6902 `test`): members in any order, arrays in order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((item, i) => sameJson(item, (b as unknown[])[i]));
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key as never], (b as Record<string, unknown>)[key]));
}
