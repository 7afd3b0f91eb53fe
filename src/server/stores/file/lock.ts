import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is only someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function take(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, String(process.pid));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Takes the directory's lock file, created with O_EXCL and holding our pid,
 * so that two processes never write one directory (each would assign
 * versions and cursors of its own). A lock left by a process that is gone (a
 * kill -9, a power cut) is taken over; one held by a live process — this
 * one included — is refused with the pid that holds it.
 */
export function lockDirectory(path: string, dir: string): () => void {
  if (!take(path)) {
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      // gone meanwhile: try again below
    }
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new Error(
        `redux-autosave: fileStore directory ${dir} is in use by process ${holder}${holder === process.pid ? ' (this one: another fileStore on it is still open)' : ''} — its lock file is ${path}. Stop that process or close that store, or give this one another directory.`,
      );
    }
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it first; whoever creates it next wins
    }
    if (!take(path)) throw new Error(`redux-autosave: fileStore directory ${dir} was locked by another process while this one took over a stale lock (${path})`);
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone (the directory was removed): nothing to release
    }
  };
}

/** Puts our lock back after the directory was removed under us (best effort: the directory is ours). */
export function relock(path: string): void {
  try {
    take(path);
  } catch {
    // the next recreation tries again
  }
}
