// Lints what `npm pack` would publish: publint (package.json against the
// files it names) and are-the-types-wrong (every entry point's types under
// node10, node16 from CJS and ESM, and bundler resolution). Any message from
// either, suggestions included, fails: a clean report is the only one that
// stays clean. Run after `npm run build`; neither tool builds.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = resolve(import.meta.dirname, '..');
if (!existsSync(join(root, 'dist', 'index.mjs'))) {
  console.error('check-package: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

let failed = false;

// Through the API rather than the CLI: the CLI exits 0 on suggestions,
// even with --strict, and a suggestion (a missing "type") is what issue 12 found.
const { messages, pkg } = await publint({ pkgDir: root, strict: true, level: 'suggestion' });
for (const message of messages) console.error(`publint: ${message.type}: ${formatMessage(message, pkg, { color: false })}`);
console.log(`check-package: publint --strict: ${messages.length === 0 ? 'clean' : `${messages.length} problem(s)`}`);
failed ||= messages.length > 0;

// The CLI exits 1 on any problem in any resolution mode; its table is the
// clearest report of which entry point fails where.
try {
  execFileSync(join(root, 'node_modules', '.bin', 'attw'), ['--pack', '.', '--format', 'table-flipped', '--no-color'], {
    cwd: root,
    stdio: 'inherit',
  });
  console.log('check-package: attw --pack: clean');
} catch {
  console.error('check-package: attw --pack found problems (table above)');
  failed = true;
}

process.exit(failed ? 1 : 0);
