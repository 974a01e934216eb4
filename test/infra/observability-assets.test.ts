// Grafana dashboards and Prometheus rules name only metrics and labels that /metrics exports after a traffic run.
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { parse as parseYaml } from 'yaml';
import { createGatewayMetrics } from '@ai-gateway/kit';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { scrapeUntil, type Exposition } from '../support/prom-text.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DASHBOARDS = join(ROOT, 'infra/grafana/dashboards');
/** Fed only when Kafka export runs (the outbox relay): declared, but no samples in this run. */
const FED_ELSEWHERE = new Set(['ai_gateway_kafka_relay_lag_seconds']);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

interface Expr {
  where: string;
  expr: string;
  /** Legend or annotation templates whose {{label}} must be labels of the result. */
  templates: string[];
}

function dashboardExprs(): Expr[] {
  const out: Expr[] = [];
  for (const file of readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string; legendFormat?: string }> }>;
      templating: { list: Array<{ name: string; definition: string }> };
    };
    for (const p of d.panels) for (const t of p.targets) out.push({ where: `${file}: ${p.title}`, expr: t.expr, templates: t.legendFormat ? [t.legendFormat] : [] });
    for (const v of d.templating.list) out.push({ where: `${file}: variable ${v.name}`, expr: v.definition.replace(/^label_values\((\w+),\s*(\w+)\)$/, '$1{$2!=""}'), templates: [] });
  }
  return out;
}

function ruleExprs(): Expr[] {
  const doc = parseYaml(readFileSync(join(ROOT, 'infra/prometheus/alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string; annotations?: Record<string, string> }> }>;
  };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ where: `alerts.yml: ${r.alert}`, expr: r.expr, templates: Object.values(r.annotations ?? {}) })));
}

/** The family a sample name belongs to, and whether it is a histogram bucket. */
function familyName(name: string, e: Exposition): { family: string; bucket: boolean } | null {
  if (e.families.has(name)) return { family: name, bucket: false };
  for (const s of HISTOGRAM_SUFFIXES) {
    const base = name.slice(0, -s.length);
    if (name.endsWith(s) && e.families.get(base)?.type === 'histogram') return { family: base, bucket: s === '_bucket' };
  }
  return null;
}

const declared = createGatewayMetrics({ options: { processMetrics: false } });
function labelsOf(family: string, e: Exposition): Set<string> {
  if (!FED_ELSEWHERE.has(family)) return e.labelsOf(family);
  const m = declared.registry.getSingleMetric(family) as unknown as { labelNames?: string[] } | undefined;
  return new Set(m?.labelNames ?? []);
}

/** Problems of one expression: unknown metrics, label matchers, grouping labels and template labels. */
function check(x: Expr, e: Exposition): string[] {
  const problems: string[] = [];
  const withoutStrings = x.expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const used = new Set<string>();
  let bucket = false;
  for (const m of x.expr.matchAll(/\b(ai_gateway_[a-z0-9_]+)\s*(\{([^}]*)\})?/g)) {
    const f = familyName(m[1] as string, e);
    if (!f) {
      problems.push(`${x.where}: metric ${m[1]} is not exported`);
      continue;
    }
    used.add(f.family);
    bucket ||= f.bucket;
    const have = labelsOf(f.family, e);
    if (f.bucket) have.add('le');
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) if (!have.has(l[1] as string)) problems.push(`${x.where}: ${f.family} has no label ${l[1]}`);
  }
  if (used.size === 0) problems.push(`${x.where}: names no gateway metric`);
  const union = new Set<string>([...used].flatMap((f) => [...labelsOf(f, e)]));
  if (bucket) union.add('le');
  for (const g of withoutStrings.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)) {
    for (const l of (g[1] as string).split(',').map((s) => s.trim()).filter(Boolean)) if (!union.has(l)) problems.push(`${x.where}: groups by ${l}, which none of ${[...used].join(', ')} has`);
  }
  for (const t of x.templates) {
    for (const l of t.matchAll(/\{\{\s*(?:\$labels\.)?([a-zA-Z_]\w*)\s*\}\}/g)) if (!union.has(l[1] as string)) problems.push(`${x.where}: template names label ${l[1]}`);
  }
  return problems;
}

