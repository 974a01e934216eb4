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

  test('in-process - a value published with its encoder reaches consumers as itself; bytes are made only when read', async () => {
    const bus = createInProcessBus();
    const event = { id: 'e1', n: 1 };
    let encoded = 0;
    const got: Array<{ value: unknown; bytes: string | null }> = [];
    const reads = await bus.consumeDurable('evt.v', 'reads-bytes', (m) => {
      got.push({ value: m.value, bytes: new TextDecoder().decode(m.data) });
      m.ack();
    });
    const values = await bus.consumeDurable('evt.v', 'takes-value', (m) => {
      got.push({ value: m.value, bytes: null });
      m.ack();
    });
    await bus.publishDurable('evt.v', { value: event, encode: () => (encoded++, new TextEncoder().encode(JSON.stringify(event))) });
    await bus.publishDurable('evt.v', new Uint8Array([65]));
    for (let i = 0; i < 100 && got.length < 4; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(got.length, 4);
    assert.ok(got.filter((g) => g.value !== undefined).every((g) => g.value === event), 'the same object, not a copy');
    assert.deepEqual(got.filter((g) => g.bytes !== null).map((g) => g.bytes), ['{"id":"e1","n":1}', 'A']);
    assert.equal(got.filter((g) => g.value === undefined).length, 2, 'plain bytes carry no value');
    assert.equal(encoded, 1, 'encoded once, for the consumer that read data');
    await reads.stop();
    await values.stop();
    await bus.close();
  });

  test('in-process - interest retention drops what every durable acked, and keeps what one has not', async () => {
    const bus = createInProcessBus({ retention: 'interest' });
    const held: Array<{ n: number; ack(): void }> = [];
    const slow = await bus.consumeDurable('evt.i', 'slow', (m) => {
      held.push({ n: m.data[0] as number, ack: () => m.ack() });
    }, { maxInFlight: 1000 });
    let fastSeen = 0;
    const fast = await bus.consumeDurable('evt.i', 'fast', (m) => {
      fastSeen++;
      m.ack();
    });
    for (let i = 0; i < 200; i++) await bus.publishDurable('evt.i', new Uint8Array([i]));
    for (let i = 0; i < 100 && (fastSeen < 200 || held.length < 200); i++) await new Promise((r) => setTimeout(r, 5));
    // The slow durable acks the first half only: a durable joining now finds the unacked half, not the acked one.
    for (const h of held.slice(0, 100)) h.ack();
    for (let i = 200; i < 264; i++) await bus.publishDurable('evt.i', new Uint8Array([i % 256]));
    await new Promise((r) => setTimeout(r, 20));
    const late: number[] = [];
    const joined = await bus.consumeDurable('evt.i', 'late', (m) => {
      late.push(m.data[0] as number);
      m.ack();
    }, { maxInFlight: 1000 });
    for (let i = 0; i < 100 && late.length < 164; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(late[0], 100, 'acked by every durable: dropped');
    assert.equal(late.length, 164, 'the unacked half and everything after it are kept');
    await Promise.all([slow.stop(), fast.stop(), joined.stop()]);
    await bus.close();
  });

  test('in-process - interest retention loses nothing when a durable falls far behind; the backlog says how far', async () => {
    // Held beyond maxStoredMessages: a billing consumer stalled by its store must still get every event afterwards.
    const bus = createInProcessBus({ retention: 'interest', maxStoredMessages: 50 });
    const held: Array<() => void> = [];
    const got = new Set<number>();
    const slow = await bus.consumeDurable('evt.b', 'billing', (m) => {
      got.add(m.data[0]! + 256 * m.data[1]!);
      held.push(() => m.ack());
    }, { maxInFlight: 20 });
    for (let i = 0; i < 600; i++) await bus.publishDurable('evt.b', new Uint8Array([i % 256, i >> 8]));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.size, 20, 'only maxInFlight out while nothing is acked');
    assert.ok(bus.durableBacklog() >= 600 - 64, `held: ${bus.durableBacklog()}`);
    for (let round = 0; round < 100 && got.size < 600; round++) {
      for (const ack of held.splice(0)) ack();
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const ack of held.splice(0)) ack();
    assert.equal(got.size, 600, 'every message reached the lagging durable');
    for (let i = 0; i < 64; i++) await bus.publishDurable('evt.b', new Uint8Array([0, 0]), { 'idempotency-key': `tail-${i}` });
    for (let round = 0; round < 50 && held.length < 64; round++) await new Promise((r) => setTimeout(r, 2));
    for (const ack of held.splice(0)) ack();
    await bus.publishDurable('evt.b', new Uint8Array([1, 0]));
    assert.ok(bus.durableBacklog() <= 65, `acked messages are trimmed (every 64 appends): ${bus.durableBacklog()}`);
    await slow.stop();
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
