// PGlite on a worker thread behind the SQL port: the embedded store's WASM Postgres work (a third of an embedded
// gateway's CPU under load when it ran on the request loop) moves to its own thread; calls and rows cross by message.
import { startCallWorker } from '@ai-gateway/kit';
import type { PgliteOptions } from './pglite.ts';
import type { OutboxEncoding, SqlExecutor, SqlRunner } from './sql.ts';
import type { TracedCompletedEvent } from './port.ts';
import type { RecordResult } from './spend-sql.ts';

/** What the thread is asked; a database error comes back with its SQLSTATE `code` (callers map 23505 and 40001). */
export type ThreadCall =
  | { op: 'query'; text: string; params?: readonly unknown[]; tx?: number }
  | { op: 'exec'; text: string }
  | { op: 'begin'; tx: number }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'recordBatch'; events: readonly TracedCompletedEvent[]; nowMs: number; encoders: OutboxEncoding }
  | { op: 'close' };

/** Starts the thread, opens the database there (on disk under `dataDir`, or in memory) and returns the port. */
export async function createThreadedPgliteExecutor(input: { options?: PgliteOptions } = {}): Promise<SqlExecutor> {
  const worker = await startCallWorker<ThreadCall>(new URL('./pglite-thread.ts', import.meta.url), {
    workerData: input.options ?? {},
    name: 'the embedded database thread',
  });
  const call = (body: ThreadCall): Promise<unknown> => worker.call(body);
  let nextTx = 1;
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
    recordCompletedBatch: async (events, nowMs, encoders) => (await call({ op: 'recordBatch', events, nowMs, encoders })) as RecordResult[],
    async close() {
      if (worker.failed()) return;
      await call({ op: 'close' });
      await worker.terminate();
    },
  };
}
