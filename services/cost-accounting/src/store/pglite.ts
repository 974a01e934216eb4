// PGlite adapter of the SQL port: embedded Postgres (WASM) in this process, on disk under a data dir or in memory.
import { PGlite } from '@electric-sql/pglite';
import { csvRows, quoteIdent, type SqlExecutor, type SqlRunner } from './sql.ts';

export interface PgliteOptions {
  /** e.g. `.data/pg`; omitted = in memory. */
  dataDir?: string;
  /** Postgres schema to use (created if missing); tests use one per suite. */
  schema?: string;
}

/** `deps.db` shares an open database (closing the executor then leaves it open); else one is opened. */
export async function createPgliteExecutor(input: { deps?: { db?: PGlite }; options?: PgliteOptions } = {}): Promise<SqlExecutor> {
  const opts = input.options ?? {};
  const shared = input.deps?.db;
  const db = shared ?? (opts.dataDir ? new PGlite(opts.dataDir) : new PGlite());
  await db.waitReady;
  if (opts.schema) {
    const s = quoteIdent(opts.schema);
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${s}; SET search_path TO ${s}`);
  }
  const run = async (r: Pick<PGlite, 'query'>, text: string, params?: readonly unknown[]) =>
    (await r.query<Record<string, unknown>>(text, params ? [...params] : undefined)).rows;
  const copy = async (r: Pick<PGlite, 'query'>, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]) => {
    if (rows.length === 0) return;
    const target = `${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')})`;
    await r.query(`COPY ${target} FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csvRows(rows)]) });
  };
  const simple = async (r: Pick<PGlite, 'exec'>, text: string) => ((await r.exec(text)).at(-1)?.rows ?? []) as Record<string, unknown>[];
  return {
    dialect: 'pglite',
    query: (text, params) => run(db, text, params),
    copyRows: (table, columns, rows) => copy(db, table, columns, rows),
    simple: (text) => simple(db, text),
    async exec(text) {
      await db.exec(text);
    },
    transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        fn({ query: (text, params) => run(tx, text, params), copyRows: (table, columns, rows) => copy(tx, table, columns, rows), simple: (text) => simple(tx, text) }),
      );
    },
    close: async () => {
      if (!shared) await db.close();
    },
  };
}
