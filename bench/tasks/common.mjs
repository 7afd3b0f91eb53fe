import { setTimeout as realSleep } from 'node:timers/promises';

// The worker runs under --expose-gc; a missing gc() would silently move the
// session's garbage out of its window, so it is an error.
export function gc() {
  if (typeof globalThis.gc !== 'function') throw new Error('bench worker: run with node --expose-gc');
  globalThis.gc();
}

/** A full GC, then a pause so that its background sweeping is not billed to what comes next. */
export async function quiesce() {
  gc();
  await realSleep(10);
}

/** CPU milliseconds of the whole process (every thread: the GC's helpers too) since `start`. */
export function cpuMsSince(start) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'];

export { realSleep };
