// PGlite on a worker thread behind the SQL port: the embedded store's WASM Postgres work (a third of an embedded
// gateway's CPU under load when it ran on the request loop) moves to its own thread; calls and rows cross by message.
import { startModuleWorker } from '@ai-gateway/kit';
import type { PgliteOptions } from './pglite.ts';
import type { SqlExecutor, SqlRunner } from './sql.ts';

export type ThreadCall =
  | { id: number; op: 'query'; text: string; params?: readonly unknown[]; tx?: number }
  | { id: number; op: 'exec'; text: string }
  | { id: number; op: 'begin'; tx: number }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

type CallBody = ThreadCall extends infer C ? (C extends ThreadCall ? Omit<C, 'id'> : never) : never;

export interface ThreadReply {
  id: number;
  kind: 'ready' | 'result';
  result?: unknown;
  /** A database error keeps its SQLSTATE `code` (callers map 23505 and 40001) and detail. */
  error?: { message: string; code?: string; detail?: string; constraint?: string; table?: string; severity?: string };
}

function toError(e: NonNullable<ThreadReply['error']>): Error {
  return Object.assign(new Error(e.message), e);
}

/** Starts the thread, opens the database there (on disk under `dataDir`, or in memory) and returns the port. */
export async function createThreadedPgliteExecutor(input: { options?: PgliteOptions } = {}): Promise<SqlExecutor> {
  const worker = startModuleWorker(new URL('./pglite-thread.ts', import.meta.url), { workerData: input.options ?? {} });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  let nextTx = 1;
  let failure: Error | null = null;

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: ThreadReply) => {
      if (reply.kind === 'ready') return resolve();
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.error) p.reject(toError(reply.error));
      else p.resolve(reply.result);
    });
    const fail = (err: Error): void => {
      failure = err;
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded database thread exited (code ${code})`)));
  });
  await ready;

  const call = (body: CallBody): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...body, id });
    });
  };
  const query = async (text: string, params?: readonly unknown[], tx?: number): Promise<Record<string, unknown>[]> =>
    (await call({ op: 'query', text, ...(params ? { params } : {}), ...(tx === undefined ? {} : { tx }) })) as Record<string, unknown>[];

  return {
    dialect: 'pglite',
    query: (text, params) => query(text, params),
    async exec(text) {
      await call({ op: 'exec', text });
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      const tx = nextTx++;
      await call({ op: 'begin', tx });
      let result: T;
      try {
        result = await fn({ query: (text, params) => query(text, params, tx) });
      } catch (err) {
        await call({ op: 'end', tx, commit: false }).catch(() => {});
        throw err;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    async close() {
      if (failure) return;
      await call({ op: 'close' });
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
