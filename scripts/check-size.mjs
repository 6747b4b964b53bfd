#!/usr/bin/env node
// Size rules of docs/ARCHITECTURE.md: every hand-written file under src/ stays under 500 lines and
// every function (declaration, method, arrow or function expression) under 60 lines. Generated code
// (src/protocol/generated/) is exempt. Prints each breach; exits 1 when there is one.
// `--report` lists the breaches without failing (for work in progress).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = new URL('..', import.meta.url).pathname;
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 60;
const report = process.argv.includes('--report');
const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'generated' && name !== 'node_modules') yield* sources(path);
    } else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

function nameOf(node, sf) {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  return '(anonymous)';
}

const breaches = [];
for (const file of (dirs.length ? dirs : ['src']).flatMap((d) => [...sources(join(ROOT, d))])) {
  const text = readFileSync(file, 'utf8');
  const rel = relative(ROOT, file);
  const lines = text.split('\n').length;
  if (lines > MAX_FILE_LINES) breaches.push(`${rel}: ${lines} lines (file limit ${MAX_FILE_LINES})`);
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.end).line;
      if (end - start + 1 > MAX_FUNCTION_LINES) {
        breaches.push(
          `${rel}:${start + 1}: ${nameOf(node, sf)} is ${end - start + 1} lines (function limit ${MAX_FUNCTION_LINES})`,
        );
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
for (const b of breaches) console.log(b);
if (breaches.length && !report) {
  console.error(`${breaches.length} size breach(es): split them (docs/ARCHITECTURE.md, "Size")`);
  process.exit(1);
}
