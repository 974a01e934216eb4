// PostgreSQL adapter of the SQL port (node-postgres pool); DATABASE_URL in production.
import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { csvRows, quoteIdent, type SqlExecutor, type SqlRunner } from './sql.ts';

export interface PostgresOptions {
  connectionString: string;
  /** Postgres schema to use (created if missing); tests use one per suite. */
  schema?: string;
  maxConnections?: number;
}

export async function createPostgresExecutor(input: { options: PostgresOptions }): Promise<SqlExecutor> {
  const { connectionString, schema, maxConnections = 10 } = input.options;
  if (schema) {
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const run = async (c: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) =>
    (await c.query<Record<string, unknown>>(text, params ? [...params] : undefined)).rows;
  // COPY … FROM STDIN: the rows travel as one CSV text instead of one array parameter per column, which node-postgres
  // spells element by element and the server parses back (the larger part of recording a batch, measured).
  const copy = async (c: pg.PoolClient, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]) => {
    if (rows.length === 0) return;
    const stream = c.query(copyFrom(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (FORMAT csv)`));
    const done = once(stream, 'finish');
    stream.end(csvRows(rows));
    await done;
  };
  return {
    dialect: 'postgres',
    query: (text, params) => run(pool, text, params),
    async exec(text) {
      await pool.query(text);
    },
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (text, params) => run(client, text, params), copyRows: (table, columns, rows) => copy(client, table, columns, rows) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
