// End to end: a client's own x-request-id is echoed and kept as a correlation id, never used as the request's
// identity. Two requests under one client id (a client that reuses its id, or two clients that pick the same one)
// each get their own answer, and each is billed and audited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, dropSchema, startTestGateway } from '../support/gateway.ts';

const DATABASE_URL = process.env['DATABASE_URL'];

for (const mode of MODES) {
  test(`request ids - ${mode}: two requests under one client x-request-id get their own answers and are both billed`, { timeout: 60_000 }, async (t) => {
    if (mode === 'distributed' && !DATABASE_URL) return t.skip('DATABASE_URL is not set (spend reports need the accounting process)');
    const fake = await startFakeOpenAI();
    const schema = `request_ids_${mode}_${Date.now().toString(36)}`;
    const gw = await startTestGateway({ mode, schema, yaml: `model_list:\n  - model_name: gpt-4o\n    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake }\n` });
    const clientId = `client-${mode}-${Date.now()}`;
    const ask = (content: string) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-request-id': clientId },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
      });
    try {
      // The first answer is slow, so the second request (same client id) starts and ends while the first is open.
      fake.script({ type: 'reply', content: 'answer one', delayMs: 400 }, { type: 'reply', content: 'answer two' });
      const first = ask('one');
      await new Promise((r) => setTimeout(r, 100));
      const second = await ask('two');
      const one = await first;
      const texts = await Promise.all([one, second].map(async (r) => ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content));
      assert.deepEqual(texts, ['answer one', 'answer two'], 'each client got its own answer');
      for (const r of [one, second]) assert.equal(r.headers.get('x-request-id'), clientId, 'the client id is echoed');
      const ids = [one, second].map((r) => r.headers.get('x-gateway-request-id') ?? '');
      assert.notEqual(ids[0], ids[1], 'two requests, two gateway ids');
      for (const id of ids) assert.equal((await gw.eventFor(id)).metadata['x-request-id'], clientId, 'the completed event keeps the client id');

      // Both are billed, and the spend logs find them by the client's id.
      let rows: { request_id: string }[] = [];
      for (let i = 0; i < 100 && rows.length < 2; i++) {
        const res = await fetch(`${gw.url}/spend/logs?request_id=${clientId}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
        rows = (await res.json()) as { request_id: string }[];
        if (rows.length < 2) await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(rows.map((r) => r.request_id).sort(), [...ids].sort());
    } finally {
      await gw.close();
      await fake.close();
      await dropSchema(schema);
    }
  });
}
