// The fake Anthropic server is faithful enough: the official SDK consumes its messages, streams and errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeAnthropic } from '../../../test/support/fake-anthropic.ts';

const params = { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('anthropic fake - read by the official SDK', () => {
  test('anthropic fake - takes the key from x-api-key or, as SDK 1.x sends it, Authorization: Bearer', async () => {
    await using fake = await startFakeAnthropic({ apiKey: 'k' });
    const client = new Anthropic({ baseURL: fake.url, apiKey: 'k', maxRetries: 0 });
    await client.messages.create(params);
    assert.equal(fake.requests[0]?.headers.authorization, 'Bearer k');
    assert.equal(fake.requests[0]?.headers['anthropic-version'], '2026-10-21');
    const wrong = new Anthropic({ baseURL: fake.url, apiKey: 'nope', maxRetries: 0 });
    await assert.rejects(wrong.messages.create(params), (e) => e instanceof Anthropic.AuthenticationError);
  });

  test('anthropic fake - rejects sampling params under 2026-10-21 and accepts them under 2023-06-01, like the API', async () => {
    await using fake = await startFakeAnthropic();
    const post = (version: string) => fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': version },
      body: JSON.stringify({ ...params, temperature: 1 }),
    });
    const rejected = await post('2026-10-21');
    assert.equal(rejected.status, 400);
    assert.match(((await rejected.json()) as { error: { message: string } }).error.message, /temperature: Extra inputs are not permitted/);
    assert.equal((await post('2023-06-01')).status, 200);
  });

  test('anthropic fake - messages.create returns the scripted message with usage', async () => {
    await using fake = await startFakeAnthropic({ apiKey: 'k' });
    fake.enqueue({ kind: 'message', text: 'Scripted.', usage: { input_tokens: 4, output_tokens: 2 } });
    const client = new Anthropic({ baseURL: fake.url, apiKey: 'k', maxRetries: 0 });
    const msg = await client.messages.create(params);
    assert.deepEqual(msg.content, [{ type: 'text', text: 'Scripted.' }]);
    assert.equal(msg.usage.input_tokens, 4);
  });

  test('anthropic fake - messages.stream assembles scripted text and tool input pieces', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'stream', deltas: ['Hi', ' there'], toolUse: { name: 'f', jsonPieces: ['{"a"', ':1}'] }, usage: { input_tokens: 3, output_tokens: 8 } });
    const client = new Anthropic({ baseURL: fake.url, apiKey: 'k', maxRetries: 0 });
    const msg = await client.messages.stream(params).finalMessage();
    assert.equal(msg.content[0]?.type === 'text' ? msg.content[0].text : null, 'Hi there');
    assert.deepEqual(msg.content[1]?.type === 'tool_use' ? msg.content[1].input : null, { a: 1 });
    assert.equal(msg.stop_reason, 'tool_use');
    assert.equal(msg.usage.output_tokens, 8);
  });

  test('anthropic fake - error statuses arrive as the SDK error classes with the Anthropic error type', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue(
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
      { kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', retryAfter: '2' },
    );
    const client = new Anthropic({ baseURL: fake.url, apiKey: 'k', maxRetries: 0 });
    await assert.rejects(client.messages.create(params), (e) => e instanceof Anthropic.APIError && e.status === 529 && e.type === 'overloaded_error');
    await assert.rejects(client.messages.create(params), (e) => e instanceof Anthropic.RateLimitError && e.headers?.get('retry-after') === '2' && typeof e.requestID === 'string');
  });

  test('anthropic fake - event: error mid-stream makes the SDK stream throw', async () => {
    await using fake = await startFakeAnthropic();
    fake.enqueue({ kind: 'stream', errorAfterEvents: { after: 4, type: 'api_error', message: 'boom' } });
    const client = new Anthropic({ baseURL: fake.url, apiKey: 'k', maxRetries: 0 });
    await assert.rejects(client.messages.stream(params).finalMessage(), (e) => e instanceof Anthropic.APIError && /boom/.test(e.message));
  });
});
