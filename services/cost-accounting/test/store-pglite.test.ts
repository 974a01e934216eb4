import { describe } from 'node:test';
import { createSqlStore } from '../src/store/store.ts';
import { storeContract } from './store-contract.ts';
import { storeBatchContract } from './store-batch-contract.ts';
import { sharedPglite } from './pglite-harness.ts';

describe('store contract on PGlite', () => {
  const pglite = sharedPglite('t');
  storeContract('pglite store', async () => {
    const sql = await pglite.executor();
    return { store: createSqlStore({ deps: { sql } }), sql };
  });
  storeBatchContract('pglite store', async () => {
    const sql = await pglite.executor();
    return { store: createSqlStore({ deps: { sql } }), sql };
  });
});
