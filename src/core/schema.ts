import { prettifyError, safeEncode } from 'zod/v4/core';
import { AutosaveError, messageOf } from '../errors';
import { storageKey } from '../keys';
import type { CollectionConfig } from '../options';
import type { ValidationIssue } from '../types/status';
import type { Checked } from '../types/sync';

type SchemaResult = ReturnType<CollectionConfig['schema']['safeParse']>;

/**
 * Runs the schema over a copy in its stored (wire) form: validated, and
 * decoded by its codecs into the state's form. A refinement that throws
 * counts as a failed validation, not a crash.
 */
export function validate(collection: CollectionConfig, value: unknown, failure: string, key: string): Checked {
  return runSchema(() => collection.schema.safeParse(value), failure, key);
}

/**
 * Checks a document of the state and gives what is stored of it: the
 * document itself, or, when the schema holds codecs, what they encode it to.
 */
export function toWire(collection: CollectionConfig, document: unknown, failure: string, key: string): Checked {
  if (!collection.roundTrip?.encodes) {
    const checked = validate(collection, document, failure, key);
    return checked.ok ? { ok: true, data: document } : checked;
  }
  return runSchema(() => safeEncode(collection.schema, document) as SchemaResult, failure, key);
}

/**
 * A document of the state in wire form for merging: as it is when the
 * schema has no codec (even while invalid: an unsaved edit is never dropped
 * for that), encoded otherwise.
 */
export function wireForMerge(collection: CollectionConfig, document: unknown, key: string): Checked {
  if (!collection.roundTrip?.encodes) return { ok: true, data: document };
  return toWire(collection, document, `redux-autosave: ${key} is not valid`, key);
}

/** A copy from elsewhere (the remote, a merge): valid, decoded, and the document of this very key. */
export function decodeFor(collection: CollectionConfig, key: string, wire: unknown): Checked {
  const checked = validate(collection, wire, `redux-autosave: ${key} is not valid`, key);
  if (!checked.ok || !collection.id) return checked;
  let id: unknown;
  try {
    id = collection.id(checked.data);
  } catch (error) {
    id = `(id() threw: ${messageOf(error)})`;
  }
  const theirs = typeof id === 'string' || typeof id === 'number' ? storageKey(collection.name, id) : String(id);
  if (theirs === key) return checked;
  return {
    ok: false,
    error: new AutosaveError('remote', `redux-autosave: a copy for ${key} is the document ${JSON.stringify(theirs)}, not ${key}`, { key }),
  };
}

function runSchema(run: () => SchemaResult, failure: string, key: string): Checked {
  let parsed: SchemaResult;
  try {
    parsed = run();
  } catch (error) {
    return { ok: false, error: new AutosaveError('validation', `${failure}: the schema threw: ${messageOf(error)}`, { key, cause: error }) };
  }
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    error: new AutosaveError('validation', `${failure}:\n${prettify(parsed.error)}`, { key, issues: plainIssues(parsed.error.issues) }),
  };
}

function plainIssues(issues: readonly { code: string; path: readonly PropertyKey[]; message: string }[]): ValidationIssue[] {
  return issues.map((issue) => ({
    code: issue.code,
    path: issue.path.map((part) => (typeof part === 'number' ? part : String(part))),
    message: issue.message,
  }));
}

function prettify(error: { issues: readonly unknown[] }): string {
  try {
    return prettifyError(error as Parameters<typeof prettifyError>[0]);
  } catch {
    return plainIssues(error.issues as Parameters<typeof plainIssues>[0])
      .map((issue) => `✖ ${issue.message} at ${issue.path.join('.') || '(root)'}`)
      .join('\n');
  }
}
