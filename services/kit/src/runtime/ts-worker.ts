// Worker threads whose module is TypeScript: Node 20 gives a worker the parent's `--import` flags but does not
// run them, so the worker first imports the loader the process runs under (tsx in tests,
// scripts/runtime/register.mjs in production), then its own module.
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The bootstrap source: loaders from this process's `--import` flags, then `moduleUrl`; a failure is thrown in the worker. */
export function workerBootstrap(moduleUrl: URL, execArgv: readonly string[] = process.execArgv): string {
  const loaders: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i] as string;
    const spec = a === '--import' ? execArgv[++i] : a.startsWith('--import=') ? a.slice('--import='.length) : undefined;
    if (spec) loaders.push(spec.startsWith('.') || spec.startsWith('/') ? pathToFileURL(spec).href : spec);
  }
  // tsx registers its hooks only on the main thread when imported as `--import tsx`; its API registers anywhere.
  const steps = loaders.map((l) => (l === 'tsx' || l === 'tsx/esm' ? 'import("tsx/esm/api").then((m) => m.register())' : `import(${JSON.stringify(l)})`));
  return [...steps, `import(${JSON.stringify(moduleUrl.href)})`]
    .reduce((chain, step) => `${chain}.then(() => ${step})`, 'Promise.resolve()')
    .concat('.catch((err) => { process.nextTick(() => { throw err; }); });');
}

/** Starts a worker running the TypeScript (or JavaScript) module at `moduleUrl`. */
export function startModuleWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  return new Worker(workerBootstrap(moduleUrl), { ...options, eval: true });
}
