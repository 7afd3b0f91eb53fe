import { refuse, type Answer } from '../http/answer';
import type { ServerSchema } from '../options';

/** The collection a key belongs to: its part before the first ':' (`project:p1` → `project`). */
export function collectionOf(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(0, colon);
}

/**
 * Checks a document with its collection's schema, when the server was given
 * schemas: `422` with zod's issues when it fails, and for a collection it has
 * no schema for (a server that validates does not store what it cannot check).
 */
export async function validate(key: string, data: unknown, schemas: Record<string, ServerSchema> | undefined): Promise<Answer | undefined> {
  if (!schemas) return undefined;
  const collection = collectionOf(key);
  const schema = Object.hasOwn(schemas, collection) ? schemas[collection] : undefined;
  if (!schema) return refuse(422, `this server keeps only the collections ${Object.keys(schemas).map((name) => JSON.stringify(name)).join(', ')}, not ${JSON.stringify(collection)}`);
  const result = schema.safeParseAsync ? await schema.safeParseAsync(data) : schema.safeParse(data);
  if (result.success) return undefined;
  return refuse(422, `the document does not match the server's schema for ${JSON.stringify(collection)}`, { issues: result.error.issues });
}
