// End to end: general_settings.maximum_spend_logs_retention_period (LiteLLM) deletes spend logs once they are older
// than the period, in both run modes, while the append-only audit chain keeps every request.
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import pg from 'pg';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { dropSchema, MASTER_KEY, MODES, startTestGateway } from '../support/gateway.ts';

const DATABASE_URL = process.env['DATABASE_URL'];

const yaml = (url: string) => `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${url}/v1, api_key: sk-fake }
general_settings:
  kafka_brokers: []
  maximum_spend_logs_retention_period: 2s
  maximum_spend_logs_retention_interval: 1s
`;

for (const mode of MODES) {
  test(`spend log retention - ${mode}: spend logs older than the period are deleted, audit rows stay`, { timeout: 60_000 }, async (t) => {
    if (!DATABASE_URL) return t.skip('DATABASE_URL is not set (accounting rows are read from Postgres)');
    const schema = `retention_${mode}_${randomBytes(4).toString('hex')}`;
    const fake = await startFakeOpenAI();
    const gw = await startTestGateway({ mode, yaml: yaml(fake.url), schema });
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    const count = async (table: string) => Number((await c.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`)).rows[0]?.n ?? 0);
    const until = async (what: string, ok: () => Promise<boolean>) => {
      for (let i = 0; i < 150; i++) {
        if (await ok()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`timed out waiting until ${what}`);
    };
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10_000 });
      for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `hello ${i}` }] });
      await until('the three requests are recorded', async () => (await count('spend_logs')) === 3);
      const recordedAt = Date.now();
      await until('the spend logs are past the period and deleted', async () => (await count('spend_logs')) === 0);
      assert.ok(Date.now() - recordedAt >= 500, 'not deleted before they were older than the period');
      assert.equal(await count('audit_log'), 3, 'the audit chain keeps every request');
    } finally {
      await c.end();
      await gw.close();
      await fake.close();
      await dropSchema(schema);
    }
  });
}
