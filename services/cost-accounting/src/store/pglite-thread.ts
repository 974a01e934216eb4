// Worker-thread side of the threaded PGlite executor: owns the embedded database and answers SQL calls by message,
// so the WASM Postgres (parse, plan, page I/O through synchronous fs calls) never runs on the request loop.
import { workerData } from 'node:worker_threads';
import { answerCalls } from '@ai-gateway/kit';
import { createPgliteExecutor, type PgliteOptions } from './pglite.ts';
import type { SqlRunner } from './sql.ts';
import { recordCompletedBatchTx } from './spend-batch-sql.ts';
import { outboxEncoders } from './spend-sql.ts';
import type { ThreadCall } from './pglite-worker.ts';

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
    case 'recordBatch':
      return sql.transaction((tx) => recordCompletedBatchTx(tx, call.events, call.nowMs, outboxEncoders(call.encoders)));
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

answerCalls<ThreadCall>(async (call) => ({ result: await handle(call) }));
