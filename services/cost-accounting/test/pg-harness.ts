// Disposable PostgreSQL schemas for tests against the real server at DATABASE_URL.
import pg from 'pg';
import { createPostgresExecutor } from '../src/store/postgres.ts';
import { createSqlStore } from '../src/store/store.ts';
import type { StoreHarness } from './store-contract.ts';

export const DATABASE_URL = process.env['DATABASE_URL'];
let n = 0;

/** A store on a fresh schema; closing it drops the schema. */
export async function openPgStore(opts: { schema?: string; maxConnections?: number } = {}): Promise<StoreHarness & { schema: string }> {
  if (!DATABASE_URL) throw new Error('DATABASE_URL is not set');
  const schema = opts.schema ?? `ca_test_${process.pid}_${Date.now() % 100_000}_${++n}`;
  const sql = await createPostgresExecutor({ options: { connectionString: DATABASE_URL, schema, maxConnections: opts.maxConnections ?? 10 } });
  const store = createSqlStore({ deps: { sql } });
  return { schema, sql, store: { ...store, close: () => store.close() } };
}

export async function dropSchema(schema: string): Promise<void> {
  if (!DATABASE_URL) return;
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}
