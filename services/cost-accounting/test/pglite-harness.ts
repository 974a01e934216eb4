// One in-memory PGlite per test file (starting one costs seconds); every executor it hands out has a fresh schema.
import { after, before } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { createPgliteExecutor } from '../src/store/pglite.ts';
import type { SqlExecutor } from '../src/store/sql.ts';

/** Call at the top of a describe block: opens the database before its tests and closes it after them. */
export function sharedPglite(prefix: string): { executor(): Promise<SqlExecutor> } {
  let db: PGlite | null = null;
  let n = 0;
  before(async () => {
    db = new PGlite();
    await db.waitReady;
  });
  after(() => db?.close());
  return {
    executor() {
      if (!db) throw new Error('sharedPglite: the database opens in the before hook');
      return createPgliteExecutor({ deps: { db }, options: { schema: `${prefix}${++n}` } });
    },
  };
}
