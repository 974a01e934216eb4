// The completed-event batcher: flush by size or delay, ack after commit, one-by-one retry and dead letters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avroCodec, createLogger, type CompletedEvent, type DurableMessage } from '@ai-gateway/kit';
import { createCompletedBatcher, type CompletedBatcherDeps } from '../src/service/completed-batcher.ts';
import type { RecordResult } from '../src/store/port.ts';
import { completedEvent } from './fixtures.ts';

const logger = createLogger({ name: 'test', level: 'silent' });

interface FakeMessage extends DurableMessage {
  state: 'pending' | 'acked' | 'nakked';
}

function message(requestId: string, deliveries = 1): FakeMessage {
  const m: FakeMessage = {
    subject: 'gw.v1.evt.completed', data: avroCodec.encodeCompleted(completedEvent({ requestId })), headers: {}, deliveries, state: 'pending',
    ack: () => void (m.state = 'acked'),
    nak: () => void (m.state = 'nakked'),
  };
  return m;
}

const recorded = (): RecordResult => ({ recorded: false });

/** A store that records batch sizes; `fail` decides which batches throw. */
function fakeStore(fail: (batch: readonly CompletedEvent[]) => boolean = () => false, down = false) {
  const batches: string[][] = [];
  let gate: Promise<void> = Promise.resolve();
  const store: CompletedBatcherDeps['store'] = {
    async recordCompletedBatch(events) {
      await gate;
      if (fail(events)) throw new Error('batch failed');
      batches.push(events.map((e) => e.requestId));
      return events.map(recorded);
    },
    async getSpendLog() {
      if (down) throw new Error('store down');
      return null;
    },
  };
  return { store, batches, hold: (p: Promise<void>) => void (gate = p) };
}

test('batcher - flushes at once when maxBatch events are pending and the rest after the delay', async () => {
  const { store, batches } = fakeStore();
  // A long delay, so a slow machine cannot reach it before the first check.
  const b = createCompletedBatcher({ deps: { store, logger, afterRecord: async () => {} }, options: { maxBatch: 4, maxDelayMs: 400 } });
  const msgs = Array.from({ length: 6 }, (_, i) => message(`r${i}`));
  const started = Date.now();
  const all = Promise.all(msgs.map((m) => b.handle(m)));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(batches, [['r0', 'r1', 'r2', 'r3']]);
  await all;
  assert.deepEqual(batches, [['r0', 'r1', 'r2', 'r3'], ['r4', 'r5']]);
  assert.ok(Date.now() - started >= 390, 'the partial batch waited for the delay');
  assert.ok(msgs.every((m) => m.state === 'acked'));
});

test('batcher - acks a message only after its batch committed', async () => {
  const { store, hold } = fakeStore();
  let open = (): void => {};
  hold(new Promise<void>((r) => (open = r)));
  const b = createCompletedBatcher({ deps: { store, logger, afterRecord: async () => {} }, options: { maxBatch: 2, maxDelayMs: 5 } });
  const msgs = [message('a'), message('b')];
  const done = Promise.all(msgs.map((m) => b.handle(m)));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(msgs.map((m) => m.state), ['pending', 'pending']);
  open();
  await done;
  assert.deepEqual(msgs.map((m) => m.state), ['acked', 'acked']);
});

test('batcher - after a failed batch records the others one by one and dead-letters a poison event once it failed on enough deliveries', async () => {
  const { store, batches } = fakeStore((batch) => batch.some((e) => e.requestId === 'poison'));
  const settled: string[] = [];
  const b = createCompletedBatcher({ deps: { store, logger, afterRecord: async (e) => void settled.push(e.requestId) }, options: { maxBatch: 3, maxDelayMs: 5, deadLetterAfterDeliveries: 3 } });
  const first = [message('a'), message('poison'), message('c')];
  await Promise.all(first.map((m) => b.handle(m)));
  assert.deepEqual(first.map((m) => m.state), ['acked', 'nakked', 'acked']);
  assert.deepEqual(batches, [['a'], ['c']]);
  assert.deepEqual(settled, ['a', 'c']);
  const third = message('poison', 3);
  await b.handle(third);
  assert.equal(third.state, 'acked');
  assert.equal(b.deadLettered, 1);
});

test('batcher - never dead-letters while the store itself fails: everything is redelivered', async () => {
  const { store } = fakeStore(() => true, true);
  const b = createCompletedBatcher({ deps: { store, logger, afterRecord: async () => {} }, options: { maxBatch: 2, maxDelayMs: 5 } });
  const msgs = [message('a', 9), message('b', 9)];
  await Promise.all(msgs.map((m) => b.handle(m)));
  assert.deepEqual(msgs.map((m) => m.state), ['nakked', 'nakked']);
  assert.equal(b.deadLettered, 0);
});

test('batcher - dead-letters at once an event the store refuses as bad data (SQLSTATE class 22) after the repair hook', async () => {
  const { store } = fakeStore((batch) => batch.some((e) => e.requestId === 'nul'));
  const tried: string[] = [];
  const recordOne = async (e: CompletedEvent): Promise<RecordResult> => {
    tried.push(e.requestId);
    if (e.requestId === 'nul') throw Object.assign(new Error('invalid byte sequence'), { code: '22021' });
    return { recorded: false };
  };
  const b = createCompletedBatcher({ deps: { store, logger, recordOne, afterRecord: async () => {} }, options: { maxBatch: 2, maxDelayMs: 5 } });
  const msgs = [message('ok'), message('nul')];
  await Promise.all(msgs.map((m) => b.handle(m)));
  assert.deepEqual(tried, ['ok', 'nul']);
  assert.deepEqual(msgs.map((m) => m.state), ['acked', 'acked']);
  assert.equal(b.deadLettered, 1);
});

test('batcher - acks an undecodable message at once and naks one whose settling failed', async () => {
  const { store } = fakeStore();
  const b = createCompletedBatcher({ deps: { store, logger, afterRecord: async (e) => { if (e.requestId === 'x') throw new Error('settle failed'); } }, options: { maxDelayMs: 5 } });
  const junk = { ...message('j'), data: new Uint8Array([1, 2, 3]) };
  let junkState = 'pending';
  junk.ack = () => void (junkState = 'acked');
  await b.handle(junk);
  assert.equal(junkState, 'acked');
  const m = message('x');
  await b.handle(m);
  assert.equal(m.state, 'nakked');
});
