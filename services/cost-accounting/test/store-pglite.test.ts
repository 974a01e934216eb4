import { describe, before, after } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { createPgliteExecutor } from '../src/store/pglite.ts';
import { createSqlStore } from '../src/store/store.ts';
import { storeContract } from './store-contract.ts';
import { storeBatchContract } from './store-batch-contract.ts';

describe('store contract on PGlite', () => {
  // One in-memory database (starting PGlite costs seconds); each test gets its own schema.
  let db: PGlite;
  let n = 0;
  before(async () => {
    db = new PGlite();
    await db.waitReady;
  });
  after(() => db.close());
  storeContract('pglite store', async () => {
    const sql = await createPgliteExecutor({ deps: { db }, options: { schema: `t${++n}` } });
    return { store: createSqlStore({ deps: { sql } }), sql };
  });
  storeBatchContract('pglite store', async () => {
    const sql = await createPgliteExecutor({ deps: { db }, options: { schema: `t${++n}` } });
    return { store: createSqlStore({ deps: { sql } }), sql };
  });
});
