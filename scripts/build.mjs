#!/usr/bin/env node
// `nx run <pkg>:build`: transpiles a package's src/**/*.ts with the production loader's esbuild settings into
// dist/, so syntax the loader cannot handle fails the build, not a start-up. Run from the package folder.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const pkgDir = process.cwd();
const entryPoints = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts')) entryPoints.push(path);
  }
})(join(pkgDir, 'src'));

await build({
  entryPoints,
  outdir: join(pkgDir, 'dist'),
  outbase: join(pkgDir, 'src'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  keepNames: false,
  logLevel: 'warning',
});
console.log(`build: ${entryPoints.length} files → ${relative(process.cwd(), join(pkgDir, 'dist'))}/`);
