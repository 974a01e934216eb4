// End to end (embedded): when completed requests wait to be recorded past the bound, new requests are shed with an
// OpenAI-shaped 503 and retry-after, before any work and without a billing record; the gateway recovers by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenAI } from '../support/fake-openai.ts';
import { MASTER_KEY, startTestGateway } from '../support/gateway.ts';

test('overload - embedded: a billing backlog past its bound sheds new requests with 503 + retry-after, then recovers', { timeout: 60_000 }, async () => {
  const fake = await startFakeOpenAI();
  // Bound 1: the event of a request that just finished waits for its accounting batch (up to 100 ms).
  const gw = await startTestGateway({
    mode: 'embedded',
    yaml: `model_list:\n  - model_name: gpt-4o\n    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake }\n`,
    shedBacklog: 1,
  });
  interface Answer {
    status: number;
    id: string;
    retryAfter: string | null;
    body: { error?: { type: string; message: string } };
  }
  const ask = async (): Promise<Answer> => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER_KEY}` },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: res.status, id: res.headers.get('x-request-id') ?? '', retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
  };
  try {
    const upstreamBefore = fake.requests.length;
    const answers: Answer[] = [];
    for (let i = 0; i < 100 && !answers.some((a) => a.status === 503); i++) answers.push(await ask());
    const shed = answers.find((a) => a.status === 503);
    assert.ok(shed, `a request was shed (statuses: ${answers.map((a) => a.status).join(',')})`);
    assert.equal(shed.retryAfter, '1');
    assert.equal(shed.body.error?.type, 'service_unavailable');
    assert.match(shed.body.error?.message ?? '', /busy recording earlier requests/);
    const served = answers.filter((a) => a.status === 200);
    assert.equal(served.length, answers.length - 1);
    assert.equal(fake.requests.length - upstreamBefore, served.length, 'a shed request never reached the provider');

    // Recovers once the batch is recorded.
    let again = await ask();
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await ask();
    }
    assert.equal(again.status, 200);
    for (const a of [...served, again]) await gw.eventFor(a.id);
    assert.equal(gw.events.some((e) => e.requestId === shed.id), false, 'no completed event (and so no spend row) for the shed request');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /ai_gateway_request_total\{model="gpt-4o",status="503",team="none"\} [1-9]/);
  } finally {
    await gw.close();
    await fake.close();
  }
});
