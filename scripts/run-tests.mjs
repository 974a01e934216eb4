#!/usr/bin/env node
// Runs every *.test.ts under the given roots (default: services and test) in one
// node:test run, so CI reads one closing summary.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { spawn } from 'node:child_process';

const repo = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const roots = args.filter((a) => !a.startsWith('--'));
const searchRoots = (roots.length ? roots : ['services', 'test']).map((r) => resolve(repo, r));

function collect(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
}

const files = [];
for (const root of searchRoots) {
  if (statSync(root, { throwIfNoEntry: false })?.isFile()) files.push(root);
  else collect(root, files);
}
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files found under', roots.join(' ') || 'services test');
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...flags, ...files.map((f) => relative(repo, f))],
  { cwd: repo, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
