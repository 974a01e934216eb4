// End to end: the LiteLLM admin API (keys, teams, users, /model/info) and enforcement before dispatch —
// model access, rpm 429 with headers, budgets 400 with reset time, expiry, cache invalidation — in both modes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@ai-gateway/kit';
import { startEmbedded } from '@ai-gateway/gateway';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, memoryLogger, startTestGateway, type TestGateway } from '../support/gateway.ts';

interface Res {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

const tag = () => randomBytes(4).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const mode of MODES) {
  describe(`keys and budgets (${mode})`, () => {
    let fake: FakeServer;
    let gw: TestGateway;

    before(async () => {
      fake = await startFakeOpenAI();
      // Output at $0.0001/token, input free: a request with max_tokens 8 reserves exactly what it costs (8 tokens out).
      gw = await startTestGateway({
        mode,
        yaml: `
model_list:
  - model_name: cheap
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${fake.url}/v1, api_key: sk-fake }
    model_info: { input_cost_per_token: 0, output_cost_per_token: 0.0001 }
  - model_name: other
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake }
`,
      });
    });
    after(async () => {
      await gw?.close();
      await fake?.close();
    });

    async function call(method: string, path: string, body?: unknown, key = MASTER_KEY): Promise<Res> {
      const res = await fetch(`${gw.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
    }
    const admin = (path: string, body: unknown) => call('POST', path, body);
    const chat = (key: string, model = 'cheap', extra: Record<string, unknown> = {}) =>
      call('POST', '/v1/chat/completions', { model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }], ...extra }, key);
    const errorOf = (r: Res) => r.body['error'] as { code: string; message: string; type: string };

    test('admin - key generate/info/update/list/regenerate/delete round trip with the secret shown once', async () => {
      const alias = `ci-${tag()}`;
      const made = await admin('/key/generate', { key_alias: alias, models: ['cheap'], max_budget: 5, budget_duration: '30d', rpm_limit: 100, metadata: { project: 'p1' } });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      const secret = made.body['key'] as string;
      assert.match(secret, /^sk-/);
      assert.equal(made.body['key_alias'], alias);
      assert.deepEqual(made.body['models'], ['cheap']);
      assert.equal(made.body['max_budget'], 5);
      assert.equal(made.body['budget_duration'], '30d');
      assert.equal(typeof made.body['budget_reset_at'], 'string');
      const info = await call('GET', `/key/info?key=${secret}`);
      assert.equal(info.status, 200);
      assert.ok(!JSON.stringify(info.body).includes(secret), 'the secret is never shown again');
      assert.equal((info.body['info'] as Record<string, unknown>)['rpm_limit'], 100);
      const upd = await admin('/key/update', { key: secret, rpm_limit: 7, models: ['cheap', 'other'] });
      assert.equal(upd.status, 200, JSON.stringify(upd.body));
      assert.equal(upd.body['rpm_limit'], 7);
      assert.equal(upd.body['max_budget'], 5, 'fields not given keep their value');
      const list = await call('GET', `/key/list?key_alias=${alias}&return_full_object=true`);
      assert.equal(list.body['total_count'], 1);
      assert.equal(((list.body['keys'] as Record<string, unknown>[])[0] ?? {})['key_alias'], alias);
      assert.equal((await chat(secret)).status, 200);
      const regen = await admin('/key/regenerate', { key: secret });
      assert.equal(regen.status, 200);
      const fresh = regen.body['key'] as string;
      assert.notEqual(fresh, secret);
      assert.equal(regen.body['rpm_limit'], 7, 'limits survive regeneration');
      assert.equal((await chat(secret)).status, 401, 'the old secret stops working at once');
      assert.equal((await chat(fresh)).status, 200);
      const del = await admin('/key/delete', { keys: [fresh] });
      assert.deepEqual(del.body, { deleted_keys: [fresh] });
      assert.equal((await chat(fresh)).status, 401, 'a deleted key is refused without a restart');
      assert.equal((await call('GET', `/key/info?key=${fresh}`)).status, 404);
    });

    test('admin - teams with members, user with budget, /model/info, and master key required', async () => {
      const team = `team-${tag()}`;
      const made = await admin('/team/new', { team_id: team, team_alias: team, models: ['cheap'], max_budget: 10, members_with_roles: [{ role: 'admin', user_id: `u-${team}` }] });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      assert.deepEqual(made.body['members_with_roles'], [{ user_id: `u-${team}`, role: 'admin' }]);
      assert.equal((await admin('/team/member_add', { team_id: team, member: { role: 'user', user_id: `v-${team}` } })).status, 200);
      assert.equal((await admin('/team/member_delete', { team_id: team, user_id: `u-${team}` })).status, 200);
      const upd = await admin('/team/update', { team_id: team, rpm_limit: 30 });
      assert.equal(((upd.body['data'] as Record<string, unknown>)['rpm_limit']), 30);
      const info = await call('GET', `/team/info?team_id=${team}`);
      assert.deepEqual((info.body['team_info'] as Record<string, unknown>)['members_with_roles'], [{ user_id: `v-${team}`, role: 'user' }]);
      const teams = await call('GET', '/team/list');
      assert.ok(Array.isArray(teams.body) && (teams.body as unknown as { team_id: string }[]).some((t) => t.team_id === team));
      const user = await admin('/user/new', { user_id: `w-${team}`, user_email: 'w@example.com', max_budget: 2, teams: [team] });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      assert.match(user.body['key'] as string, /^sk-/);
      const uinfo = await call('GET', `/user/info?user_id=w-${team}`);
      assert.equal((uinfo.body['user_info'] as Record<string, unknown>)['max_budget'], 2);
      assert.equal((uinfo.body['keys'] as unknown[]).length, 1);
      assert.equal((await admin('/team/delete', { team_ids: [team] })).status, 200);
      assert.equal((await call('GET', `/team/info?team_id=${team}`)).status, 404);
      const mi = await call('GET', '/model/info');
      const cheap = (mi.body['data'] as { model_name: string; model_info: Record<string, unknown>; litellm_params: Record<string, unknown> }[]).find((d) => d.model_name === 'cheap');
      assert.equal(cheap?.model_info['output_cost_per_token'], 0.0001);
      assert.ok(!('api_key' in (cheap?.litellm_params ?? {})), 'no credentials in /model/info');
      assert.equal((await call('GET', '/key/list', undefined, 'sk-not-the-master')).status, 401);
      assert.equal((await call('GET', '/key/list', undefined, user.body['key'] as string)).status, 401, 'a virtual key is not an admin');
    });

    test('admin - bad input is a clear 400/404 and changes nothing', async () => {
      const alias = `dup-${tag()}`;
      assert.equal((await admin('/key/generate', { key_alias: alias })).status, 200);
      const cases: [string, unknown, string][] = [
        ['/key/generate', { max_budget: 'ten' }, 'max_budget'],
        ['/key/generate', { max_budget: -1 }, 'max_budget'],
        ['/key/generate', { rpm_limit: 1.5 }, 'rpm_limit'],
        ['/key/generate', { budget_duration: 'often' }, 'budget_duration'],
        ['/key/generate', { models: 'cheap' }, 'models'],
        ['/key/generate', { team_id: `no-such-team-${tag()}` }, 'team_id'],
        ['/key/generate', { key_alias: alias }, 'key_alias'],
        ['/team/new', { team_alias: 'x', max_budget: -5 }, 'max_budget'],
        ['/key/generate', '[1,2]', 'body'],
      ];
      const before = (await call('GET', '/key/list?size=1')).body['total_count'] as number;
      for (const [path, body, param] of cases) {
        const r = await admin(path, body);
        assert.equal(r.status, 400, `${path} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.match(errorOf(r).message, new RegExp(param), `the message names ${param}`);
      }
      const afterCount = (await call('GET', '/key/list?size=1')).body['total_count'] as number;
      assert.ok(afterCount <= before + 1, 'no key was created by a refused call'); // +1: a parallel suite may add one
      assert.equal((await call('GET', `/key/list?key_alias=${alias}`)).body['total_count'], 1);
      assert.equal((await admin('/key/update', { key: 'sk-unknown', rpm_limit: 1 })).status, 404);
      assert.equal((await admin('/key/delete', { keys: ['sk-unknown'] })).status, 404);
      assert.equal((await admin('/team/update', { team_id: `nope-${tag()}`, rpm_limit: 1 })).status, 404);
      assert.equal((await call('POST', '/key/generate', '{"max_budget": ')).status, 400);
    });

    test('enforcement - rpm_limit answers 429 with retry-after and x-ratelimit headers', async () => {
      const key = (await admin('/key/generate', { key_alias: `rpm-${tag()}`, rpm_limit: 2 })).body['key'] as string;
      assert.equal((await chat(key)).status, 200);
      assert.equal((await chat(key)).status, 200);
      const r = await chat(key);
      assert.equal(r.status, 429);
      assert.equal(errorOf(r).code, 'rate_limited');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
      assert.equal(r.headers.get('x-ratelimit-remaining-tokens'), '0');
      assert.equal(r.headers.get('x-ratelimit-limit-requests'), '2');
    });

    test('enforcement - budgets of key, team and user answer 400 budget_exceeded naming the budget and its reset', async () => {
      const alias = `bud-${tag()}`;
      // 0.0008 = one request (8 output tokens at $0.0001).
      const key = (await admin('/key/generate', { key_alias: alias, max_budget: 0.0008, budget_duration: '1d' })).body['key'] as string;
      const ok = await chat(key, 'cheap', { metadata: { project: 'proj-x' } });
      assert.equal(ok.status, 200);
      const okId = ok.body['id'] as string;
      assert.ok(okId);
      const r = await chat(key);
      assert.equal(r.status, 400);
      assert.equal(errorOf(r).type, 'budget_exceeded');
      assert.match(errorOf(r).message, new RegExp(`key ${alias}`));
      assert.match(errorOf(r).message, /resets at \d{4}-\d\d-\d\dT/);
      const team = `tb-${tag()}`;
      await admin('/team/new', { team_id: team, max_budget: 0 });
      const teamKey = (await admin('/key/generate', { team_id: team })).body['key'] as string;
      const t = await chat(teamKey);
      assert.equal(t.status, 400);
      assert.match(errorOf(t).message, new RegExp(`team ${team}`));
      assert.match(errorOf(t).message, /does not reset/);
      const user = `ub-${tag()}`;
      const userKey = (await admin('/user/new', { user_id: user, max_budget: 0 })).body['key'] as string;
      const u = await chat(userKey);
      assert.equal(u.status, 400);
      assert.match(errorOf(u).message, new RegExp(`user ${user}`));
    });

    test('enforcement - a budget resets when its budget_duration ends', async () => {
      const made = await admin('/key/generate', { key_alias: `reset-${tag()}`, max_budget: 0.0008, budget_duration: '3s' });
      const key = made.body['key'] as string;
      assert.equal((await chat(key)).status, 200);
      // Spend is booked when its completed event is recorded; wait for it so it lands in this period.
      for (let i = 0; i < 100; i++) {
        const info = (await call('GET', `/key/info?key=${key}`)).body['info'] as { spend: number };
        if (info.spend > 0) break;
        await sleep(50);
      }
      let denied: Res | null = null;
      for (let i = 0; i < 40 && !denied; i++) {
        const r = await chat(key);
        if (r.status === 400) denied = r;
        else await sleep(50);
      }
      assert.ok(denied, 'the second request is over budget');
      const resetAt = Date.parse(((await call('GET', `/key/info?key=${key}`)).body['info'] as { budget_reset_at: string }).budget_reset_at);
      await sleep(Math.max(0, resetAt - Date.now()) + 200);
      const again = await chat(key);
      assert.equal(again.status, 200, JSON.stringify(again.body));
    });

    test('enforcement - model access is key ∩ team; expired keys are 401', async () => {
      const key = (await admin('/key/generate', { models: ['cheap'] })).body['key'] as string;
      const r = await chat(key, 'other');
      assert.equal(r.status, 401);
      assert.equal(errorOf(r).code, 'model_not_allowed');
      const team = `tm-${tag()}`;
      await admin('/team/new', { team_id: team, models: ['cheap'] });
      const teamKey = (await admin('/key/generate', { team_id: team })).body['key'] as string;
      assert.equal((await chat(teamKey, 'cheap')).status, 200);
      assert.equal((await chat(teamKey, 'other')).status, 401);
      // Team change reaches the cached key without a restart.
      await admin('/team/update', { team_id: team, models: ['cheap', 'other'] });
      assert.equal((await chat(teamKey, 'other')).status, 200);
      const short = (await admin('/key/generate', { duration: '1s' })).body['key'] as string;
      assert.equal((await chat(short)).status, 200);
      await sleep(1_100);
      const exp = await chat(short);
      assert.equal(exp.status, 401);
      assert.equal(errorOf(exp).code, 'key_expired');
    });

    test('spend - a finished request is recorded with key, team, project, model and cost', async () => {
      const team = `sp-${tag()}`;
      await admin('/team/new', { team_id: team });
      const key = (await admin('/key/generate', { team_id: team })).body['key'] as string;
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': `spend-${tag()}`, 'x-gateway-project': 'apollo' },
        body: JSON.stringify({ model: 'cheap', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200);
      const evt = await gw.eventFor(res.headers.get('x-gateway-request-id') ?? '');
      assert.equal(evt.tenant.teamId, team);
      assert.equal(evt.tenant.projectId, 'apollo');
      assert.ok(evt.costUsd > 0);
      // The key's spend shows up in /key/info once accounting recorded it.
      let spend = 0;
      for (let i = 0; i < 50 && spend === 0; i++) {
        spend = ((await call('GET', `/key/info?key=${key}`)).body['info'] as Record<string, number>)['spend'] ?? 0;
        if (spend === 0) await sleep(50);
      }
      assert.ok(Math.abs(spend - evt.costUsd) < 1e-9, `spend ${spend} vs event ${evt.costUsd}`);
    });
  });
}

