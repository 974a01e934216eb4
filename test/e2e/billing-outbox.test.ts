// End to end: without kafka_brokers nothing relays the outbox, so no outbox rows are kept (they would only pile
// up), while every request is still billed and audited; `billing_outbox: true` keeps them for a later export.
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import pg from 'pg';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { dropSchema, MASTER_KEY, MODES, startTestGateway } from '../support/gateway.ts';

const DATABASE_URL = process.env['DATABASE_URL'];

const yaml = (url: string, keep: boolean | null) => `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${url}/v1, api_key: sk-fake }
general_settings:
  kafka_brokers: []   # explicit: the test stack's KAFKA_BROKERS would otherwise apply
${keep === null ? '' : `  billing_outbox: ${keep}\n`}`;

async function counts(schema: string): Promise<Record<'spend_logs' | 'audit_log' | 'outbox', number>> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    const one = async (t: string) => Number((await c.query(`SELECT count(*)::int AS n FROM "${schema}"."${t}"`)).rows[0]?.n ?? 0);
    return { spend_logs: await one('spend_logs'), audit_log: await one('audit_log'), outbox: await one('outbox') };
  } finally {
    await c.end();
  }
}

for (const mode of MODES) {
  for (const keep of [null, true] as const) {
    const what = keep === null ? 'no kafka_brokers: requests are billed and audited, and no outbox rows are kept' : 'billing_outbox: true keeps the outbox rows without Kafka';
    test(`billing outbox - ${mode}: ${what}`, { timeout: 60_000 }, async (t) => {
      if (!DATABASE_URL) return t.skip('DATABASE_URL is not set (accounting rows are read from Postgres)');
      const schema = `outbox_${mode}_${keep === null ? 'off' : 'on'}_${randomBytes(4).toString('hex')}`;
      const fake = await startFakeOpenAI();
      const gw = await startTestGateway({ mode, yaml: yaml(fake.url, keep), schema });
      try {
        const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0, timeout: 10_000 });
        for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `hello ${i}` }] });
        let n = await counts(schema);
        for (const deadline = Date.now() + 10_000; (n.spend_logs < 3 || n.audit_log < 3) && Date.now() < deadline; n = await counts(schema)) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(n.spend_logs, 3, 'one spend row per request');
        assert.equal(n.audit_log, 3, 'one audit row per request');
        assert.equal(n.outbox, keep ? 6 : 0, keep ? 'a billing and an audit row per request' : 'nothing kept for a relay that does not run');
      } finally {
        await gw.close();
        await fake.close();
        await dropSchema(schema);
      }
    });
  }
}
