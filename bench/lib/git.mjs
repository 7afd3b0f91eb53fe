import { execFileSync } from 'node:child_process';
import { ROOT } from './build.mjs';

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The commit measured, and whether src/ had changes not committed yet. */
export function sourceState() {
  try {
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--', 'src') !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}
