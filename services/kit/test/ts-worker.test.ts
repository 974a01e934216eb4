import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startModuleWorker, workerBootstrap } from '../src/index.ts';

test('the bootstrap imports the process loaders first (tsx through its API, paths as file URLs), then the module', () => {
  const src = workerBootstrap(new URL('file:///m/thread.ts'), ['--import', 'tsx', '--import=./scripts/runtime/register.mjs', '--max-old-space-size=100']);
  const tsx = src.indexOf('tsx/esm/api');
  const reg = src.indexOf(pathToFileURL('./scripts/runtime/register.mjs').href);
  const mod = src.indexOf('file:///m/thread.ts');
  assert.ok(tsx >= 0 && reg > tsx && mod > reg, src);
  assert.doesNotMatch(src, /max-old-space/);
});

test('a TypeScript worker module runs under the loader this process runs under', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-worker-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const file = join(dir, 'echo.ts');
  writeFileSync(file, "import { parentPort } from 'node:worker_threads';\nconst double = (n: number): number => n * 2;\nparentPort?.on('message', (n: number) => parentPort?.postMessage(double(n)));\n");
  const worker = startModuleWorker(pathToFileURL(file));
  try {
    worker.postMessage(21);
    const [answer] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([e]) => Promise.reject(e as Error))])) as [number];
    assert.equal(answer, 42);
  } finally {
    await worker.terminate();
  }
});
