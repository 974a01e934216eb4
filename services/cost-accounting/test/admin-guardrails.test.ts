// Key and team guardrail settings: LiteLLM's `guardrails` field and metadata.guardrails reach the key grant.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@ai-gateway/kit';
import { createAdminApi, type AdminApi } from '../src/admin/api.ts';
import { grantByHash } from '../src/admin/records.ts';
import { hashKey } from '../src/domain/keys.ts';
import { openAccountingStore, type OpenedStore } from '../src/service/open-store.ts';

const logger = createLogger({ name: 'test', level: 'silent' });

describe('admin guardrail settings (PGlite)', () => {
  let opened: OpenedStore;
  let api: AdminApi;
  const post = async (path: string, body: unknown) => {
    const r = await api.handle({ method: 'POST', path, query: {}, body });
    return r as { status: number; body: Record<string, unknown> };
  };
  const grantOf = (secret: string) => grantByHash(opened.sql, hashKey(secret));

  before(async () => {
    opened = await openAccountingStore({ dataDir: null });
    api = createAdminApi({ deps: { sql: opened.sql, logger } });
  });
  after(() => opened.close());

  test('a key generated with guardrails: [...] carries them as switches on; a key without has no settings', async () => {
    const a = await post('/key/generate', { guardrails: ['injection'] });
    assert.equal(a.status, 200);
    assert.deepEqual((a.body['metadata'] as Record<string, unknown>)['guardrails'], ['injection'], 'stored where LiteLLM keeps it');
    assert.deepEqual((await grantOf(a.body['key'] as string))?.guardrails, { switches: { injection: true }, requestMayModify: true });
    const b = await post('/key/generate', {});
    assert.equal((await grantOf(b.body['key'] as string))?.guardrails, undefined);
  });

  test("a team's switches apply to its keys, the key's own entries win, and modify_guardrails: false locks requests", async () => {
    const team = await post('/team/new', { team_id: 'g-team', guardrails: ['injection'], metadata: { guardrails: { pii: false, modify_guardrails: false } } });
    assert.equal(team.status, 200, JSON.stringify(team.body));
    const k = await post('/key/generate', { team_id: 'g-team', metadata: { guardrails: { pii: true } } });
    assert.deepEqual((await grantOf(k.body['key'] as string))?.guardrails, { switches: { injection: true, pii: true }, requestMayModify: false });
    const upd = await post('/team/update', { team_id: 'g-team', guardrails: ['output'] });
    assert.equal(upd.status, 200);
    assert.deepEqual((await grantOf(k.body['key'] as string))?.guardrails, { switches: { output: true, pii: true }, requestMayModify: false }, 'update replaces the on-list, keeps offs and the lock');
  });

  test('key update with guardrails keeps the rest of the metadata; bad shapes are 400', async () => {
    const k = await post('/key/generate', { metadata: { project: 'p1' } });
    const secret = k.body['key'] as string;
    assert.equal((await post('/key/update', { key: secret, guardrails: ['injection'] })).status, 200);
    const info = await api.handle({ method: 'GET', path: '/key/info', query: { key: secret }, body: null });
    assert.deepEqual(((info.body as { info: { metadata: unknown } }).info.metadata), { project: 'p1', guardrails: ['injection'] });
    for (const body of [{ guardrails: 'injection' }, { guardrails: [1] }, { metadata: { guardrails: { pii: 'off' } } }, { metadata: { guardrails: 7 } }]) {
      assert.equal((await post('/key/generate', body)).status, 400, JSON.stringify(body));
    }
  });
});
