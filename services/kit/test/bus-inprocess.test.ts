// Runs the Bus contract against the in-process adapter, plus what only the in-process adapter promises.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInProcessBus } from '../src/index.ts';
import { runBusContract } from './bus-contract.ts';

runBusContract('in-process', () => createInProcessBus(), { corePrefix: 'test.core', durablePrefix: 'test.evt' });

const data = new Uint8Array([1]);

describe('in-process bus', () => {
  test('in-process - subscriber code never runs inside publish or respond', async () => {
    const bus = createInProcessBus();
    const trace: string[] = [];
    const sub = bus.subscribe('a.b');
    const loop = (async () => {
      for await (const m of sub) {
        trace.push('handled');
        m.respond(data);
        trace.push('responded');
      }
    })();
    trace.push('publish');
    const reply = bus.request('a.b', data, { timeoutMs: 1_000 }).then(() => trace.push('reply'));
    trace.push('returned');
    await reply;
    assert.deepEqual(trace, ['publish', 'returned', 'handled', 'responded', 'reply']);
    await bus.close();
    await loop;
  });

  test('in-process - the durable log keeps the newest maxStoredMessages for late durables', async () => {
    const bus = createInProcessBus({ maxStoredMessages: 10 });
    for (let i = 0; i < 25; i++) await bus.publishDurable('evt.x', new Uint8Array([i]));
    const seen: number[] = [];
    const c = await bus.consumeDurable('evt.>', 'late', (m) => {
      seen.push(m.data[0] as number);
      m.ack();
    });
    for (let i = 0; i < 100 && seen.length < 10; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(seen, [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    await c.stop();
    await bus.close();
  });

  test('in-process - a handler that throws gets its message again', async () => {
    const bus = createInProcessBus();
    const deliveries: number[] = [];
    const c = await bus.consumeDurable('evt.z', 'throws', (m) => {
      deliveries.push(m.deliveries);
      if (m.deliveries === 1) throw new Error('boom');
      m.ack();
    }, { ackWaitMs: 50 });
    await bus.publishDurable('evt.z', data);
    for (let i = 0; i < 200 && deliveries.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(deliveries, [1, 2]);
    await c.stop();
    await bus.close();
  });

  test('in-process - a durable name cannot switch to another subject', async () => {
    const bus = createInProcessBus();
    const c = await bus.consumeDurable('evt.a', 'd', () => {});
    await assert.rejects(bus.consumeDurable('evt.b', 'd', () => {}), /already consumes/);
    await c.stop();
    await bus.close();
  });

  test('in-process - invalid subjects are rejected', () => {
    const bus = createInProcessBus();
    assert.throws(() => bus.subscribe('a..b'), TypeError);
    assert.throws(() => bus.subscribe('a.>.b'), TypeError);
    assert.throws(() => bus.subscribe('a b'), TypeError);
    void bus.close();
  });
});
