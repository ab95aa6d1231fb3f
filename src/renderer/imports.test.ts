// Guard: the UI bundles only its own code and src/shared. The renderer runs in a browser page (Electron's
// or Chromium's, served by the bridge), the preload in Electron's sandbox, so neither can use the engine
// (src/main), Node's modules, or — for the preload — anything from node_modules but `electron`: its bundle
// is CommonJS that may only require('electron'). Files in src/shared that either one reaches are held to
// the same rules, so a shared module cannot smuggle engine code in. Test files are not bundled and are
// not scanned.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

interface Rules {
  /** folders (relative to the root) the entry files may import from, besides src/shared */
  own: string;
  /** a bare import allowed at run time: true for any npm package, or the one name the sandbox allows */
  runtimePackage: (name: string) => boolean;
}

const RENDERER: Rules = { own: 'src/renderer', runtimePackage: (name) => !isBuiltin(name) && name !== 'electron' };
const PRELOAD: Rules = { own: 'src/preload', runtimePackage: (name) => name === 'electron' };

interface Import {
  spec: string;
  /** erased by the compiler: cannot load anything at run time */
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypes = !!clause && !clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      found.push({ spec: node.moduleSpecifier.text, typeOnly: !!clause?.isTypeOnly || allTypes });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (dynamic || required) found.push({ spec: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ spec: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The file a relative import loads, the way the bundler finds it (extensionless, or an index file). */
function resolveLocal(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')];
  if (/\.js$/.test(base)) candidates.push(base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'));
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/**
 * Every import that breaks `rules`, starting from the files under `rules.own` and following them into
 * src/shared. Where a file may import from holds for type imports too (they tie the UI's types to that
 * code); which packages it may load only for the files the bundle really contains (reached by
 * imports that survive compilation).
 */
function importViolations(root: string, rules: Rules): string[] {
  const inside = (file: string, dir: string) => !path.relative(path.join(root, dir), file).startsWith('..');
  const problems = new Set<string>();
  const seen = new Set<string>();
  const queue = sourceFiles(path.join(root, rules.own)).map((file) => ({ file, runtime: true }));
  assert.ok(queue.length > 0, `no source files under ${rules.own}`);
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { file, runtime } = next;
    if (seen.has(`${runtime}:${file}`)) continue;
    seen.add(`${runtime}:${file}`);
    const where = path.relative(root, file);
    const allowed = inside(file, 'src/shared') ? ['src/shared'] : [rules.own, 'src/shared'];
    for (const { spec, typeOnly } of importsOf(file)) {
      const loaded = runtime && !typeOnly;
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        if (!target) problems.add(`${where}: "${spec}" does not resolve to a file`);
        else if (!allowed.some((dir) => inside(target, dir))) problems.add(`${where}: "${spec}" reaches ${path.relative(root, target)}, outside ${allowed.join(' and ')}`);
        else if (/\.tsx?$/.test(target)) queue.push({ file: target, runtime: loaded });
      } else if (loaded && !rules.runtimePackage(spec)) {
        problems.add(`${where}: "${spec}" cannot be loaded in ${rules.own}'s bundle at run time`);
      }
    }
  }
  return [...problems];
}

const root = path.resolve(__dirname, '../..');

test('the renderer imports only its own code, src/shared and npm packages that run in a browser', () => {
  assert.deepEqual(importViolations(root, RENDERER), []);
});

test('the sandboxed preload imports only its own code, src/shared and (at run time) electron', () => {
  assert.deepEqual(importViolations(root, PRELOAD), []);
});

test('the guard catches engine code, Node modules and packages, directly and through src/shared', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-imports-'));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  try {
    write('src/renderer/a.tsx', "import { x } from '../main/engine/x';\nimport { s } from '../shared/s';\nimport type { T } from '../shared/t';\nexport const y = import('node:fs');\n");
    write('src/preload/p.ts', "import { contextBridge } from 'electron';\nimport { z } from 'zod';\nimport type { Z } from 'zod';\nimport { s } from '../shared/s';\nimport type { C } from '../shared/c';\n");
    // only type-imported by the preload, so its zod never reaches the preload's bundle
    write('src/shared/c.ts', "import { z } from 'zod';\nexport type C = number;\nexport const c = z.number();\n");
    write('src/shared/s.ts', "import * as fs from 'node:fs';\nexport { e } from '../main/e';\nexport const s = 1;\n");
    write('src/shared/t.ts', 'export type T = number;\n');
    write('src/main/engine/x.ts', 'export const x = 1;\n');
    write('src/main/e.ts', 'export const e = 1;\n');
    assert.deepEqual(importViolations(dir, RENDERER).sort(), [
      'src/renderer/a.tsx: "../main/engine/x" reaches src/main/engine/x.ts, outside src/renderer and src/shared',
      'src/renderer/a.tsx: "node:fs" cannot be loaded in src/renderer\'s bundle at run time',
      'src/shared/s.ts: "../main/e" reaches src/main/e.ts, outside src/shared',
      'src/shared/s.ts: "node:fs" cannot be loaded in src/renderer\'s bundle at run time',
    ]);
    assert.deepEqual(importViolations(dir, PRELOAD).sort(), [
      'src/preload/p.ts: "zod" cannot be loaded in src/preload\'s bundle at run time',
      'src/shared/s.ts: "../main/e" reaches src/main/e.ts, outside src/shared',
      'src/shared/s.ts: "node:fs" cannot be loaded in src/preload\'s bundle at run time',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
