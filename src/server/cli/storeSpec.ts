import { resolve } from 'node:path';
import { fileStore, memoryStore, postgresStore, redisStore, type SyncStore } from '../index';

const hidePassword = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:…@');

/**
 * The store a `--store` value names: `memory`, a directory, `postgres://…`
 * (`?schema=` for a schema other than public) or `redis://…`.
 */
export function storeFromSpec(spec: string): { store: SyncStore; description: string } {
  if (spec === 'memory') return { store: memoryStore(), description: 'documents are kept in memory (lost when the server stops)' };
  if (/^postgres(ql)?:\/\//.test(spec)) return { store: postgresStore({ connectionString: spec }), description: `documents are kept in Postgres at ${hidePassword(spec)}` };
  if (/^rediss?:\/\//.test(spec)) return { store: redisStore({ url: spec }), description: `documents are kept in Redis at ${hidePassword(spec)}` };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) throw new Error(`redux-autosave-server: --store ${spec.split(':')[0]}://… is not a store this server knows; use memory, a directory, postgres://… or redis://…`);
  const dir = resolve(spec);
  return { store: fileStore(dir), description: `documents are kept in ${dir}` };
}
