import { prettifyError, safeEncode } from 'zod/v4/core';
import { AutosaveError, messageOf } from '../errors';
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

export function runSchema(run: () => SchemaResult, failure: string, key: string): Checked {
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
