import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../src/telemetry/hot-metrics.ts';

/** The same updates on prom-client's metrics and on the in-place ones: the registries must print the same text. */
function twins(): { prom: Registry; hot: Registry; apply(fn: (m: Metrics) => void): void } {
  const prom = new Registry();
  const hot = new Registry();
  const make = (reg: Registry, kind: 'prom' | 'hot') => {
    const registers = [reg];
    const buckets = [0.01, 0.1, 1, 10];
    return kind === 'prom'
      ? {
          requests: new Counter({ name: 'x_request_total', help: 'Requests "quoted" \\ help.', labelNames: ['model', 'status', 'team'], registers }),
          plain: new Counter({ name: 'x_plain_total', help: 'No labels.', registers }),
          duration: new Histogram({ name: 'x_duration_seconds', help: 'Latency.', labelNames: ['model'], buckets, registers }),
          lag: new Histogram({ name: 'x_lag_seconds', help: 'Unlabelled.', buckets, registers }),
        }
      : {
          requests: new HotCounter({ name: 'x_request_total', help: 'Requests "quoted" \\ help.', labelNames: ['model', 'status', 'team'], registers }),
          plain: new HotCounter({ name: 'x_plain_total', help: 'No labels.', registers }),
          duration: new HotHistogram({ name: 'x_duration_seconds', help: 'Latency.', labelNames: ['model'], buckets, registers }),
          lag: new HotHistogram({ name: 'x_lag_seconds', help: 'Unlabelled.', buckets, registers }),
        };
  };
  const a = make(prom, 'prom') as unknown as Metrics;
  const b = make(hot, 'hot') as unknown as Metrics;
  return { prom, hot, apply: (fn) => (fn(a), fn(b)) };
}

interface Metrics {
  requests: { inc(labels: Record<string, string>, v?: number): void };
  plain: { inc(v?: number): void };
  duration: { observe(labels: Record<string, string>, v: number): void };
  lag: { observe(v: number): void };
}

test('in-place counters and histograms print exactly what prom-client prints for the same updates', async () => {
  const t = twins();
  assert.equal(await t.hot.metrics(), await t.prom.metrics(), 'before any update: unlabelled series at zero, labelled none');
  t.apply((m) => {
    m.requests.inc({ model: 'gpt-4o', status: '200', team: 'none' });
    m.requests.inc({ team: 'none', status: '200', model: 'gpt-4o' }, 2);
    m.requests.inc({ model: 'a "quoted" \\ model\nnext', status: '429', team: 't1' }, 0.5);
    m.requests.inc({ model: 'gpt-4o', status: '500', team: 'none' });
    m.plain.inc();
    m.plain.inc(3);
    for (const v of [0, 0.01, 0.010001, 0.5, 1, 9.99, 10, 11, 1e9]) m.duration.observe({ model: v > 1 ? 'slow' : 'fast' }, v);
    for (const v of [0.001, 0.2, 20]) m.lag.observe(v);
  });
  assert.equal(await t.hot.metrics(), await t.prom.metrics());
  assert.deepEqual(await t.hot.getMetricsAsJSON(), await t.prom.getMetricsAsJSON());
  t.prom.resetMetrics();
  t.hot.resetMetrics();
  assert.equal(await t.hot.metrics(), await t.prom.metrics(), 'after a reset');
});

test('in-place metrics refuse what prom-client refuses: negative or non-finite counts, non-finite observations', () => {
  const r = new Registry();
  const c = new HotCounter({ name: 'y_total', help: 'h', labelNames: ['a'], registers: [r] });
  const h = new HotHistogram({ name: 'y_seconds', help: 'h', buckets: [1], registers: [r] });
  assert.throws(() => c.inc({ a: 'x' }, -1), /cannot add/);
  assert.throws(() => c.inc({ a: 'x' }, Number.NaN), /cannot add/);
  assert.throws(() => h.observe(Number.POSITIVE_INFINITY), /cannot observe/);
  assert.throws(() => new HotHistogram({ name: 'z_seconds', help: 'h', buckets: [2, 1], registers: [] }), /increasing/);
  assert.throws(() => new HotCounter({ name: 'bad name', help: 'h', registers: [] }), /invalid metric name/);
});
