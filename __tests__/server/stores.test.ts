import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore, memoryStore } from '../../src/server';
import { describeSyncStore } from './helpers/describeSyncStore';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeSyncStore('memoryStore()', (options) => memoryStore(options));

describeSyncStore('fileStore(dir)', (options) => {
  const dir = mkdtempSync(join(tmpdir(), 'autosave-store-'));
  dirs.push(dir);
  return fileStore(dir, options);
});
