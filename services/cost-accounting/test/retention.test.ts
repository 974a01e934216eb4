// The retention job over a real (in-memory PGlite) store: chunked deletes, the bound per run, the timer, stop.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@ai-gateway/kit';
import { createSqlStore } from '../src/store/store.ts';
import type { Store } from '../src/store/port.ts';
import { startRetention, type RetentionOptions } from '../src/service/retention.ts';
import { completedEvent } from './fixtures.ts';
import { sharedPglite } from './pglite-harness.ts';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const DAY = 86_400_000;

describe('retention', () => {
  const pglite = sharedPglite('r');

  /** A fresh store with `old` spend logs from ten days ago and `recent` from an hour ago; counts prune calls. */
  async function storeWith(old: number, recent: number): Promise<{ store: Store; calls: number[]; count(): Promise<number> }> {
    const sql = await pglite.executor();
    const store = createSqlStore({ deps: { sql } });
    await store.migrate();
    const events = [
      ...Array.from({ length: old }, (_, i) => completedEvent({ requestId: `old-${i}`, receivedAtMs: NOW - 10 * DAY, finishedAtMs: NOW - 10 * DAY + i })),
      ...Array.from({ length: recent }, (_, i) => completedEvent({ requestId: `new-${i}`, receivedAtMs: NOW - 3_600_000, finishedAtMs: NOW - 3_600_000 + i })),
    ];
    await store.recordCompletedBatch(events, NOW);
    const calls: number[] = [];
    const counted: Store = {
      ...store,
      pruneSpendLogs: async (before, limit) => {
        const deleted = await store.pruneSpendLogs(before, limit);
        calls.push(deleted);
        return deleted;
      },
    };
    const count = async () => Number((await sql.query('SELECT count(*)::int AS n FROM spend_logs'))[0]?.['n']);
    return { store: counted, calls, count };
  }

  const run = (store: Store, options: Partial<RetentionOptions>) =>
    startRetention({ deps: { store, logger: silentLogger(), now: () => NOW }, options: { firstRunAfterMs: 3_600_000, ...options } });

  test('a pass deletes every spend log past the period, a chunk per statement, and keeps the recent ones', async () => {
    const h = await storeWith(25, 4);
    const r = run(h.store, { spendLogsMaxAgeMs: 7 * DAY, chunk: 10 });
    try {
      assert.deepEqual(await r.runOnce(), { spendLogs: 25, outbox: 0 });
      assert.deepEqual(h.calls, [10, 10, 5]);
      assert.equal(await h.count(), 4);
      assert.deepEqual(await r.runOnce(), { spendLogs: 0, outbox: 0 }, 'nothing left to delete');
    } finally {
      await r.stop();
    }
  });

  test('without a period spend logs are kept forever, while old published outbox rows still go', async () => {
    const h = await storeWith(3, 0);
    const rows = await h.store.pendingOutbox(100);
    await h.store.markPublished(rows.map((o) => o.id), NOW - 2 * DAY);
    const r = run(h.store, { spendLogsMaxAgeMs: null });
    try {
      assert.deepEqual(await r.runOnce(), { spendLogs: 0, outbox: 6 });
      assert.deepEqual(h.calls, [], 'spend logs are not even queried');
      assert.equal(await h.count(), 3);
    } finally {
      await r.stop();
    }
  });

  test('one pass is bounded; the next one carries on where it stopped', async () => {
    const h = await storeWith(10, 0);
    const r = run(h.store, { spendLogsMaxAgeMs: 7 * DAY, chunk: 2, maxChunksPerRun: 3 });
    try {
      assert.equal((await r.runOnce()).spendLogs, 6);
      assert.equal(await h.count(), 4);
      assert.equal((await r.runOnce()).spendLogs, 4);
      assert.equal(await h.count(), 0);
    } finally {
      await r.stop();
    }
  });

  test('the job runs on its own timer, and overlapping calls share one pass', async () => {
    const h = await storeWith(5, 1);
    const r = run(h.store, { spendLogsMaxAgeMs: 7 * DAY, firstRunAfterMs: 20 });
    try {
      for (let i = 0; i < 100 && (await h.count()) > 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await h.count(), 1, 'the first run came by itself');
      const [a, b] = [r.runOnce(), r.runOnce()];
      assert.equal(a, b);
      await a;
    } finally {
      await r.stop();
    }
  });

  test('stop ends a running pass after its current chunk', async () => {
    const h = await storeWith(8, 0);
    const r = run(h.store, { spendLogsMaxAgeMs: 7 * DAY, chunk: 2 });
    const pass = r.runOnce();
    await r.stop();
    const done = await pass;
    assert.ok(done.spendLogs < 8, `stopped early (deleted ${done.spendLogs})`);
    assert.equal(await h.count(), 8 - done.spendLogs);
  });
});
