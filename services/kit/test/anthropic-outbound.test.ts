// Outbound dialect: canonical OpenAI requests → Anthropic Messages requests, Anthropic Message → OpenAI.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { anthropic, GatewayError, type openai } from '@ai-gateway/kit';

const req = (extra: Partial<openai.ChatCompletionRequest>): openai.ChatCompletionRequest => ({ model: 'claude-sonnet-4-5', messages: [], ...extra });

describe('openAIRequestToAnthropic', () => {
  test('hoists system and developer messages, merges consecutive turns and turns tool messages into user tool_result blocks', () => {
    const out = anthropic.openAIRequestToAnthropic(req({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric.' }] },
        { role: 'user', content: 'Weather in SF and LA?' },
        { role: 'assistant', content: null, tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"location":"LA"}' } },
        ] },
        { role: 'tool', tool_call_id: 'call_1', content: '15C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '25C' }] },
        { role: 'user', content: 'Thanks' },
        { role: 'user', content: 'Which is warmer?' },
      ],
    }));
    assert.deepEqual(out.system, [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Use metric.' }]);
    assert.deepEqual(out.messages, [
      { role: 'user', content: 'Weather in SF and LA?' },
      { role: 'assistant', content: [
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'SF' } },
        { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { location: 'LA' } },
      ] },
      { role: 'user', content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: '15C' },
        { type: 'tool_result', tool_use_id: 'call_2', content: '25C' },
        { type: 'text', text: 'Thanks' },
        { type: 'text', text: 'Which is warmer?' },
      ] },
    ]);
    assert.equal(out.max_tokens, anthropic.DEFAULT_MAX_TOKENS);
  });

  test('turns data: image URLs into base64 image blocks and http URLs into url image blocks', () => {
    const out = anthropic.openAIRequestToAnthropic(req({ messages: [{ role: 'user', content: [
      { type: 'text', text: 'Compare' },
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'high' } },
    ] }] }));
    assert.deepEqual(out.messages[0]?.content, [
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
    ]);
  });

  test('maps max_tokens, stop, clamps temperature, tools, tool_choice, parallel_tool_calls and user', () => {
    const out = anthropic.openAIRequestToAnthropic(req({
      messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 99, max_tokens: 5, stop: 'END', temperature: 1.7, top_p: 0.5,
      tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }],
      tool_choice: { type: 'function', function: { name: 'f' } }, parallel_tool_calls: false, user: 'u-9', stream: true,
    }));
    assert.deepEqual({ ...out, messages: undefined }, {
      model: 'claude-sonnet-4-5', messages: undefined, max_tokens: 99, stop_sequences: ['END'], temperature: 1, top_p: 0.5,
      tools: [{ name: 'f', description: 'd', input_schema: { type: 'object', properties: { a: { type: 'string' } } } }],
      tool_choice: { type: 'tool', name: 'f', disable_parallel_tool_use: true }, metadata: { user_id: 'u-9' }, stream: true,
    });
    assert.deepEqual(anthropic.openAIRequestToAnthropic(req({ messages: [{ role: 'user', content: 'x' }], tool_choice: 'required' })).tool_choice, { type: 'any' });
    assert.equal(anthropic.openAIRequestToAnthropic(req({ messages: [{ role: 'user', content: 'x' }] }), { defaultMaxTokens: 111 }).max_tokens, 111);
  });

  test('drops temperature and top_p for API version 2026-10-21, which rejects sampling params', () => {
    const r = req({ messages: [{ role: 'user', content: 'x' }], temperature: 0.2, top_p: 0.4 });
    assert.deepEqual([anthropic.openAIRequestToAnthropic(r).temperature, anthropic.openAIRequestToAnthropic(r, { apiVersion: '2023-06-01' }).top_p], [0.2, 0.4]);
    const next = anthropic.openAIRequestToAnthropic(r, { apiVersion: anthropic.ANTHROPIC_VERSION_2026_10_21 });
    assert.equal('temperature' in next || 'top_p' in next, false);
  });

  test('asks for JSON through the system prompt when response_format is json_object or json_schema', () => {
    const obj = anthropic.openAIRequestToAnthropic(req({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'x' }], response_format: { type: 'json_object' } }));
    assert.ok(Array.isArray(obj.system) && /valid JSON object/.test(obj.system[1]?.text ?? ''));
    const schema = anthropic.openAIRequestToAnthropic(req({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object', required: ['a'] } } } }));
    assert.match(String(schema.system), /"required":\["a"\]/);
  });

  test('passes cache_control on system and user text parts through, keeping system as blocks', () => {
    const cc = { type: 'ephemeral' } as const;
    const out = anthropic.openAIRequestToAnthropic(req({ messages: [
      { role: 'system', content: [{ type: 'text', text: 'Long policy', cache_control: cc }] },
      { role: 'user', content: [{ type: 'text', text: 'Big doc', cache_control: cc }] },
    ] }));
    assert.deepEqual(out.system, [{ type: 'text', text: 'Long policy', cache_control: cc }]);
    assert.deepEqual(out.messages, [{ role: 'user', content: [{ type: 'text', text: 'Big doc', cache_control: cc }] }]);
  });

  test('maps tool ids to the characters Anthropic accepts, alike on tool_use and tool_result', () => {
    const out = anthropic.openAIRequestToAnthropic(req({ messages: [
      { role: 'user', content: 'x' },
      { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }, { type: 'text', text: 'ok' }], tool_calls: [{ id: 'call:1/a', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call:1/a', content: 'r' },
    ] }));
    assert.deepEqual(out.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 'call_1_a', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1_a', content: 'r' }] },
    ]);
  });

  test('an Anthropic request survives inbound then outbound translation (top_k aside)', () => {
    const original: anthropic.MessageCreateRequest = {
      model: 'claude-sonnet-4-5', max_tokens: 512,
      system: [{ type: 'text', text: 'Policy', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }, { type: 'text', text: 'Where?' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'locate', input: { img: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Paris' }, { type: 'text', text: 'And?' }] },
      ],
      tools: [{ name: 'locate', description: 'find', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'locate', disable_parallel_tool_use: true },
      stop_sequences: ['##'], temperature: 0.1, top_p: 0.9, metadata: { user_id: 'u' }, stream: true,
    };
    const back = anthropic.openAIRequestToAnthropic(anthropic.anthropicRequestToOpenAI({ ...original, top_k: 3 }));
    assert.deepEqual(back, original);
  });

  const rejected: Array<[string, Partial<openai.ChatCompletionRequest>, RegExp]> = [
    ['n > 1', { n: 2, messages: [{ role: 'user', content: 'x' }] }, /n > 1/],
    ['audio content parts', { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, /input_audio/],
    ['tool call arguments that are not JSON', { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{bad' } }] }] }, /not valid JSON/],
    ['legacy function messages', { messages: [{ role: 'function', name: 'f', content: 'x' }] }, /role "function"/],
  ];
  for (const [name, extra, pattern] of rejected) {
    test(`rejects ${name} with invalid_request`, () => {
      assert.throws(() => anthropic.openAIRequestToAnthropic(req(extra)), (err: unknown) => err instanceof GatewayError && err.code === 'invalid_request' && pattern.test(err.message));
    });
  }
});

describe('anthropicResponseToOpenAI', () => {
  test('maps text, tool_use, stop reasons and usage with cache reads folded into prompt_tokens', () => {
    const out = anthropic.anthropicResponseToOpenAI({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'SF' } }],
      stop_reason: 'tool_use', stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
    }, { created: 42 });
    assert.deepEqual(out, {
      id: 'msg_1', object: 'chat.completion', created: 42, model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, logprobs: null, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'Checking.', tool_calls: [
        { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } },
      ] } }],
      usage: { prompt_tokens: 130, completion_tokens: 5, total_tokens: 135, prompt_tokens_details: { cached_tokens: 100, cache_creation_tokens: 20 } },
    });
  });

  test('maps every stop_reason to an OpenAI finish_reason', () => {
    const table: Array<[anthropic.StopReason, openai.FinishReason]> = [
      ['end_turn', 'stop'], ['stop_sequence', 'stop'], ['pause_turn', 'stop'], ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'], ['tool_use', 'tool_calls'], ['refusal', 'content_filter'],
    ];
    for (const [reason, finish] of table) assert.equal(anthropic.stopReasonToFinishReason(reason), finish, reason);
  });
});
