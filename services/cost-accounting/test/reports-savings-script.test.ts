// `npm run report:savings` on an embedded data directory: the table shows spend, cache savings and routing savings
// by team and model; a config prices requested model groups at their primary deployment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPgliteExecutor } from '../src/store/pglite.ts';
import { createSqlStore } from '../src/store/store.ts';
import { completedEvent } from './fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(ROOT, 'scripts/report-savings.ts');

function run(args: string[]): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((res) => {
    const env = { ...process.env };
    delete env['DATABASE_URL'];
    execFile(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, timeout: 60_000, env }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, out: `${stdout}${stderr}`, stdout });
    });
  });
}

const AT = Date.parse('2026-11-20T12:00:00Z');
const usage = { promptTokens: 1000, completionTokens: 100, cachedTokens: 0, totalTokens: 1100 };
const tenant = (teamId: string) => ({ keyId: `key-${teamId}`, keyAlias: null, teamId, userId: null, projectId: null });

test('report:savings - prints spend, cache and routing savings by team and model for the period', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-savings-'));
  try {
    const sql = await createPgliteExecutor({ options: { dataDir: join(dir, 'pg') } });
    const store = createSqlStore({ deps: { sql } });
    await store.migrate();
    // "smart" is a model group whose primary deployment is gpt-4o; the router sent one request to gpt-4o-mini.
    await store.recordCompleted(completedEvent({ requestId: 's1', tenant: tenant('search'), requestedModel: 'smart', modelGroup: 'smart', providerModel: 'gpt-4o', finishedAtMs: AT, costUsd: 0.0035, usage }));
    await store.recordCompleted(completedEvent({ requestId: 's2', tenant: tenant('search'), requestedModel: 'smart', modelGroup: 'smart', providerModel: 'gpt-4o-mini', finishedAtMs: AT + 1, costUsd: 0.00021, usage }));
    await store.recordCompleted(completedEvent({ requestId: 's3', tenant: tenant('support'), requestedModel: 'smart', modelGroup: 'smart', providerModel: 'gpt-4o', finishedAtMs: AT + 2, costUsd: 0, savedUsd: 0.0035, cacheStatus: 'semantic_hit', usage }));
    await store.recordCompleted(completedEvent({ requestId: 'old', tenant: tenant('support'), finishedAtMs: Date.parse('2026-10-01T00:00:00Z'), costUsd: 5, usage }));
    await store.close();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `model_list:
  - model_name: smart
    litellm_params: { model: openai/gpt-4o, api_key: sk-x }
  - model_name: smart
    litellm_params: { model: openai/gpt-4o-mini, api_key: sk-x }
`);
    const r = await run(['--from', '2026-11-01', '--to', '2026-11-30', '--data-dir', join(dir, 'pg'), '--config', config]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Spend and savings, 2026-11-01 to 2026-11-30/);
    const total = r.out.split('\n').find((l) => l.startsWith('TOTAL'));
    // 3 requests, spend 0.0037, 1 cache hit saving 0.0035, routing saved 0.0035 - 0.00021 = 0.0033 (4 places).
    assert.match(total ?? '', /^TOTAL\s+3\s+0\.0037\s+1\s+0\.0035\s+0\.0033\s+0\.0068\s+0\.0105\s+64\.7%$/, r.out);
    assert.match(r.out, /^search\s+smart\s+2\s+0\.0037\s+0\s+0\.0000\s+0\.0033/m);
    assert.match(r.out, /^support\s+smart\s+1\s+0\.0000\s+1\s+0\.0035\s+0\.0000/m);
    assert.match(r.out, /By team\n/);
    assert.match(r.out, /By requested model\n/);
    const json = await run(['--from', '2026-11-01', '--to', '2026-11-30', '--data-dir', join(dir, 'pg'), '--config', config, '--json']);
    const parsed = JSON.parse(json.stdout) as { totals: { requests: number; routing_savings: number } };
    assert.equal(parsed.totals.requests, 3);
    assert.ok(Math.abs(parsed.totals.routing_savings - (0.0035 - 0.00021)) < 1e-9);
    const bad = await run(['--from', '2026-11-30', '--to', '2026-11-01', '--data-dir', join(dir, 'pg')]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /end_date must not be before start_date/);
    assert.equal((await run([])).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
