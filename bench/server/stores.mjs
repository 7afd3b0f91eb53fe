import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore, migrate, postgresStore, redisStore } from '../../dist/server.mjs';

/** `file`, or a postgres:// / redis:// URL (migrated first). */
export async function storeFromSpecForBench(spec) {
  if (spec === 'file') return fileStore(mkdtempSync(join(tmpdir(), 'autosave-bench-')));
  if (spec.startsWith('redis')) return redisStore({ url: spec, onWarning: () => {} });
  const store = postgresStore({ connectionString: spec });
  await migrate(store);
  return store;
}
