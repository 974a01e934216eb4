// Durable part of the Bus contract: at-least-once delivery, durable names, replay, dedupe, flow control.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus, DurableMessage } from '../src/index.ts';
import { dec, deferred, enc, sleep, unique, until, withTimeout } from './bus-contract-support.ts';

export function runDurableContract(withBus: (fn: (bus: Bus) => Promise<void>) => Promise<void>, durablePrefix: string): void {
  const durableSubject = (): string => `${durablePrefix}.${unique()}`;

  describe('durable', () => {
    test('durable - an unacked message is redelivered to another member after ackWait, with deliveries > 1', () =>
      withBus(async (bus) => {
        const s = durableSubject();
        const durable = unique();
        const first = deferred<DurableMessage>();
        const crashed = await bus.consumeDurable(s, durable, (m) => first.resolve(m), { ackWaitMs: 500 });
        await bus.publishDurable(s, enc.encode('payload'), { 'x-trace': 't' });
        const m1 = await withTimeout(first.promise, 5_000, 'first delivery');
        assert.equal(m1.deliveries, 1);
        await crashed.stop(); // never acked: the member "crashed"
        const second = deferred<DurableMessage>();
        const started = performance.now();
        const survivor = await bus.consumeDurable(s, durable, (m) => { m.ack(); second.resolve(m); }, { ackWaitMs: 500 });
        const m2 = await withTimeout(second.promise, 5_000, 'redelivery');
        assert.ok(m2.deliveries > 1, `deliveries ${m2.deliveries}`);
        assert.equal(dec.decode(m2.data), 'payload');
        assert.equal(m2.headers['x-trace'], 't');
        assert.ok(performance.now() - started < 4_000);
        await survivor.stop();
      }));

    test('durable - a handler that throws, or whose promise rejects, gets its message again', () =>
      withBus(async (bus) => {
        const s = durableSubject();
        const seen: string[] = [];
        const done = deferred<void>();
        const consumer = await bus.consumeDurable(
          s,
          unique(),
          (m) => {
            const body = dec.decode(m.data);
            seen.push(`${body}#${m.deliveries}`);
            if (m.deliveries === 1 && body === 'sync') throw new Error('handler bug');
            if (m.deliveries === 1 && body === 'async') return Promise.reject(new Error('store down'));
            m.ack();
            if (seen.includes('sync#2') && seen.includes('async#2')) done.resolve();
            return undefined;
          },
          { ackWaitMs: 300 },
        );
        await bus.publishDurable(s, enc.encode('sync'));
        await bus.publishDurable(s, enc.encode('async'));
        await withTimeout(done.promise, 5_000, 'both redelivered');
        assert.deepEqual([...seen].sort(), ['async#1', 'async#2', 'sync#1', 'sync#2']);
        await consumer.stop();
      }));

    test('durable - two durable names each see every message', () =>
      withBus(async (bus) => {
        const s = durableSubject();
        const seen: Record<string, string[]> = { a: [], b: [] };
        const consumers = await Promise.all(
          ['a', 'b'].map((k) => bus.consumeDurable(s, `${k}${unique()}`, (m) => { seen[k]!.push(dec.decode(m.data)); m.ack(); })),
        );
        for (let i = 0; i < 20; i++) await bus.publishDurable(s, enc.encode(String(i)));
        await until(() => seen.a!.length >= 20 && seen.b!.length >= 20, 5_000, 'both durables');
        const all = Array.from({ length: 20 }, (_, i) => String(i));
        assert.deepEqual(seen.a, all);
        assert.deepEqual(seen.b, all);
        await Promise.all(consumers.map((c) => c.stop()));
      }));

    test('durable - members of one durable name share messages, each acked message delivered once', () =>
      withBus(async (bus) => {
        const s = durableSubject();
        const durable = unique();
        const seen: string[] = [];
        const handler = (m: DurableMessage): void => { seen.push(dec.decode(m.data)); m.ack(); };
        const consumers = [await bus.consumeDurable(s, durable, handler), await bus.consumeDurable(s, durable, handler)];
        for (let i = 0; i < 40; i++) await bus.publishDurable(s, enc.encode(String(i)));
        await until(() => seen.length >= 40, 5_000, '40 deliveries');
        await sleep(100);
        assert.equal(seen.length, 40);
        assert.equal(new Set(seen).size, 40);
        await Promise.all(consumers.map((c) => c.stop()));
      }));

    test('durable - messages published before the consumer started are delivered in order', () =>
      withBus(async (bus) => {
        const s = durableSubject();
        for (let i = 0; i < 5; i++) await bus.publishDurable(s, enc.encode(String(i)));
        const seen: string[] = [];
        const c = await bus.consumeDurable(s, unique(), (m) => { seen.push(dec.decode(m.data)); m.ack(); });
        await until(() => seen.length >= 5, 5_000, 'replay');
        assert.deepEqual(seen, ['0', '1', '2', '3', '4']);
        await c.stop();
      }));

    test('durable - a repeated idempotency-key is stored once', () =>
      withBus(async (bus) => {
        const s = durableSubject();
        const key = unique();
        await bus.publishDurable(s, enc.encode('a'), { 'idempotency-key': key });
        await bus.publishDurable(s, enc.encode('a-again'), { 'idempotency-key': key });
        await bus.publishDurable(s, enc.encode('b'), { 'idempotency-key': unique() });
        const seen: string[] = [];
        const c = await bus.consumeDurable(s, unique(), (m) => { seen.push(dec.decode(m.data)); m.ack(); });
        await until(() => seen.includes('b'), 5_000, 'sentinel');
        assert.deepEqual(seen, ['a', 'b']);
        await c.stop();
      }));

    test('durable - at most maxInFlight messages are unacked at once per durable name', () =>
      withBus(async (bus) => {
        const s = durableSubject();
        const held: DurableMessage[] = [];
        const c = await bus.consumeDurable(s, unique(), (m) => void held.push(m), { maxInFlight: 3, ackWaitMs: 10_000 });
        for (let i = 0; i < 10; i++) await bus.publishDurable(s, enc.encode(String(i)));
        await until(() => held.length >= 3, 5_000, 'first three');
        await sleep(150);
        assert.equal(held.length, 3);
        held.forEach((m) => m.ack());
        await until(() => held.length >= 6, 5_000, 'next three after acks');
        await sleep(150);
        assert.equal(held.length, 6);
        assert.deepEqual(held.map((m) => dec.decode(m.data)), ['0', '1', '2', '3', '4', '5']);
        held.forEach((m) => m.ack());
        await c.stop();
      }));

    test('durable - nak with a delay redelivers after the delay', () =>
      withBus(async (bus) => {
        const s = durableSubject();
        const deliveries: number[] = [];
        const times: number[] = [];
        const c = await bus.consumeDurable(s, unique(), (m) => {
          deliveries.push(m.deliveries);
          times.push(performance.now());
          if (m.deliveries === 1) m.nak(200);
          else m.ack();
        }, { ackWaitMs: 10_000 });
        await bus.publishDurable(s, enc.encode('x'));
        await until(() => deliveries.length >= 2, 5_000, 'redelivery after nak');
        assert.deepEqual(deliveries, [1, 2]);
        assert.ok(times[1]! - times[0]! >= 150, `gap ${times[1]! - times[0]!} ms`);
        await c.stop();
      }));
  });
}
