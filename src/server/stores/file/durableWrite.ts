import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Writes `parts` to `target` so that a crash leaves the old file or the new
 * one, never half: a temp file in `tmpDir` (the store clears it at start, so
 * a kill -9 leaves nothing behind for long), flushed, renamed over the
 * target, then the target's directory flushed so the rename itself survives
 * a power cut. A missing directory (removed while running) is made again by
 * `recreate` and the step tried once more. The temp file never outlives a
 * failure.
 */
export async function writeDurably(tmpDir: string, target: string, parts: string[], recreate: () => Promise<void>): Promise<void> {
  const temp = join(tmpDir, `${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx').catch(async (error) => {
    if (!isMissing(error)) throw error;
    await recreate();
    return open(temp, 'wx');
  });
  try {
    try {
      for (const part of parts) await handle.write(part);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target).catch(async (error) => {
      if (!isMissing(error)) throw error;
      await recreate();
      await rename(temp, target);
    });
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(join(target, '..'));
}

/** Flushes a directory's entries (not possible on Windows, where it is skipped). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => {});
  await handle.close();
}
