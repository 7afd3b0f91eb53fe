import { readFileSync } from 'node:fs';

/**
 * How many connections to hold by default: three quarters of the process's
 * descriptor limit (Linux tells it in /proc), leaving the rest for files and
 * the store — a flood of connections then meets a closed door, never a
 * server that cannot open its own files (EMFILE). Elsewhere, 1000.
 */
export function defaultMaxConnections(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    if (soft) return Math.max(16, Math.floor(Number(soft) * 0.75) - 32);
  } catch {
    // not Linux
  }
  return 1000;
}
