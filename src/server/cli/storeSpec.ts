import { resolve } from 'node:path';
import { fileStore, memoryStore, type SyncStore } from '../index';

/**
 * The store a `--store` value names: `memory`, a directory, and (with the
 * database stores) `postgres://…` and `redis://…`.
 */
export function storeFromSpec(spec: string): { store: SyncStore; description: string } {
  if (spec === 'memory') return { store: memoryStore(), description: 'documents are kept in memory (lost when the server stops)' };
  if (/^(postgres(ql)?|rediss?):\/\//.test(spec)) {
    throw new Error(`redux-autosave-server: --store ${spec.split(':')[0]}://… is not available in this version; use memory or a directory`);
  }
  const dir = resolve(spec);
  return { store: fileStore(dir), description: `documents are kept in ${dir}` };
}
