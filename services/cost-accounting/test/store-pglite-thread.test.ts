import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createThreadedPgliteExecutor } from '../src/store/pglite-worker.ts';
import { createSqlStore } from '../src/store/store.ts';
import type { SqlExecutor } from '../src/store/sql.ts';
import { storeContract } from './store-contract.ts';
import { storeBatchContract } from './store-batch-contract.ts';

describe('store contract on PGlite in a worker thread', () => {
  // One database thread for the suite (starting PGlite costs seconds); each test gets its own schema.
  let shared: SqlExecutor;
  let n = 0;
  before(async () => {
    shared = await createThreadedPgliteExecutor();
  });
  after(() => shared.close());
  const open = async () => {
    const schema = `t${++n}`;
    await shared.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    const sql: SqlExecutor = { ...shared, close: async () => {} };
    return { store: createSqlStore({ deps: { sql } }), sql };
  };
  storeContract('threaded pglite store', open);
  storeBatchContract('threaded pglite store', open);

  test('a database error crosses the thread with its SQLSTATE code', async () => {
    await shared.exec('CREATE SCHEMA errs; SET search_path TO errs; CREATE TABLE u (id text PRIMARY KEY)');
    await shared.query('INSERT INTO u VALUES ($1)', ['a']);
    await assert.rejects(shared.query('INSERT INTO u VALUES ($1)', ['a']), (err: { code?: string; message: string }) => {
      assert.equal(err.code, '23505');
      assert.match(err.message, /duplicate key/);
      return true;
    });
  });

  test('a throw inside a transaction rolls back every statement of it; a commit keeps them', async () => {
    await shared.exec('CREATE SCHEMA txs; SET search_path TO txs; CREATE TABLE v (id int)');
    await assert.rejects(
      shared.transaction(async (tx) => {
        await tx.query('INSERT INTO v VALUES (1)');
        await tx.query('INSERT INTO v VALUES (2)');
        throw new Error('caller failed');
      }),
      /caller failed/,
    );
    assert.deepEqual(await shared.query('SELECT count(*)::int AS n FROM v'), [{ n: 0 }]);
    const out = await shared.transaction(async (tx) => {
      await tx.query('INSERT INTO v VALUES (3)');
      return (await tx.query('SELECT count(*)::int AS n FROM v'))[0];
    });
    assert.deepEqual(out, { n: 1 });
    assert.deepEqual(await shared.query('SELECT id FROM v'), [{ id: 3 }]);
  });

  test('a query outside a transaction waits for the open one instead of seeing its uncommitted rows', async () => {
    await shared.exec('CREATE SCHEMA iso; SET search_path TO iso; CREATE TABLE w (id int)');
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const txDone = shared.transaction(async (tx) => {
      await tx.query('INSERT INTO w VALUES (1)');
      await gate;
    });
    await new Promise((r) => setTimeout(r, 20));
    const outside = shared.query('SELECT count(*)::int AS n FROM w');
    release();
    await txDone;
    assert.deepEqual(await outside, [{ n: 1 }]);
  });
});
