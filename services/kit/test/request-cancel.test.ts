import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCancel, contextWith } from '../src/index.ts';

test('request cancel: listeners run once on cancel, an unsubscribed one never, a late one at once', () => {
  const c = new RequestCancel();
  const calls: string[] = [];
  c.onCancel(() => calls.push('a'));
  const off = c.onCancel(() => calls.push('b'));
  c.onCancel(() => {
    throw new Error('listener bug');
  });
  c.onCancel(() => calls.push('c'));
  off();
  assert.equal(c.cancelled, false);
  assert.throws(() => c.cancel(), /listener bug/, 'the first failure is reported');
  assert.deepEqual(calls, ['a', 'c'], 'a throwing listener does not stop the others');
  assert.equal(c.cancelled, true);
  c.cancel();
  assert.deepEqual(calls, ['a', 'c'], 'cancelled once');
  c.onCancel(() => calls.push('late'));
  assert.deepEqual(calls, ['a', 'c', 'late']);
});

test('request cancel: the AbortSignal is made on first use and follows the cancel either way round', () => {
  const before = new RequestCancel();
  const signal = before.signal;
  assert.equal(signal.aborted, false);
  assert.equal(before.signal, signal, 'one signal per request');
  before.cancel();
  assert.equal(signal.aborted, true);
  const after = new RequestCancel();
  after.cancel();
  assert.equal(after.signal.aborted, true, 'asked for after the cancel: already aborted');
});

test('a stage context reads its cancellation through', () => {
  const c = new RequestCancel();
  const ctx = contextWith(c, { forward: () => {}, reply: { send: () => {} }, complete: () => {} });
  let heard = 0;
  ctx.onCancel(() => heard++);
  assert.equal(ctx.cancelled, false);
  c.cancel();
  assert.equal(ctx.cancelled, true);
  assert.equal(ctx.signal.aborted, true);
  assert.equal(heard, 1);
});
