// Module hooks for the production loader: .ts files (the gateway's own, imported with explicit .ts
// extensions) are transpiled by esbuild; everything else loads as Node would load it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  const { code } = await transform(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
    keepNames: false,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
