// Opens the accounting store for a run mode: PostgreSQL when a URL is given, else embedded PGlite on disk
// (one process per data dir, guarded by a pid lock file) or in memory; migrations applied.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createPgliteExecutor } from '../store/pglite.ts';
import { createThreadedPgliteExecutor } from '../store/pglite-worker.ts';
import { createPostgresExecutor } from '../store/postgres.ts';
import type { Store } from '../store/port.ts';
import type { SqlExecutor } from '../store/sql.ts';
import { avroEncoders } from '../store/spend-sql.ts';
import { createSqlStore } from '../store/store.ts';

export interface StoreLocation {
  /** PostgreSQL URL; wins over dataDir. */
  databaseUrl?: string | null;
  /** PGlite data directory (e.g. `.data/pg`); null = in memory. */
  dataDir?: string | null;
  /** Postgres schema (tests use one per run). */
  schema?: string | null;
  maxConnections?: number;
  /** PGlite on its own worker thread (default), off the request loop; false = on the calling thread. */
  pgliteThread?: boolean;
  /** Billing and audit records into the outbox for the Kafka relay (default true). */
  outbox?: boolean;
}

export interface OpenedStore {
  sql: SqlExecutor;
  store: Store;
  /** Where the data lives, for the start-up log (no credentials). */
  describe: string;
  close(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Two processes on one PGlite directory would corrupt it: the second refuses to start. */
function lockDataDir(dir: string): () => void {
  const lockPath = `${resolve(dir)}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
      throw new Error(`the embedded database ${dir} is in use by process ${pid}; stop it, or set general_settings.database_url`);
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
  writeFileSync(lockPath, String(process.pid));
  return () => rmSync(lockPath, { force: true });
}

function openPglite(options: { dataDir?: string }, thread: boolean): Promise<SqlExecutor> {
  return thread ? createThreadedPgliteExecutor({ options }) : createPgliteExecutor({ options });
}

export async function openAccountingStore(loc: StoreLocation): Promise<OpenedStore> {
  let sql: SqlExecutor;
  let unlock = (): void => {};
  let describe: string;
  if (loc.databaseUrl) {
    sql = await createPostgresExecutor({
      options: { connectionString: loc.databaseUrl, ...(loc.schema ? { schema: loc.schema } : {}), maxConnections: loc.maxConnections ?? 10 },
    });
    describe = `postgres ${new URL(loc.databaseUrl).host}${loc.schema ? ` schema ${loc.schema}` : ''}`;
  } else if (loc.dataDir) {
    unlock = lockDataDir(loc.dataDir);
    mkdirSync(loc.dataDir, { recursive: true });
    sql = await openPglite({ dataDir: loc.dataDir }, loc.pgliteThread ?? true);
    describe = `embedded postgres ${loc.dataDir}`;
  } else {
    sql = await openPglite({}, loc.pgliteThread ?? true);
    describe = 'embedded postgres in memory';
  }
  // Outbox payloads are stored as the Avro the relay publishes (it still transcodes JSON rows of older writers).
  const store = createSqlStore({ deps: { sql, encoders: loc.outbox === false ? null : avroEncoders } });
  try {
    await store.migrate();
  } catch (err) {
    await sql.close();
    unlock();
    throw err;
  }
  return {
    sql,
    store,
    describe,
    async close() {
      await store.close();
      unlock();
    },
  };
}
