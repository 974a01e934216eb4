// The SQL port both store adapters implement (PGlite in-process, PostgreSQL over the network) and row readers.
import type { TracedCompletedEvent } from './port.ts';
import type { RecordResult } from './spend-sql.ts';

export interface SqlRunner {
  query(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Bulk insert with COPY (CSV), in a transaction: PGlite streams it from a blob, Postgres from STDIN; either costs
   * about half of an INSERT over unnest'ed arrays per row (measured). No ON CONFLICT: a duplicate key fails the copy
   * (SQLSTATE 23505), which the caller undoes to a savepoint.
   */
  copyRows?(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /**
   * One statement without parameters over the simple query protocol, where that is much cheaper (PGlite: a small
   * statement costs about a quarter of a parameterised one, measured). Its rows, like query's.
   */
  simple?(text: string): Promise<Record<string, unknown>[]>;
}

/** `text` (no parameters) over the simple protocol where the runner has it, else as a query. */
export function runSimple(tx: SqlRunner, text: string): Promise<Record<string, unknown>[]> {
  return tx.simple ? tx.simple(text) : tx.query(text);
}

/** One CSV field for COPY: NULL unquoted and empty, text always quoted (so '' stays an empty string). */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return `"${text.replaceAll('"', '""')}"`;
}

/** Rows as CSV text for `COPY ... WITH (FORMAT csv)`. */
export function csvRows(rows: readonly (readonly unknown[])[]): string {
  let out = '';
  for (const row of rows) out += `${row.map(csvField).join(',')}\n`;
  return out;
}

export interface SqlExecutor extends SqlRunner {
  readonly dialect: 'pglite' | 'postgres';
  /** Runs several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs `fn` in one transaction; a throw rolls it back. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Where the database runs on another thread: records a batch of completed events there, in one transaction, with
   * the named outbox encoders (see recordCompletedBatchTx). The events cross once instead of a dozen statements'
   * parameters, and the per-event work (spend rows, budget folding, audit hashing) leaves the request loop.
   */
  recordCompletedBatch?(events: readonly TracedCompletedEvent[], nowMs: number, encoders: OutboxEncoding): Promise<RecordResult[]>;
}

/** The outbox payload encoders by name (functions cannot cross a thread): Avro, JSON, or no outbox rows. */
export type OutboxEncoding = 'avro' | 'json' | null;

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid SQL identifier: ${name}`);
  return `"${name}"`;
}

export function num(row: Record<string, unknown>, col: string): number {
  const v = row[col];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || typeof v === 'bigint') return Number(v);
  throw new TypeError(`column ${col} is not a number`);
}

export function numOrNull(row: Record<string, unknown>, col: string): number | null {
  return row[col] === null || row[col] === undefined ? null : num(row, col);
}

export function str(row: Record<string, unknown>, col: string): string {
  const v = row[col];
  if (typeof v === 'string') return v;
  throw new TypeError(`column ${col} is not text`);
}

export function strOrNull(row: Record<string, unknown>, col: string): string | null {
  const v = row[col];
  return v === null || v === undefined ? null : str(row, col);
}

export function ms(row: Record<string, unknown>, col: string): number {
  const v = row[col];
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return Date.parse(v);
  throw new TypeError(`column ${col} is not a timestamp`);
}

export function msOrNull(row: Record<string, unknown>, col: string): number | null {
  return row[col] === null || row[col] === undefined ? null : ms(row, col);
}

export function strArray(row: Record<string, unknown>, col: string): string[] {
  const v = row[col];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new TypeError(`column ${col} is not text[]`);
}

export function bytes(row: Record<string, unknown>, col: string): Uint8Array {
  const v = row[col];
  if (v instanceof Uint8Array) return v;
  throw new TypeError(`column ${col} is not bytea`);
}
