// Admin API over embedded Postgres: LiteLLM fields, hashed keys, refused input changes nothing, config import.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type VirtualKeyConfig } from '@ai-gateway/kit';
import { createAdminApi, importConfigKeys, type AdminApi } from '../src/admin/api.ts';
import { openAccountingStore, type OpenedStore } from '../src/service/open-store.ts';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('admin api (PGlite)', () => {
  let opened: OpenedStore;
  let api: AdminApi;
  const post = (path: string, body: unknown) => api.handle({ method: 'POST', path, query: {}, body });
  const get = (path: string, query: Record<string, string>) => api.handle({ method: 'GET', path, query, body: null });
  const count = async (table: string) => Number((await opened.sql.query(`SELECT count(*)::int AS n FROM ${table}`))[0]?.['n']);

  before(async () => {
    opened = await openAccountingStore({ dataDir: null });
    api = createAdminApi({ deps: { sql: opened.sql, logger } });
  });
  after(() => opened.close());

  test('admin - a generated key is stored only as its sha256 and shown once', async () => {
    const r = await post('/key/generate', { key_alias: 'hashed', max_budget: 1, tpm_limit: 1000, max_parallel_requests: 2 });
    assert.equal(r.status, 200);
    const secret = (r.body as { key: string }).key;
    const dump = JSON.stringify(await opened.sql.query('SELECT * FROM keys'));
    assert.ok(!dump.includes(secret), 'the secret is not in the keys table');
    const info = await get('/key/info', { key: secret });
    assert.ok(!JSON.stringify(info.body).includes(secret));
    assert.equal((info.body as { info: { tpm_limit: number } }).info.tpm_limit, 1000);
    assert.deepEqual(r.change?.keyHashes.length, 1);
  });

  test('admin - wrong types, negative budgets, unknown team and duplicate alias are 400 and write nothing', async () => {
    await post('/key/generate', { key_alias: 'taken' });
    const before = { keys: await count('keys'), budgets: await count('budgets'), teams: await count('teams'), users: await count('users') };
    const bad: [string, unknown][] = [
      ['/key/generate', { max_budget: '5' }], ['/key/generate', { max_budget: -0.01 }], ['/key/generate', { team_id: 'ghost' }],
      ['/key/generate', { key_alias: 'taken' }], ['/key/generate', { metadata: 'x' }], ['/key/generate', { duration: 'forever' }],
      ['/key/generate', { key: 'not-sk-prefixed' }], ['/key/generate', { user_id: 'u-new', rpm_limit: -1 }],
      ['/team/new', { team_alias: 't', models: [1] }], ['/user/new', { user_id: 'u-x', teams: ['ghost'] }],
      ['/team/member_add', { team_id: 'ghost', member: { user_id: 'u' } }],
    ];
    for (const [path, body] of bad) {
      const r = await post(path, body);
      assert.ok(r.status === 400 || r.status === 404, `${path} ${JSON.stringify(body)} → ${r.status}`);
      assert.equal(typeof (r.body as { error: { message: string } }).error.message, 'string');
    }
    assert.deepEqual({ keys: await count('keys'), budgets: await count('budgets'), teams: await count('teams'), users: await count('users') }, before);
  });

  test('admin - unknown routes are 404 and do not throw', async () => {
    assert.equal((await get('/key/nope', {})).status, 404);
  });

  test('admin - config virtual_keys are imported once, with their team, however often start-up runs', async () => {
    const keys = [{ key: 'sk-from-config-1', key_alias: 'cfg-1', max_budget: 3, team_id: 'cfg-team', metadata: {}, allowed_models: ['gpt-4o'] }] as VirtualKeyConfig[];
    const first = await importConfigKeys({ deps: { sql: opened.sql, logger }, keys });
    const again = await Promise.all([1, 2].map(() => importConfigKeys({ deps: { sql: opened.sql, logger }, keys })));
    assert.equal(first, 1);
    assert.deepEqual(again, [0, 0]);
    const info = await get('/key/info', { key: 'sk-from-config-1' });
    assert.equal((info.body as { info: { team_id: string; max_budget: number } }).info.team_id, 'cfg-team');
    assert.deepEqual((info.body as { info: { models: string[] } }).info.models, ['gpt-4o']);
  });
});