describe('observability assets against a real /metrics', () => {
  let fake: FakeServer;
  let gw: TestGateway;
  let exposition: Exposition;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startTestGateway({
      mode: 'embedded',
      yaml: `
model_list:
  - model_name: ok
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-a }
    model_info: { input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001 }
  - model_name: flaky
    litellm_params: { model: openai/fake-error-503, api_base: ${fake.url}/v1, api_key: sk-a, max_retries: 0 }
router_settings: { allowed_fails: 0, cooldown_time: 30, retry_after: 0, fallbacks: [{ flaky: [ok] }] }
guardrails:
  - guardrail_name: pii-mask
    litellm_params: { guardrail: presidio, mode: pre_call, default_on: true, pii_entities_config: { EMAIL_ADDRESS: MASK } }
litellm_settings:
  cache: true
`,
    });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    const ask = (model: string, content: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content }] });
    // Random: the embedded store may outlive the run, and team ids are unique.
    const team = `infra-${randomBytes(4).toString('hex')}`;
    const made = await fetch(`${gw.url}/team/new`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team_id: team, max_budget: 5 }) });
    assert.equal(made.status, 200);
    await ask('ok', 'hello');
    await ask('flaky', 'fall back please');
    await ask('ok', 'mail jane.doe@example.com');
    const s = await client.chat.completions.create({ model: 'ok', messages: [{ role: 'user', content: 'stream' }], stream: true });
    for await (const _ of s) void _;
    for (let i = 0; i < 40; i++) {
      const { response } = await ask('ok', 'hello').withResponse();
      if ((response.headers.get('x-gateway-cache') ?? '').includes('hit')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    exposition = await scrapeUntil(gw.url, (e) => e.sum('ai_gateway_cache_requests_total', { result: 'exact_hit' }) >= 1 && e.sum('ai_gateway_fallback_total') >= 1 && e.sum('ai_gateway_budget_remaining_usd') > 0);
  });
  after(async () => {
    await gw?.close();
    await fake?.close();
  });

  test('the traffic run produced samples for every metric the assets use, except the gauges fed elsewhere', () => {
    for (const x of [...dashboardExprs(), ...ruleExprs()]) {
      for (const m of x.expr.matchAll(/\b(ai_gateway_[a-z0-9_]+)/g)) {
        const f = familyName(m[1] as string, exposition);
        if (f && !FED_ELSEWHERE.has(f.family)) assert.ok((exposition.families.get(f.family)?.samples.length ?? 0) > 0, `${x.where}: ${f.family} has no samples`);
      }
    }
  });

  test('every Grafana dashboard expression names exported metrics and labels', () => {
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 30, `found ${exprs.length} expressions`);
    assert.deepEqual(exprs.flatMap((x) => check(x, exposition)), []);
  });

  test('every Prometheus alert names exported metrics and labels', () => {
    const exprs = ruleExprs();
    const names = exprs.map((x) => x.where);
    for (const needed of ['AIGatewayHighErrorRate', 'AIGatewayAllDeploymentsCooling', 'AIGatewayBudgetNearlySpent', 'AIGatewayKafkaRelayLag']) {
      assert.ok(names.some((n) => n.endsWith(needed)), `${needed} is defined`);
    }
    assert.deepEqual(exprs.flatMap((x) => check(x, exposition)), []);
  });

  test('the checker itself rejects an unknown metric, label or grouping', () => {
    const bad: Expr[] = [
      { where: 'a', expr: 'rate(ai_gateway_requests_total[5m])', templates: [] },
      { where: 'b', expr: 'sum(rate(ai_gateway_request_total{user="x"}[5m]))', templates: [] },
      { where: 'c', expr: 'sum by (user) (rate(ai_gateway_request_total[5m]))', templates: [] },
      { where: 'd', expr: 'sum by (model) (rate(ai_gateway_request_total[5m]))', templates: ['{{deployment}}'] },
    ];
    for (const x of bad) assert.ok(check(x, exposition).length >= 1, x.where);
  });

  test('Grafana provisioning points at the dashboards folder and a Prometheus datasource with the uid the panels use', () => {
    const prov = parseYaml(readFileSync(join(ROOT, 'infra/grafana/provisioning/dashboards/ai-gateway.yml'), 'utf8')) as { apiVersion: number; providers: Array<{ type: string; options: { path: string } }> };
    assert.equal(prov.apiVersion, 1);
    assert.equal(prov.providers[0]?.type, 'file');
    assert.equal(prov.providers[0]?.options.path, '/var/lib/grafana/dashboards');
    const ds = parseYaml(readFileSync(join(ROOT, 'infra/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string; type: string }> };
    assert.equal(ds.datasources[0]?.type, 'prometheus');
    const uids = new Set<string>();
    for (const file of readdirSync(DASHBOARDS)) {
      const d = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as { uid: string; panels: Array<{ datasource: { uid: string }; targets: Array<{ refId: string }> }> };
      assert.ok(!uids.has(d.uid), `dashboard uid ${d.uid} is unique`);
      uids.add(d.uid);
      for (const p of d.panels) {
        assert.equal(p.datasource.uid, ds.datasources[0]?.uid);
        assert.equal(new Set(p.targets.map((t) => t.refId)).size, p.targets.length);
      }
    }
    assert.deepEqual([...uids].sort(), ['ai-gateway-cache', 'ai-gateway-cost', 'ai-gateway-guardrails', 'ai-gateway-overview', 'ai-gateway-reliability']);
  });

  test('the Prometheus configs load the alert rules and scrape /metrics', () => {
    for (const file of ['prometheus.yml', 'prometheus-kubernetes.yml']) {
      const cfg = parseYaml(readFileSync(join(ROOT, 'infra/prometheus', file), 'utf8')) as { rule_files: string[]; scrape_configs: Array<{ job_name: string; metrics_path?: string }> };
      assert.deepEqual(cfg.rule_files, ['alerts.yml']);
      assert.ok(cfg.scrape_configs.length >= 1);
    }
  });
});
