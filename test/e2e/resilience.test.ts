// End to end: retries, fallbacks, timeouts, mid-stream failures and client disconnects, in both run modes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, startTestGateway, type TestGateway } from '../support/gateway.ts';

for (const mode of MODES) {
  describe(`resilience (${mode})`, () => {
    let primary: FakeServer;
    let secondary: FakeServer;
    let backup: FakeServer;
    let gw: TestGateway;
    let client: OpenAI;

    before(async () => {
      primary = await startFakeOpenAI();
      secondary = await startFakeOpenAI();
      backup = await startFakeOpenAI();
      gw = await startTestGateway({
        mode,
        yaml: `
model_list:
  - model_name: pair
    litellm_params: { model: openai/gpt-4o, api_base: ${primary.url}/v1, api_key: sk-a, order: 1 }
  - model_name: pair
    litellm_params: { model: openai/gpt-4o, api_base: ${secondary.url}/v1, api_key: sk-b, order: 2 }
  - model_name: slow
    litellm_params: { model: openai/gpt-4o, api_base: ${primary.url}/v1, api_key: sk-a, max_retries: 0 }
  - model_name: backup
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${backup.url}/v1, api_key: sk-c }
  - model_name: single
    litellm_params: { model: openai/gpt-4o, api_base: ${primary.url}/v1, api_key: sk-a }
  - model_name: single-b
    litellm_params: { model: openai/gpt-4o-b, api_base: ${primary.url}/v1, api_key: sk-a }
  - model_name: single-c
    litellm_params: { model: openai/gpt-4o-c, api_base: ${primary.url}/v1, api_key: sk-a }
  - model_name: broken
    litellm_params: { model: openai/fake-error-500, api_base: ${primary.url}/v1, api_key: sk-a, max_retries: 0 }
router_settings:
  num_retries: 2
  allowed_fails: 0
  cooldown_time: 30
  ttft_timeout: 0.3
  retry_after: 0
  fallbacks: [{ slow: [backup] }]
`,
      });
      client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    });
    after(async () => {
      await gw?.close();
      await Promise.all([primary?.close(), secondary?.close(), backup?.close()]);
    });

    test('a 429 with retry-after on the primary is retried on the other deployment', async () => {
      primary.script({ type: 'error', status: 429, retryAfter: '20', message: 'Rate limit reached' });
      const before = secondary.requests.length;
      const { data, response } = await client.chat.completions.create({ model: 'pair', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      assert.equal(data.choices[0]?.message.content, 'Hello from the fake provider.');
      assert.equal(response.headers.get('x-gateway-attempts'), '2');
      assert.equal(secondary.requests.length, before + 1);
      // The primary is cooling for its retry-after: the next request goes straight to the secondary.
      const next = await client.chat.completions.create({ model: 'pair', messages: [{ role: 'user', content: 'again' }] }).withResponse();
      assert.equal(next.response.headers.get('x-gateway-attempts'), '1');
      assert.equal(secondary.requests.length, before + 2);
    });

    test('when the primary sends no first token in time the fallback group answers the stream', async () => {
      primary.script({ type: 'stream', delayMs: 2_000 });
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      assert.equal(text, 'Hello from the fake provider.');
      assert.equal(response.headers.get('x-gateway-fallback'), 'backup');
      assert.equal(backup.requests.at(-1)?.route?.model, 'gpt-4o-mini');
    });

    test('a provider killed mid-stream makes the SDK raise, and nothing is retried after tokens were sent', async () => {
      primary.script({ type: 'stream', chunks: 10, killAfter: 4 });
      const before = primary.requests.length;
      const stream = await client.chat.completions.create({ model: 'single', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      await assert.rejects(async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      }, (err: unknown) => err instanceof Error && /stream/i.test(err.message));
      assert.ok(text.length > 0, 'some tokens reached the client first');
      assert.equal(primary.requests.length, before + 1, 'no second upstream request');
    });

    test('a malformed event mid-stream ends the stream with an error the SDK raises', async () => {
      primary.script({ type: 'stream', chunks: 10, malformedAfter: 3 });
      const stream = await client.chat.completions.create({ model: 'single-b', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      await assert.rejects(async () => {
        for await (const _c of stream) {
          // drain
        }
      });
    });

    test('a client that disconnects mid-stream stops the upstream request within 100 ms', async () => {
      primary.script({ type: 'stream', chunks: 200, chunkDelayMs: 20 });
      const ac = new AbortController();
      const stream = await client.chat.completions.create(
        { model: 'single-c', stream: true, messages: [{ role: 'user', content: 'long' }] },
        { signal: ac.signal },
      );
      const upstream = primary.requests.at(-1);
      assert.ok(upstream);
      let seen = 0;
      let abortedAt = 0;
      try {
        for await (const _c of stream) {
          if (++seen === 3) {
            abortedAt = performance.now();
            ac.abort();
          }
        }
      } catch {
        // the SDK may raise APIUserAbortError or just end the iteration
      }
      const upstreamAbortedAt = await Promise.race([upstream.aborted, new Promise<number>((_, rej) => setTimeout(() => rej(new Error('upstream never aborted')), 2_000))]);
      assert.ok(upstreamAbortedAt - abortedAt < 100, `upstream aborted ${Math.round(upstreamAbortedAt - abortedAt)} ms after the client`);
    });

    test('a client that disconnects from a non-streamed request stops the upstream request within 100 ms', async () => {
      primary.script({ type: 'hang' });
      const ac = new AbortController();
      const pending = client.chat.completions.create({ model: 'single-c', messages: [{ role: 'user', content: 'hang' }] }, { signal: ac.signal });
      // wait until the upstream call started
      const deadline = Date.now() + 2_000;
      const count = primary.requests.length;
      while (primary.requests.at(-1)?.behaviour !== 'hang' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      void count;
      const upstream = primary.requests.at(-1);
      assert.equal(upstream?.behaviour, 'hang');
      const abortedAt = performance.now();
      ac.abort();
      await assert.rejects(pending);
      const upstreamAbortedAt = await Promise.race([upstream!.aborted, new Promise<number>((_, rej) => setTimeout(() => rej(new Error('upstream never aborted')), 2_000))]);
      assert.ok(upstreamAbortedAt - abortedAt < 100, `upstream aborted ${Math.round(upstreamAbortedAt - abortedAt)} ms after the client`);
    });

    test('a deployment that keeps failing cools down and then gets a 503 with retry-after', async () => {
      await assert.rejects(client.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'x' }] }), (err: unknown) => err instanceof OpenAI.APIError && err.status === 502);
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'broken', messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      const body = (await res.json()) as { error: { code: string; type: string; message: string } };
      assert.equal(body.error.code, 'all_deployments_cooling');
    });
  });
}
