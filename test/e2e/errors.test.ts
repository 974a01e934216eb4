// End to end: every failure the client sees is an OpenAI- (or Anthropic-) shaped error with the right status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, startTestGateway, type TestGateway } from '../support/gateway.ts';

interface OpenAIErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

for (const mode of MODES) {
  describe(`errors (${mode})`, () => {
    let fake: FakeServer;
    let gw: TestGateway;

    before(async () => {
      fake = await startFakeOpenAI();
      gw = await startTestGateway({
        mode,
        yaml: `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake }
  - model_name: bedrock-claude
    litellm_params: { model: bedrock/anthropic.claude-3-sonnet, aws_region_name: us-east-1 }
general_settings:
  max_request_body_bytes: 4096
`,
      });
    });
    after(async () => {
      await gw?.close();
      await fake?.close();
    });

    async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: unknown }> {
      const res = await fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', ...headers },
        body,
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: JSON.parse(text) as unknown };
    }

    function assertOpenAIError(body: unknown, code: string): OpenAIErrorBody['error'] {
      const e = (body as OpenAIErrorBody).error;
      assert.ok(e, `expected an error object, got ${JSON.stringify(body)}`);
      assert.equal(e.code, code);
      assert.equal(typeof e.message, 'string');
      assert.equal(typeof e.type, 'string');
      assert.ok('param' in e);
      assert.doesNotMatch(e.message, /at .*\.ts:\d+/, 'no stack trace');
      return e;
    }

    test('malformed JSON is a 400 invalid_json', async () => {
      const r = await post('/v1/chat/completions', '{"model": "gpt-4o", "messages": [');
      assert.equal(r.status, 400);
      assertOpenAIError(r.body, 'invalid_json');
    });

    test('a wrong field type is a 400 that names the field', async () => {
      const r = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: 'hello' }));
      assert.equal(r.status, 400);
      const e = assertOpenAIError(r.body, 'invalid_request');
      assert.equal(e.param, 'messages');
    });

    test('an unknown model is a 404 that lists the available ones', async () => {
      const r = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(r.status, 404);
      const e = assertOpenAIError(r.body, 'model_not_found');
      assert.match(e.message, /gpt-4o/);
    });

    test('a body over the limit is a 413', async () => {
      const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] });
      const r = await post('/v1/chat/completions', big);
      assert.equal(r.status, 413);
      assertOpenAIError(r.body, 'body_too_large');
    });

    test('a missing or wrong key is a 401', async () => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 401);
      assertOpenAIError(await res.json(), 'missing_api_key');
      const wrong = await post('/v1/chat/completions', '{}', { authorization: 'Bearer sk-wrong' });
      assert.equal(wrong.status, 401);
      assertOpenAIError(wrong.body, 'invalid_api_key');
    });

    test('a model whose provider is unsupported is a 503 naming the provider, and others keep serving', async () => {
      const r = await post('/v1/chat/completions', JSON.stringify({ model: 'bedrock-claude', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(r.status, 503);
      const e = assertOpenAIError(r.body, 'service_unavailable');
      assert.match(e.message, /bedrock/);
      const ok = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(ok.status, 200);
    });

    test('a provider 400 is passed on as a 400, not retried', async () => {
      fake.script({ type: 'error', status: 400, message: "Invalid value for 'temperature'" });
      const before = fake.requests.length;
      const r = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(r.status, 400);
      assertOpenAIError(r.body, 'upstream_bad_request');
      assert.equal(fake.requests.length, before + 1);
    });

    test('inference paths answer the same with a query string, a trailing slash or another case; a GET is a 404', async () => {
      const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      for (const path of ['/v1/chat/completions', '/chat/completions', '/v1/chat/completions?api-version=1', '/v1/chat/completions/', '/V1/Chat/Completions']) {
        const r = await post(path, body);
        assert.equal(r.status, 200, path);
        assert.equal((r.body as { object?: string }).object, 'chat.completion', path);
      }
      const malformed = await post('/v1/chat/completions/', '{"model":');
      assert.equal(malformed.status, 400);
      assertOpenAIError(malformed.body, 'invalid_json');
      const get = await fetch(`${gw.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      assert.equal(get.status, 404);
      assertOpenAIError(await get.json(), 'not_found');
    });

    test('unknown routes are an OpenAI-shaped 404', async () => {
      const res = await fetch(`${gw.url}/v1/nope`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      assert.equal(res.status, 404);
      assertOpenAIError(await res.json(), 'not_found');
    });

    test('errors on /v1/messages are Anthropic-shaped', async () => {
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': MASTER_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'gpt-9', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(res.status, 404);
      const body = (await res.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'not_found_error');
    });

    test('the gateway survives a burst of garbage and still serves', async () => {
      const garbage = ['', 'null', '[]', '"x"', '{"model":', '{"model":123,"messages":[]}', '\u0000\u0001', '{"model":"gpt-4o","messages":[{"role":"wizard"}]}'];
      for (const body of garbage) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body });
        assert.ok(res.status >= 400 && res.status < 500, `status ${res.status} for ${JSON.stringify(body)}`);
        const parsed = (await res.json()) as OpenAIErrorBody;
        assert.equal(typeof parsed.error.message, 'string');
      }
      const ok = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(ok.status, 200);
    });
  });
}
