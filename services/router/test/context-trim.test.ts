// Trimming conversations to a token budget: oldest-first and middle-out never split a tool call from its results.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { openai } from '@ai-gateway/kit';
import { fitMessages, toolPairsIntact } from '@ai-gateway/router';

type Msg = openai.ChatMessage;
const size = (m: Msg): number => 4 + (typeof m.content === 'string' ? m.content.length : 0) + (m.tool_calls?.length ?? 0) * 10;

const user = (t: string): Msg => ({ role: 'user', content: t });
const assistant = (t: string): Msg => ({ role: 'assistant', content: t });
const call = (ids: string[]): Msg => ({ role: 'assistant', content: null, tool_calls: ids.map((id) => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } })) });
const result = (id: string): Msg => ({ role: 'tool', tool_call_id: id, content: `result ${id}` });

describe('context trim - examples', () => {
  const convo: Msg[] = [
    { role: 'system', content: 'you are helpful' },
    user('first question '.repeat(5)),
    assistant('first answer '.repeat(5)),
    user('second'),
    call(['a', 'b']),
    result('a'),
    result('b'),
    assistant('second answer'),
    user('latest question'),
  ];

  test('a conversation that fits is returned untouched', () => {
    const r = fitMessages(convo, 10_000, size, 3, 'trim');
    assert.equal(r.dropped, 0);
    assert.deepEqual(r.messages, convo);
  });

  test('trim drops the oldest turns first and keeps system + latest user turn', () => {
    const total = convo.reduce((a, m) => a + size(m), 3);
    const r = fitMessages(convo, total - 100, size, 3, 'trim');
    assert.ok(r.fits);
    assert.equal(r.dropped, 2);
    assert.equal(r.messages[0]?.role, 'system');
    assert.equal(r.messages.at(-1)?.content, 'latest question');
    assert.equal(r.messages[1]?.content, 'second');
  });

  test('a tool call and its results are dropped together', () => {
    const r = fitMessages(convo, 60, size, 3, 'trim');
    assert.ok(toolPairsIntact(convo, r.messages));
    assert.ok(!r.messages.some((m) => m.role === 'tool'));
  });

  test('middle-out keeps the earliest and the latest context and drops the middle', () => {
    const long: Msg[] = [{ role: 'system', content: 's' }];
    for (let i = 0; i < 9; i++) long.push(user(`question ${i} `.repeat(3)), assistant(`answer ${i} `.repeat(3)));
    long.push(user('now'));
    const total = long.reduce((a, m) => a + size(m), 3);
    const r = fitMessages(long, Math.floor(total * 0.6), size, 3, 'middle-out');
    assert.ok(r.fits);
    const texts = r.messages.map((m) => String(m.content));
    assert.ok(texts.some((t) => t.startsWith('question 0')), 'earliest kept');
    assert.ok(texts.some((t) => t.startsWith('answer 8')), 'latest history kept');
    assert.ok(!texts.some((t) => t.startsWith('question 4')), 'middle dropped');
  });

  test('when system + latest user turn alone exceed the budget it reports fits=false', () => {
    const r = fitMessages([{ role: 'system', content: 'x'.repeat(100) }, user('y'.repeat(100))], 50, size, 3, 'trim');
    assert.equal(r.fits, false);
    assert.equal(r.messages.length, 2);
  });
});

/** Random conversations: user/assistant turns, tool calls with 1..3 results, occasional system notes. */
const conversation = fc
  .array(
    fc.oneof(
      fc.record({ kind: fc.constant('user' as const), len: fc.nat(60) }),
      fc.record({ kind: fc.constant('assistant' as const), len: fc.nat(60) }),
      fc.record({ kind: fc.constant('tools' as const), n: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('system' as const), len: fc.nat(20) }),
    ),
    { minLength: 1, maxLength: 30 },
  )
  .map((steps) => {
    const msgs: Msg[] = [{ role: 'system', content: 'rules' }];
    let id = 0;
    for (const s of steps) {
      if (s.kind === 'user') msgs.push(user('u'.repeat(s.len)));
      else if (s.kind === 'assistant') msgs.push(assistant('a'.repeat(s.len)));
      else if (s.kind === 'system') msgs.push({ role: 'system', content: 's'.repeat(s.len) });
      else {
        const ids = Array.from({ length: s.n }, () => `c${id++}`);
        msgs.push(call(ids), ...ids.map(result));
      }
    }
    msgs.push(user('latest'));
    return msgs;
  });

describe('context trim - properties', () => {
  for (const strategy of ['trim', 'middle-out'] as const) {
    test(`${strategy}: never breaks a tool-call pair, keeps every system message and the latest user turn, keeps order`, () => {
      fc.assert(
        fc.property(conversation, fc.integer({ min: 0, max: 1500 }), (msgs, budget) => {
          const r = fitMessages(msgs, budget, size, 3, strategy);
          assert.ok(toolPairsIntact(msgs, r.messages), 'tool pairs intact');
          assert.equal(r.messages.filter((m) => m.role === 'system').length, msgs.filter((m) => m.role === 'system').length);
          assert.equal(r.messages.at(-1), msgs.at(-1));
          // A subsequence of the input, in order.
          let j = 0;
          for (const m of r.messages) {
            while (j < msgs.length && msgs[j] !== m) j++;
            assert.ok(j < msgs.length, 'order kept');
            j++;
          }
          assert.equal(r.dropped, msgs.length - r.messages.length);
          const tokens = r.messages.reduce((a, m) => a + size(m), 3);
          assert.equal(r.tokens, tokens);
          if (r.fits) assert.ok(tokens <= budget);
          // Minimal: dropping happens only when needed.
          if (msgs.reduce((a, m) => a + size(m), 3) <= budget) assert.equal(r.dropped, 0);
        }),
        { numRuns: 500 },
      );
    });
  }
});
