// End to end: the official Anthropic SDK against /v1/messages, served by Anthropic and by OpenAI deployments.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.ts';
import { MASTER_KEY, MODES, startTestGateway, type TestGateway } from '../support/gateway.ts';

for (const mode of MODES) {
  describe(`anthropic sdk (${mode})`, () => {
    let openaiFake: FakeServer;
    let anthropicFake: FakeAnthropic;
    let gw: TestGateway;
    let client: Anthropic;

    before(async () => {
      openaiFake = await startFakeOpenAI();
      anthropicFake = await startFakeAnthropic();
      gw = await startTestGateway({
        mode,
        yaml: `
model_list:
  - model_name: claude-3-5-sonnet
    litellm_params: { model: anthropic/claude-3-5-sonnet-20241022, api_base: ${anthropicFake.url}, api_key: a-fake }
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${openaiFake.url}/v1, api_key: sk-fake }
`,
      });
      client = new Anthropic({ baseURL: gw.url, apiKey: MASTER_KEY, maxRetries: 0 });
    });
    after(async () => {
      await gw?.close();
      await openaiFake?.close();
      await anthropicFake?.close();
    });

    test('a message to an Anthropic deployment comes back as an Anthropic message with usage', async () => {
      const msg = await client.messages.create({ model: 'claude-3-5-sonnet', max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(msg.type, 'message');
      assert.equal(msg.role, 'assistant');
      assert.equal(msg.model, 'claude-3-5-sonnet');
      assert.ok(msg.content[0]?.type === 'text' && msg.content[0].text.length > 0);
      assert.ok(msg.usage.input_tokens > 0 && msg.usage.output_tokens > 0);
      const sent = anthropicFake.requests.at(-1)?.body as { system?: unknown; max_tokens?: number };
      assert.equal(sent.max_tokens, 100);
      assert.ok(JSON.stringify(sent.system).includes('be brief'));
    });

    test('a message to an OpenAI deployment is translated both ways', async () => {
      const msg = await client.messages.create({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(msg.content[0]?.type === 'text' ? msg.content[0].text : null, 'Hello from the fake provider.');
      assert.equal(msg.stop_reason, 'end_turn');
      const sent = openaiFake.requests.at(-1)?.body as { messages: Array<{ role: string }>; max_tokens?: number };
      assert.equal(sent.messages[0]?.role, 'user');
    });

    test('a streamed message from an OpenAI deployment arrives as Anthropic events the SDK assembles', async () => {
      const stream = client.messages.stream({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      let deltas = 0;
      stream.on('text', () => deltas++);
      const final = await stream.finalMessage();
      assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : null, 'Hello from the fake provider.');
      assert.ok(deltas >= 2);
      assert.ok(final.usage.output_tokens > 0);
    });

    test('a streamed tool call from an OpenAI deployment becomes a tool_use block', async () => {
      openaiFake.script({ type: 'stream', toolCalls: [{ name: 'lookup', arguments: '{"q":"weather"}' }] });
      const stream = client.messages.stream({
        model: 'gpt-4o',
        max_tokens: 50,
        tools: [{ name: 'lookup', description: 'search', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
        messages: [{ role: 'user', content: 'look it up' }],
      });
      const final = await stream.finalMessage();
      const block = final.content.find((b) => b.type === 'tool_use');
      assert.ok(block && block.type === 'tool_use');
      assert.equal(block.name, 'lookup');
      assert.deepEqual(block.input, { q: 'weather' });
      assert.equal(final.stop_reason, 'tool_use');
    });

    test('a streamed message from an Anthropic deployment passes through intact', async () => {
      const stream = client.messages.stream({ model: 'claude-3-5-sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      const final = await stream.finalMessage();
      assert.ok(final.content[0]?.type === 'text' && final.content[0].text.length > 0);
    });

    test('a provider failure mid-stream reaches the SDK as an error event', async () => {
      openaiFake.script({ type: 'stream', chunks: 10, killAfter: 3 });
      const stream = client.messages.stream({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      await assert.rejects(stream.finalMessage());
    });
  });
}
