// Worker threads whose module is TypeScript: Node 20 gives a worker the parent's `--import` flags but does not
// run them, so the worker first imports the loader the process runs under (tsx in tests,
// scripts/runtime/register.mjs in production), then its own module.
import { pathToFileURL } from 'node:url';
import { Worker, parentPort, type WorkerOptions } from 'node:worker_threads';

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

/** Reply of a call worker: `{ id: 0 }` once ready, then one per call with its result or its error. */
interface CallReply {
  id: number;
  result?: unknown;
  /** An error keeps the fields callers branch on (e.g. a database's SQLSTATE `code`). */
  error?: { message: string } & Record<string, string>;
}

/** Error fields that cross the thread (a database or system error's code and details). */
const ERROR_FIELDS = ['code', 'detail', 'constraint', 'table', 'severity'] as const;

export interface CallWorker<Call> {
  /** Sends one call; resolves with the worker's result, rejects with its error (or when the thread is gone). */
  call(body: Call): Promise<unknown>;
  /** True once the thread failed or exited on its own (every call then rejects). */
  failed(): boolean;
  terminate(): Promise<void>;
}

/**
 * A worker answering calls one message each (its module serves them with `answerCalls`). Resolves once the module
 * is loaded and ready; `idleUnref` lets the process exit while no call is pending.
 */
export async function startCallWorker<Call>(moduleUrl: URL, o: { workerData: unknown; name: string; idleUnref?: boolean }): Promise<CallWorker<Call>> {
  const worker = startModuleWorker(moduleUrl, { workerData: o.workerData });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let failure: Error | null = null;
  let nextId = 1;
  await new Promise<void>((ready, failed) => {
    const fail = (err: Error): void => {
      failure = err;
      failed(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on('message', (reply: CallReply) => {
      if (reply.id === 0) return ready();
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (o.idleUnref && pending.size === 0) worker.unref();
      if (reply.error) p.reject(Object.assign(new Error(reply.error.message), reply.error));
      else p.resolve(reply.result);
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${o.name} exited (code ${code})`)));
  });
  if (o.idleUnref) worker.unref();
  return {
    call(body) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (o.idleUnref && pending.size === 0) worker.ref();
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, body });
      });
    },
    failed: () => failure !== null,
    async terminate() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

/**
 * The worker side: answers each call with `handle`'s result (its `transfer` buffers moved, not copied) or its
 * error, then says it is ready.
 */
export function answerCalls<Call>(handle: (call: Call) => Promise<{ result: unknown; transfer?: ArrayBuffer[] }>): void {
  const port = parentPort;
  if (!port) throw new Error('answerCalls runs only in a worker thread');
  port.on('message', ({ id, body }: { id: number; body: Call }) => {
    handle(body).then(
      ({ result, transfer }) => port.postMessage({ id, result } satisfies CallReply, transfer ?? []),
      (err: unknown) => port.postMessage({ id, error: errorFields(err) } satisfies CallReply),
    );
  });
  port.postMessage({ id: 0 } satisfies CallReply);
}

function errorFields(err: unknown): NonNullable<CallReply['error']> {
  const e = (err ?? {}) as Record<string, unknown>;
  const out: NonNullable<CallReply['error']> = { message: err instanceof Error ? err.message : String(err) };
  for (const k of ERROR_FIELDS) if (typeof e[k] === 'string') out[k] = e[k];
  return out;
}
