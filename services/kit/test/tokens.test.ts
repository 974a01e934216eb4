import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  countTextTokens,
  countMessageTokens,
  countToolTokens,
  encodingForModel,
  encoderFor,
  estimatePromptTokens,
  estimateCompletionTokens,
  DEFAULT_EXPECTED_COMPLETION_TOKENS,
} from '../src/pricing/tokens.ts';

describe('tokens', () => {
  test('tokens - picks o200k_base for gpt-4o, gpt-4.1 and o-series, cl100k_base for the rest', () => {
    assert.equal(encodingForModel('gpt-4o-mini'), 'o200k_base');
    assert.equal(encodingForModel('openai/gpt-4.1-nano'), 'o200k_base');
    assert.equal(encodingForModel('o3-mini'), 'o200k_base');
    assert.equal(encodingForModel('gpt-3.5-turbo'), 'cl100k_base');
    assert.equal(encodingForModel('anthropic/claude-3-5-sonnet-20241022'), 'cl100k_base');
  });

  test('tokens - counts plain text like tiktoken and treats special-token text as ordinary text', () => {
    assert.equal(countTextTokens('hello world', 'gpt-4o'), 2);
    assert.equal(countTextTokens('', 'gpt-4o'), 0);
    assert.ok(countTextTokens('<|endoftext|>', 'gpt-4o') > 1);
  });

  test('tokens - chat messages follow OpenAI per-message accounting (matches the cookbook example)', () => {
        const messages = [
      { role: 'system' as const, content: 'You are a helpful assistant.' },
      { role: 'user' as const, content: 'Hello!' },
    ];
    const n = countMessageTokens(messages, 'gpt-4o');
    // 3 priming + 2×(3 framing + 1 role) + 6 + 2 content tokens
    assert.equal(n, 3 + 2 * 4 + countTextTokens('You are a helpful assistant.', 'gpt-4o') + countTextTokens('Hello!', 'gpt-4o'));
    const named = countMessageTokens([{ role: 'user', content: 'Hello!', name: 'bob' }], 'gpt-4o');
    assert.equal(named, 3 + 4 + 2 + 1 + countTextTokens('bob', 'gpt-4o'));
  });

  test('tokens - content parts count text and a fixed cost per image', () => {
    const low = countMessageTokens([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x', detail: 'low' } }] }], 'gpt-4o');
    const high = countMessageTokens([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }], 'gpt-4o');
    assert.equal(high - low, 765 - 85);
  });

  test('tokens - tools add their name, description and schema to the prompt', () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const t = countToolTokens(tools, 'gpt-4o');
    assert.ok(t > 20 && t < 60, `tool tokens ${t}`);
    const req = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }], tools };
    assert.equal(estimatePromptTokens(req), countMessageTokens(req.messages, 'gpt-4o') + t);
    assert.equal(countToolTokens(undefined, 'gpt-4o'), 0);
  });

  test('tokens - expected completion comes from max_completion_tokens, then max_tokens, then the default, times n', () => {
    assert.equal(estimateCompletionTokens({ max_completion_tokens: 200, max_tokens: 50 }), 200);
    assert.equal(estimateCompletionTokens({ max_tokens: 50, n: 2 }), 100);
    assert.equal(estimateCompletionTokens({}), DEFAULT_EXPECTED_COMPLETION_TOKENS);
    assert.equal(estimateCompletionTokens({}, { defaultTokens: 300 }), 300);
    assert.equal(estimateCompletionTokens({ max_tokens: 100_000 }, { maxOutputTokens: 16_384 }), 16_384);
    assert.equal(estimateCompletionTokens({ max_tokens: -3 }), DEFAULT_EXPECTED_COMPLETION_TOKENS);
  });

  test('tokens - each encoding loads once and counts exactly as tiktoken, special-token strings as plain text', () => {
    assert.equal(encoderFor('o200k_base'), encoderFor('o200k_base'));
    assert.notEqual(encoderFor('o200k_base'), encoderFor('cl100k_base'));
    // Reference counts from tiktoken (cl100k: "tiktoken is great!" = [83, 1609, 5963, 374, 2294, 0]).
    assert.equal(countTextTokens('hello world', 'gpt-4o'), 2);
    assert.equal(countTextTokens('tiktoken is great!', 'gpt-4o'), 6);
    assert.equal(countTextTokens('tiktoken is great!', 'gpt-3.5-turbo'), 6);
    // A special token typed by a user is text, never an error and never one token: "<", "|", "endo"...
    assert.equal(countTextTokens('<|endoftext|>', 'gpt-4o'), 7);
    assert.equal(countTextTokens('<|im_start|>system', 'gpt-3.5-turbo'), 7);
  });
});

test('tokens - a long run without spaces is counted in bounded time and never under-estimated', () => {
  const started = performance.now();
  const n = countTextTokens('x'.repeat(200_000), 'gpt-4o');
  assert.ok(performance.now() - started < 1_000, 'bounded');
  assert.ok(n >= 200_000 / 8, `at least what BPE would give (${n})`);
  const mixed = countTextTokens(`hello ${'ab'.repeat(5_000)} world`, 'gpt-4o');
  assert.ok(mixed > 2, 'the words around the run are still counted');
});
