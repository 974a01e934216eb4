import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackGroups, lookupFallbacks, type FallbackSettings } from '../src/domain/index.ts';

const settings: FallbackSettings = {
  fallbacks: [{ 'gpt-4o': ['claude-sonnet', 'gpt-4o-mini'] }, { 'claude-sonnet': ['gpt-4o'] }],
  context_window_fallbacks: [{ 'gpt-4o': ['gpt-4.1-long'] }],
  content_policy_fallbacks: [{ 'gpt-4o': ['claude-sonnet'] }],
  default_fallbacks: ['cheap-default'],
};

describe('fallbacks - by error kind', () => {
  test('falls back to the group fallbacks on rate limits and server errors', () => {
    assert.deepEqual(fallbackGroups('gpt-4o', 'rate_limit', settings), ['claude-sonnet', 'gpt-4o-mini']);
    assert.deepEqual(fallbackGroups('gpt-4o', 'server', settings), ['claude-sonnet', 'gpt-4o-mini']);
  });

  test('tries context_window_fallbacks first on a context window error', () => {
    assert.deepEqual(fallbackGroups('gpt-4o', 'context_window', settings), ['gpt-4.1-long', 'claude-sonnet', 'gpt-4o-mini']);
  });

  test('tries content_policy_fallbacks first on a content policy error, without repeating groups', () => {
    assert.deepEqual(fallbackGroups('gpt-4o', 'content_policy', settings), ['claude-sonnet', 'gpt-4o-mini']);
  });

  test('uses default_fallbacks for a group without its own entry', () => {
    assert.deepEqual(fallbackGroups('mistral', 'server', settings), ['cheap-default']);
    assert.deepEqual(fallbackGroups('mistral', 'context_window', settings), ['cheap-default']);
  });

  test('a "*" entry applies to every group without an exact entry and wins over default_fallbacks', () => {
    const s: FallbackSettings = { fallbacks: [{ '*': ['any-backup'] }, { 'gpt-4o': ['claude-sonnet'] }], default_fallbacks: ['d'] };
    assert.deepEqual(fallbackGroups('gpt-4o', 'server', s), ['claude-sonnet']);
    assert.deepEqual(fallbackGroups('other', 'server', s), ['any-backup']);
  });

  test('no settings means no fallbacks', () => {
    assert.deepEqual(fallbackGroups('gpt-4o', 'server', {}), []);
    assert.equal(lookupFallbacks(null, 'gpt-4o'), null);
  });
});

describe('fallbacks - cycle protection', () => {
  test('never returns the failed group itself', () => {
    const s: FallbackSettings = { fallbacks: [{ a: ['a', 'b'] }] };
    assert.deepEqual(fallbackGroups('a', 'server', s), ['b']);
  });

  test('skips groups this request already visited, so a → b → a cannot loop', () => {
    assert.deepEqual(fallbackGroups('claude-sonnet', 'server', settings, new Set(['gpt-4o'])), []);
  });

  test('following the chain to exhaustion terminates even with cycles', () => {
    const s: FallbackSettings = { fallbacks: [{ a: ['b', 'c'] }, { b: ['a', 'c'] }, { c: ['a', 'b', 'd'] }, { d: ['a'] }] };
    const visited = new Set<string>(['a']);
    const queue = fallbackGroups('a', 'server', s, visited);
    const order: string[] = [];
    for (let guard = 0; queue.length > 0 && guard < 100; guard++) {
      const g = queue.shift() as string;
      if (visited.has(g)) continue;
      visited.add(g);
      order.push(g);
      queue.unshift(...fallbackGroups(g, 'server', s, visited));
    }
    assert.deepEqual(order, ['b', 'c', 'd']);
  });
});
