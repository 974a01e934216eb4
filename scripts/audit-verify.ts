// npm run audit:verify [-- --database-url URL | --data-dir DIR] [--schema NAME]
// Walks the hash-chained audit log; exit 0 and prints count + head hash when every link holds, exit 1 naming the
// first broken seq when one does not, exit 2 when the store cannot be read.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createPgliteExecutor, createPostgresExecutor, createSqlStore, type ChainVerdict, type SqlExecutor } from '@ai-gateway/cost-accounting';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

async function open(o: { url: string | undefined; dataDir: string; schema: string | undefined }): Promise<{ sql: SqlExecutor; where: string }> {
  if (o.url) {
    const sql = await createPostgresExecutor({ options: { connectionString: o.url, maxConnections: 1, ...(o.schema ? { schema: o.schema } : {}) } });
    return { sql, where: `postgres ${new URL(o.url).host}${o.schema ? ` schema ${o.schema}` : ''}` };
  }
  const dir = resolve(o.dataDir);
  if (!existsSync(dir)) throw new Error(`no embedded database at ${dir} (set DATABASE_URL or pass --data-dir)`);
  // PGlite is single-process: opening the directory of a running gateway could corrupt it.
  const lock = `${dir}.lock`;
  const pid = existsSync(lock) ? Number(readFileSync(lock, 'utf8').trim()) : Number.NaN;
  if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) throw new Error(`${dir} is in use by process ${pid}; stop the gateway first or verify against PostgreSQL`);
  return { sql: await createPgliteExecutor({ options: { dataDir: dir, ...(o.schema ? { schema: o.schema } : {}) } }), where: `embedded postgres ${dir}` };
}

export function describeVerdict(v: ChainVerdict): string {
  return v.ok ? `audit chain ok: ${v.count} records, head ${v.headHash}` : `audit chain BROKEN at seq ${v.firstBrokenSeq}: ${v.reason} (${v.count} records verified before it)`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { 'database-url': { type: 'string' }, 'data-dir': { type: 'string' }, schema: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: false,
  });
  const dataDir = values['data-dir'];
  const url = values['database-url'] ?? (dataDir ? undefined : process.env['DATABASE_URL']);
  const { sql, where } = await open({ url, dataDir: dataDir ?? process.env['GATEWAY_DATA_DIR'] ?? '.data/pg', schema: values.schema });
  try {
    const verdict = await createSqlStore({ deps: { sql } }).verifyAuditChain();
    process.stdout.write(values.json ? `${JSON.stringify({ ...verdict, store: where })}\n` : `${describeVerdict(verdict)} [${where}]\n`);
    return verdict.ok ? 0 : 1;
  } finally {
    await sql.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
