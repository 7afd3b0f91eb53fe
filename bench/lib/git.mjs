import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, ROOT } from './build.mjs';

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * The source of `ref`, read from this repository without touching its work
 * tree, index or refs (`git archive` of src/ into bench/.build/baseline/),
 * to be bundled and measured beside the current source. Inside the
 * worktree, so its imports resolve to the same node_modules.
 */
export function prepareBaseline(ref) {
  let commit;
  try {
    commit = git('rev-parse', '--verify', '--short', `${ref}^{commit}`);
  } catch {
    throw new Error(`bench: --baseline ${ref}: not a commit in this repository`);
  }
  const dir = join(BUILD_DIR, 'baseline', commit);
  const srcDir = join(dir, 'src');
  if (!existsSync(join(srcDir, 'index.ts'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', commit, 'src'], { cwd: ROOT, maxBuffer: 256 * 2 ** 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  }
  if (!existsSync(join(srcDir, 'index.ts'))) throw new Error(`bench: --baseline ${ref}: ${commit} has no src/index.ts`);
  return { ref, commit, srcDir, label: `redux-autosave@${ref}` };
}

/** The commit measured, and whether src/ had changes not committed yet. */
export function sourceState() {
  try {
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--', 'src') !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}
