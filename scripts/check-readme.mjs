// Checks that the README says what the code does, offline, in a few seconds:
// - every ```ts / ```tsx block of README.md compiles against src/ (the package
//   names are path-mapped to it), with the names the README's own examples
//   define (scripts/readme-preamble.ts) in scope, and uses no top-level
//   `await` (a CommonJS project, what `npm init -y` makes, cannot compile it);
//   a block with `<!-- fragment -->` on the line above it is skipped;
// - every ```json block parses, and an envelope example carries the format
//   and the checksum src/envelope.ts writes;
// - every table parses (a header separator, as many cells in every row as in
//   the header, no row cut off by a blank line), in README.md and bench/README.md;
// - every link inside the repository leads to a file, every #anchor to a heading.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';

// required, not imported: Node's ESM loader would scan all of typescript.js
// for named exports first, a second of the few this check should take.
const ts = createRequire(import.meta.url)('typescript');

const root = resolve(import.meta.dirname, '..');
const FILES = ['README.md', 'bench/README.md'];
const PREAMBLE = join(root, 'scripts', 'readme-preamble.ts');
const problems = [];
const report = (file, line, message) => problems.push(`${file}:${line}: ${message}`);

/** A Markdown file's fenced blocks, tables, headings and links, with their lines. */
function parse(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const doc = { file, blocks: [], tables: [], headings: [], links: [] };
  let fence;
  let table;
  lines.forEach((text, i) => {
    const line = i + 1;
    if (fence) {
      if (new RegExp(`^ {0,3}\\${fence.marker[0]}{${fence.marker.length},}\\s*$`).test(text)) {
        doc.blocks.push({ ...fence, code: fence.body.join('\n') });
        fence = undefined;
      } else fence.body.push(text);
      return;
    }
    const open = /^ {0,3}(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
    if (open) {
      const above = lines.slice(0, i).findLast((l) => l.trim() !== '') ?? '';
      fence = { marker: open[1], lang: open[2], line, body: [], fragment: /^<!--\s*fragment\b.*-->$/.test(above.trim()) };
      return;
    }
    for (const [, target] of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) doc.links.push({ line, target });
    if (/^ {0,3}\|/.test(text)) {
      if (!table) doc.tables.push((table = { line, rows: [] }));
      table.rows.push({ line, text });
      return;
    }
    table = undefined;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (heading) doc.headings.push(heading[1]);
  });
  if (fence) report(file, fence.line, `the code block opened here is never closed (${fence.marker})`);
  return doc;
}

// GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2… for repeats.
function anchors(headings) {
  const seen = new Map();
  return new Set(
    headings.map((text) => {
      const slug = text.replace(/`/g, '').toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      return count === 0 ? slug : `${slug}-${count}`;
    }),
  );
}

// GFM splits cells on every `|` not escaped with a backslash, inside code spans too.
const cells = (row) => row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/);

function checkTables(doc) {
  let previousEnd = -Infinity;
  for (const { line, rows } of doc.tables) {
    const separator = rows[1] && cells(rows[1].text);
    if (!separator || !separator.every((cell) => /^\s*:?-+:?\s*$/.test(cell))) {
      report(doc.file, line, line - previousEnd <= 3
        ? `a table row cut off from the table above by a blank line (line ${previousEnd + 1}); GitHub shows it as a paragraph`
        : 'a table without a separator row (| --- | --- |) under its header');
    } else {
      const width = cells(rows[0].text).length;
      if (separator.length !== width) report(doc.file, rows[1].line, `the separator row has ${separator.length} cells, the header ${width}`);
      for (const row of rows.slice(2)) {
        const count = cells(row.text).length;
        if (count !== width) report(doc.file, row.line, `a table row with ${count} cells, the header has ${width} (an unescaped | inside a cell?)`);
      }
    }
    previousEnd = rows.at(-1).line;
  }
}

function checkLinks(doc, docs) {
  for (const { line, target } of doc.links) {
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:: not checked offline
    const [path, anchor] = target.split('#');
    const file = path ? relative(root, join(root, dirname(doc.file), path)) : doc.file;
    if (!existsSync(join(root, file))) report(doc.file, line, `the link to ${target} leads to no file (${file})`);
    else if (anchor && file.endsWith('.md') && !anchors((docs.get(file) ?? parse(file)).headings).has(anchor)) {
      report(doc.file, line, `the link to ${target} names no heading of ${file}`);
    }
  }
}

// The envelope example must be what the code writes: its format, and the checksum of its json text.
async function checkJson(doc) {
  let envelope;
  for (const block of doc.blocks.filter((b) => b.lang === 'json')) {
    try {
      const value = JSON.parse(block.code);
      if (value && typeof value === 'object' && 'checksum' in value) envelope = { ...block, value };
    } catch (error) {
      report(doc.file, block.line, `the json block does not parse: ${error.message}`);
    }
  }
  if (!envelope) return;
  const bundle = await build({ entryPoints: [join(root, 'src/envelope.ts')], bundle: true, write: false, format: 'esm', logLevel: 'silent' });
  const code = await import(`data:text/javascript,${encodeURIComponent(bundle.outputFiles[0].text)}`);
  if (typeof code.checksum !== 'function' || code.FORMAT === undefined) {
    report(doc.file, envelope.line, 'src/envelope.ts no longer exports checksum() and FORMAT: update the stored-format section and this check together');
    return;
  }
  const { format, checksum, json } = envelope.value;
  if (format !== code.FORMAT) report(doc.file, envelope.line, `the envelope example has format ${format}; the code writes format ${code.FORMAT}`);
  if (typeof json !== 'string') return report(doc.file, envelope.line, 'the envelope example has no json text');
  const expected = code.checksum(json);
  if (checksum !== expected) report(doc.file, envelope.line, `the envelope example's checksum is ${checksum}; the code computes ${expected} for its data`);
}

/** Top-level names a block declares or imports: the preamble must not shadow them. */
function declaredNames(source) {
  const names = new Set();
  const bind = (name) => {
    if (!name) return;
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      bind(clause?.name);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) bind(bindings.name);
      else bindings?.elements.forEach((element) => bind(element.name));
    } else if (ts.isVariableStatement(statement)) {
      statement.declarationList.declarations.forEach((declaration) => bind(declaration.name));
    } else if ('name' in statement) bind(statement.name);
  }
  return names;
}

// A top-level `await` outside any function: TS1309 in a CommonJS project.
function topLevelAwait(node) {
  if (ts.isFunctionLike(node) || ts.isClassLike(node)) return undefined;
  if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) return node;
  return ts.forEachChild(node, topLevelAwait);
}

function checkTypeScript(doc) {
  const blocks = doc.blocks.filter((b) => ['ts', 'tsx', 'typescript'].includes(b.lang) && !b.fragment);
  const parsedPreamble = ts.createSourceFile(PREAMBLE, readFileSync(PREAMBLE, 'utf8'), ts.ScriptTarget.Latest);
  const shared = [...declaredNames({
    statements: parsedPreamble.statements.filter((s) => ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Export),
  })];
  const virtual = new Map(); // file name → { block, text }
  for (const block of blocks) {
    const file = join(root, 'scripts', `readme-block-line-${block.line}.${block.lang === 'tsx' ? 'tsx' : 'ts'}`);
    const source = ts.createSourceFile(file, block.code, ts.ScriptTarget.Latest, true);
    const wait = ts.forEachChild(source, topLevelAwait);
    if (wait) {
      const at = block.line + 1 + source.getLineAndCharacterOfPosition(wait.getStart(source)).line;
      report(doc.file, at, `top-level await in the ${block.lang} block at line ${block.line}: a CommonJS project (npm init -y) cannot compile it (TS1309); put it in an async function`);
    }
    const own = declaredNames(source);
    const names = shared.filter((name) => !own.has(name));
    // The import goes last, so the block's lines keep their numbers; imports hoist.
    const tail = names.length ? `import { ${names.join(', ')} } from './readme-preamble';` : 'export {};';
    virtual.set(file, { block, text: `${block.code}\n${tail}\n` });
  }

  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config;
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  Object.assign(options, {
    noEmit: true,
    types: ['node'],
    skipLibCheck: true,
    // Examples declare what they show, used or not.
    noUnusedLocals: false,
    noUnusedParameters: false,
    paths: {
      'redux-autosave': [join(root, 'src/index.ts')],
      'redux-autosave/node': [join(root, 'src/node.ts')],
      'redux-autosave/react': [join(root, 'src/react/index.ts')],
      'redux-autosave/server': [join(root, 'src/server/index.ts')],
    },
  });
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name)?.text ?? readFile.call(host, name);
  host.getSourceFile = (name, target, ...rest) =>
    virtual.has(name) ? ts.createSourceFile(name, virtual.get(name).text, target, true) : getSourceFile.call(host, name, target, ...rest);
  const program = ts.createProgram([PREAMBLE, ...virtual.keys()], options, host);

  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const name of [PREAMBLE, ...virtual.keys()]) {
    const source = program.getSourceFile(name);
    diagnostics.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
  }
  for (const diagnostic of diagnostics) {
    const message = `${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ')} (TS${diagnostic.code})`;
    const at = diagnostic.file && diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const entry = diagnostic.file && virtual.get(diagnostic.file.fileName);
    if (entry) {
      report(doc.file, `${entry.block.line + 1 + at.line}:${at.character + 1}`, `the ${entry.block.lang} block at line ${entry.block.line} does not compile: ${message}`);
    } else if (diagnostic.file) {
      report(relative(root, diagnostic.file.fileName), at.line + 1, message);
    } else problems.push(`TypeScript: ${message}`);
  }
  return { compiled: blocks.length, fragments: doc.blocks.filter((b) => b.fragment).length };
}

const docs = new Map(FILES.map((file) => [file, parse(file)]));
const summary = [];
for (const doc of docs.values()) {
  checkTables(doc);
  checkLinks(doc, docs);
  await checkJson(doc);
  const ts = doc.file === 'README.md' ? checkTypeScript(doc) : undefined;
  summary.push(`${doc.file}: ${ts ? `${ts.compiled} ts/tsx blocks compiled (${ts.fragments} marked fragment), ` : ''}` +
    `${doc.tables.length} tables, ${doc.links.length} links`);
}
if (problems.length) {
  for (const problem of problems) console.error(problem);
  console.error(`check-readme: ${problems.length} problem(s). A block that is an excerpt on purpose can be marked with <!-- fragment --> on the line above it.`);
  process.exit(1);
}
console.log(`check-readme: ok; ${summary.join('; ')}`);
