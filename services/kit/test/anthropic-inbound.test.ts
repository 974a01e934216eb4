// Inbound dialect: Anthropic /v1/messages requests → canonical OpenAI, canonical replies → Anthropic Message.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { anthropic, GatewayError, type openai } from '@ai-gateway/kit';

const base = { model: 'claude-sonnet-4-5', max_tokens: 256 };

describe('anthropicRequestToOpenAI', () => {
  test('maps system blocks (keeping cache_control), images, tool_use and tool_result to system parts, image parts, tool_calls and tool messages', () => {
    const out = anthropic.anthropicRequestToOpenAI({
      ...base,
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Use metric.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          { type: 'text', text: 'Weather here?' },
        ] },
        { role: 'assistant', content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'SF' } },
        ] },
        { role: 'user', content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '15C' }] },
          { type: 'text', text: 'Thanks' },
        ] },
      ],
    });
    assert.deepEqual(out.messages, [
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Use metric.', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: [
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        { type: 'text', text: 'Weather here?' },
      ] },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '15C' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  test('joins plain system blocks into one system string', () => {
    const out = anthropic.anthropicRequestToOpenAI({ ...base, system: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }], messages: [{ role: 'user', content: 'x' }] });
    assert.deepEqual(out.messages[0], { role: 'system', content: 'A\nB' });
  });

  test('maps tools, tool_choice, stop_sequences, sampling, metadata.user_id and stream; drops top_k', () => {
    const out = anthropic.anthropicRequestToOpenAI({
      ...base,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'f', description: 'does f', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'], temperature: 0.3, top_p: 0.8, top_k: 5,
      metadata: { user_id: 'u-1' }, stream: true,
    });
    assert.deepEqual(out, {
      model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.3, top_p: 0.8, stop: ['END'],
      tools: [{ type: 'function', function: { name: 'f', description: 'does f', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'required', parallel_tool_calls: false, user: 'u-1',
      stream: true, stream_options: { include_usage: true },
    });
  });

  test('maps tool_choice auto, none and a named tool', () => {
    const conv = (tool_choice: unknown) => anthropic.anthropicRequestToOpenAI({ ...base, messages: [{ role: 'user', content: 'x' }], tool_choice }).tool_choice;
    assert.equal(conv({ type: 'auto' }), 'auto');
    assert.equal(conv({ type: 'none' }), 'none');
    assert.deepEqual(conv({ type: 'tool', name: 'f' }), { type: 'function', function: { name: 'f' } });
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['missing max_tokens', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, /max_tokens: Field required/],
    ['max_tokens zero', { ...base, max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }, /max_tokens: must be an integer/],
    ['system role in messages', { ...base, messages: [{ role: 'system', content: 'x' }] }, /Unexpected role "system".*top-level `system`/],
    ['empty messages', { ...base, messages: [] }, /at least one message/],
    ['missing model', { max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, /model: Field required/],
    ['unknown block type', { ...base, messages: [{ role: 'user', content: [{ type: 'video' }] }] }, /messages\.0\.content\.0\.type: unsupported/],
    ['tool without input_schema', { ...base, messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'f' }] }, /tools\.0\.input_schema: Field required/],
    ['bad tool_choice', { ...base, messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'tool' } }, /tool_choice/],
    ['an array instead of an object body', [1, 2], /JSON object/],
  ];
  for (const [name, body, pattern] of invalid) {
    test(`rejects a request with ${name} as invalid_request naming the field`, () => {
      assert.throws(() => anthropic.anthropicRequestToOpenAI(body), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.code, 'invalid_request');
        assert.equal(err.status, 400);
        assert.match(err.message, pattern);
        assert.equal(err.toAnthropic().error.type, 'invalid_request_error');
        return true;
      });
    });
  }
});

describe('openAIResponseToAnthropic', () => {
  const completion: openai.ChatCompletion = {
    id: 'chatcmpl-abc', object: 'chat.completion', created: 1, model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'Let me check.', tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } },
    ] } }],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 } },
  };

  test('renders text and tool calls as blocks, echoes the requested model and splits cached tokens out of input', () => {
    assert.deepEqual(anthropic.openAIResponseToAnthropic(completion, 'claude-alias'), {
      id: 'msg_abc', type: 'message', role: 'assistant', model: 'claude-alias',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'SF' } },
      ],
      stop_reason: 'tool_use', stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 60 },
    });
  });

  test('maps finish reasons stop, length and content_filter to end_turn, max_tokens and refusal', () => {
    const withReason = (finish_reason: openai.FinishReason) => anthropic.openAIResponseToAnthropic(
      { ...completion, choices: [{ index: 0, finish_reason, message: { role: 'assistant', content: 'x' } }] }, 'm').stop_reason;
    assert.equal(withReason('stop'), 'end_turn');
    assert.equal(withReason('length'), 'max_tokens');
    assert.equal(withReason('content_filter'), 'refusal');
  });

  test('round-trips through the outbound direction without losing cache counters', () => {
    const msg = anthropic.openAIResponseToAnthropic(anthropic.anthropicResponseToOpenAI({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [{ type: 'text', text: 'hi' }],
      stop_reason: 'max_tokens', stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 7, cache_creation_input_tokens: 11 },
    }), 'claude');
    assert.deepEqual(msg.usage, { input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 7, cache_creation_input_tokens: 11 });
    assert.equal(msg.stop_reason, 'max_tokens');
    assert.equal(msg.id, 'msg_1');
  });
});
