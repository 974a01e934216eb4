// `npm run audit:verify` against real stores: proves an intact chain, and names the first broken seq after a row is
// changed, deleted or reordered behind the append-only trigger's back. Raw prompts never reach the audit trail.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPgliteExecutor } from '../src/store/pglite.ts';
import { createSqlStore } from '../src/store/store.ts';
import type { SqlExecutor } from '../src/store/sql.ts';
import type { Store } from '../src/store/port.ts';
import { completedEvent } from './fixtures.ts';
import { DATABASE_URL, dropSchema, openPgStore } from './pg-harness.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(ROOT, 'scripts/audit-verify.ts');

function verify(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, timeout: 60_000, env: { ...process.env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      res({ code, out: `${stdout}${stderr}` });
    });
  });
}

async function seed(store: Store, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await store.recordCompleted(completedEvent({ requestId: `av-${i}`, promptDigest: `sha256:${i}`, response: `{"choices":[{"message":{"content":"RAW-SECRET-${i}"}}]}` }));
  }
}

/** What a DBA with owner rights could do: the append-only trigger is switched off first. */
const TAMPER: Record<string, { sql: string; brokenSeq: number; reason: RegExp }> = {
  changed: { sql: `UPDATE audit_log SET model = 'gpt-3.5-turbo' WHERE seq = 3`, brokenSeq: 3, reason: /hash of seq 3 does not match/ },
  deleted: { sql: 'DELETE FROM audit_log WHERE seq = 2', brokenSeq: 2, reason: /seq 2 is missing/ },
  reordered: { sql: 'UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = -1', brokenSeq: 2, reason: /prev_hash of seq 2/ },
  'deleted at the end': { sql: 'DELETE FROM audit_log WHERE seq = 5', brokenSeq: 5, reason: /rows after seq 4 are missing/ },
};

async function tamper(sql: SqlExecutor, statements: string): Promise<void> {
  await sql.exec(`ALTER TABLE audit_log DISABLE TRIGGER USER; ${statements}; ALTER TABLE audit_log ENABLE TRIGGER USER;`);
}

describe('audit:verify on PostgreSQL', { skip: DATABASE_URL ? false : 'DATABASE_URL is not set' }, () => {
  test('audit:verify - an intact chain exits 0 and prints the record count and head hash', async () => {
    const h = await openPgStore();
    try {
      await h.store.migrate();
      await seed(h.store, 5);
      const head = await h.store.verifyAuditChain();
      assert.ok(head.ok);
      const r = await verify(['--schema', h.schema]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, new RegExp(`audit chain ok: 5 records, head ${head.headHash}`));
    } finally {
      await h.store.close();
      await dropSchema(h.schema);
    }
  });

  for (const [what, t] of Object.entries(TAMPER)) {
    test(`audit:verify - a ${what} row exits 1 naming seq ${t.brokenSeq}`, async () => {
      const h = await openPgStore();
      try {
        await h.store.migrate();
        await seed(h.store, 5);
        await tamper(h.sql, t.sql);
        const r = await verify(['--schema', h.schema]);
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, new RegExp(`BROKEN at seq ${t.brokenSeq}:`));
        assert.match(r.out, t.reason);
      } finally {
        await h.store.close();
        await dropSchema(h.schema);
      }
    });
  }
});

describe('audit:verify on embedded PGlite', () => {
  test('audit:verify - reads an embedded data directory and detects a changed row there too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-verify-'));
    try {
      const sql = await createPgliteExecutor({ options: { dataDir: join(dir, 'pg') } });
      const store = createSqlStore({ deps: { sql } });
      await store.migrate();
      await seed(store, 3);
      await store.close();
      const ok = await verify(['--data-dir', join(dir, 'pg')]);
      assert.equal(ok.code, 0, ok.out);
      assert.match(ok.out, /audit chain ok: 3 records, head [0-9a-f]{64}/);
      const sql2 = await createPgliteExecutor({ options: { dataDir: join(dir, 'pg') } });
      await tamper(sql2, `UPDATE audit_log SET outcome = 'error' WHERE seq = 2`);
      await sql2.close();
      const bad = await verify(['--data-dir', join(dir, 'pg')]);
      assert.equal(bad.code, 1, bad.out);
      assert.match(bad.out, /BROKEN at seq 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('audit:verify - a missing store exits 2 with a message', async () => {
    const r = await verify(['--data-dir', join(tmpdir(), 'no-such-audit-dir-xyz')]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /no embedded database/);
  });

  test('audit trail - holds the prompt digest only: no response or prompt text in audit rows or audit outbox payloads', async () => {
    const sql = await createPgliteExecutor();
    const store = createSqlStore({ deps: { sql } });
    try {
      await store.migrate();
      await seed(store, 2);
      const rows = await sql.query('SELECT * FROM audit_log');
      const text = JSON.stringify(rows);
      assert.ok(!text.includes('RAW-SECRET'));
      assert.ok(text.includes('sha256:1'));
      const outbox = await sql.query(`SELECT convert_from(payload, 'UTF8') AS p FROM outbox WHERE topic = 'ai-gateway.audit.v1'`);
      assert.equal(outbox.length, 2);
      for (const o of outbox) assert.ok(!String(o['p']).includes('RAW-SECRET'));
    } finally {
      await store.close();
    }
  });
});
