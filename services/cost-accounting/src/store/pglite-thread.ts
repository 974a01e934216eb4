// Worker-thread side of the threaded PGlite executor: owns the embedded database and answers SQL calls by message,
// so the WASM Postgres (parse, plan, page I/O through synchronous fs calls) never runs on the request loop.
import { parentPort, workerData } from 'node:worker_threads';
import { createPgliteExecutor, type PgliteOptions } from './pglite.ts';
import type { SqlRunner } from './sql.ts';
import type { ThreadCall, ThreadReply } from './pglite-worker.ts';

const port = parentPort;
if (!port) throw new Error('pglite-thread runs only as a worker thread');

interface OpenTx {
  runner: SqlRunner;
  /** true = commit, false = roll back. */
  finish(commit: boolean): void;
  /** Settles when the transaction has committed (or rolled back on request); rejects when the commit fails. */
  settled: Promise<void>;
}

const sql = await createPgliteExecutor({ options: workerData as PgliteOptions });
const txs = new Map<number, OpenTx>();
const ROLLBACK = Symbol('rollback requested');

function errorOf(err: unknown): NonNullable<ThreadReply['error']> {
  const e = (err ?? {}) as Record<string, unknown>;
  const out: NonNullable<ThreadReply['error']> = { message: err instanceof Error ? err.message : String(err) };
  for (const k of ['code', 'detail', 'constraint', 'table', 'severity'] as const) if (typeof e[k] === 'string') out[k] = e[k];
  return out;
}

/** Opens a transaction that stays open until the caller ends it; resolves once its queries may run. */
function begin(id: number): Promise<void> {
  return new Promise((opened, failed) => {
    const tx: Partial<OpenTx> = {};
    const decided = new Promise<boolean>((resolve) => (tx.finish = resolve));
    tx.settled = sql
      .transaction(async (runner) => {
        tx.runner = runner;
        txs.set(id, tx as OpenTx);
        opened();
        if (!(await decided)) throw ROLLBACK;
      })
      .then(
        () => undefined,
        (err: unknown) => {
          if (err !== ROLLBACK) throw err;
        },
      )
      .finally(() => txs.delete(id));
    tx.settled.catch((err: unknown) => {
      if (!tx.runner) failed(err);
    });
  });
}

async function handle(call: ThreadCall): Promise<unknown> {
  switch (call.op) {
    case 'query':
      return call.tx === undefined ? sql.query(call.text, call.params) : mustTx(call.tx).runner.query(call.text, call.params);
    case 'exec':
      return sql.exec(call.text);
    case 'begin':
      return begin(call.tx);
    case 'end': {
      const tx = mustTx(call.tx);
      tx.finish(call.commit);
      return tx.settled;
    }
    case 'close':
      await sql.close();
      return undefined;
  }
}

function mustTx(id: number): OpenTx {
  const tx = txs.get(id);
  if (!tx) throw new Error(`no open transaction ${id}`);
  return tx;
}

port.on('message', (call: ThreadCall) => {
  handle(call).then(
    (result) => port.postMessage({ id: call.id, kind: 'result', result } satisfies ThreadReply),
    (err: unknown) => port.postMessage({ id: call.id, kind: 'result', error: errorOf(err) } satisfies ThreadReply),
  );
});
port.postMessage({ id: 0, kind: 'ready' } satisfies ThreadReply);
