import { link, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/** A lock whose holder has not touched it for this long is taken over (its holder hangs or died elsewhere). */
const STALE_MS = 10_000;
const RETRY_MS = [1, 2, 4, 8];

/** Whether a process of this machine is running: a lock or temp file it left is not stale. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Holds `path` as a lock file while `task` runs, across the processes of
 * this machine: created with O_EXCL, naming its holder's pid, its time
 * refreshed while held. A lock whose holder is gone, or that nobody has
 * touched for 10 s, is taken over.
 */
export async function withFileLock<R>(path: string, task: () => Promise<R>): Promise<R> {
  await acquire(path);
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, STALE_MS / 3);
  (refresh as { unref?: () => void }).unref?.();
  try {
    return await task();
  } finally {
    clearInterval(refresh);
    await rm(path, { force: true }).catch(() => {});
  }
}

async function acquire(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw error; // no directory: the caller makes it first
      if (code !== 'EEXIST') throw error;
    }
    if (!(await takeOverIfStale(path))) {
      const wait = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      await new Promise((done) => setTimeout(done, wait * (0.5 + Math.random())));
    }
  }
}

/** Removes a stale lock; true when it did (the caller tries again at once). */
async function takeOverIfStale(path: string): Promise<boolean> {
  let holder: number;
  let touched: number;
  try {
    holder = Number.parseInt(await readFile(path, 'utf8'), 10);
    touched = (await stat(path)).mtimeMs;
  } catch {
    return true; // released meanwhile
  }
  // No pid yet: its holder is still writing it, which is not stale.
  const stale = Date.now() - touched >= STALE_MS || (!Number.isNaN(holder) && !isAlive(holder));
  if (!stale) return false;
  // Moved aside before it is removed, and removed only if it is still the
  // stale one: another process may have replaced it in the meantime.
  const aside = `${path}.${process.pid}.stale`;
  try {
    await rename(path, aside);
    const moved = Number.parseInt(await readFile(aside, 'utf8'), 10);
    if (moved !== holder && isAlive(moved)) {
      // A fresh lock: put it back, unless yet another one took its place.
      await link(aside, path).catch(() => {});
      await rm(aside, { force: true });
      return false;
    }
    await rm(aside, { force: true });
  } catch {
    // gone already: another process took it over first
  }
  return true;
}

/** Removes temporary and lock files that processes no longer running left in `dir`. */
export async function removeLeftovers(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      // `<file>.<pid>.<random>.tmp` and `<file>.lock.<pid>.stale`, by the pid in the name.
      const match = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name) ?? /\.lock\.(\d+)\.stale$/.exec(name);
      if (match && !isAlive(Number(match[1]))) await rm(join(dir, name), { force: true }).catch(() => {});
    }),
  );
}