describe('keys and budgets (embedded, on disk)', () => {
  test('embedded - keys, config virtual_keys and spent budgets survive a restart on the same .data directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gw-data-'));
    const fake = await startFakeOpenAI();
    const configKey = `sk-config-${tag()}`;
    const yaml = `
model_list:
  - model_name: cheap
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${fake.url}/v1, api_key: sk-fake }
    model_info: { input_cost_per_token: 0, output_cost_per_token: 0.0001 }
virtual_keys:
  - key: ${configKey}
    key_alias: from-config
    max_budget: 0.0008
    team_id: config-team
`;
    // No database_url: the embedded PGlite under `dir` is the store.
    const env: Record<string, string | undefined> = { ...process.env, LITELLM_MASTER_KEY: MASTER_KEY };
    delete env['DATABASE_URL'];
    const { config } = loadConfig({ text: yaml, env });
    const start = () => startEmbedded({ config, logger: memoryLogger([]), port: 0, host: '127.0.0.1', accounting: { dataDir: join(dir, 'pg') } });
    const chat = (url: string, key: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'cheap', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    try {
      let gw = await start();
      const made = await fetch(`${gw.url}/key/generate`, {
        method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ key_alias: 'made-at-runtime' }),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
      assert.equal((await chat(gw.url, configKey)).status, 200);
      // Wait for the spend to be written behind, then stop.
      for (let i = 0; i < 50; i++) {
        const info = await fetch(`${gw.url}/key/info?key=${configKey}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } }).then((r) => r.json() as Promise<{ info: { spend: number } }>);
        if (info.info.spend > 0) break;
        await sleep(50);
      }
      await gw.close();
      gw = await start();
      try {
        assert.equal((await chat(gw.url, made['key'] as string)).status, 200, 'a key made at run time survives');
        const over = await chat(gw.url, configKey);
        assert.equal(over.status, 400, 'the spent budget survives');
        const list = await fetch(`${gw.url}/key/list?key_alias=from-config`, { headers: { authorization: `Bearer ${MASTER_KEY}` } }).then((r) => r.json() as Promise<{ total_count: number }>);
        assert.equal(list.total_count, 1, 'config keys are imported once');
      } finally {
        await gw.close();
      }
    } finally {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
