import { describe, after } from 'node:test';
import { storeContract } from './store-contract.ts';
import { storeBatchContract } from './store-batch-contract.ts';
import { DATABASE_URL, dropSchema, openPgStore } from './pg-harness.ts';

const schemas: string[] = [];
describe('store contract on PostgreSQL', { skip: DATABASE_URL ? false : 'DATABASE_URL is not set (run scripts/stack up)' }, () => {
  after(async () => {
    for (const s of schemas) await dropSchema(s);
  });
  storeContract('postgres store', async () => {
    const h = await openPgStore();
    schemas.push(h.schema);
    return h;
  });
  storeBatchContract('postgres store', async () => {
    const h = await openPgStore();
    schemas.push(h.schema);
    return h;
  });
});
