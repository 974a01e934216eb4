// Rule routing of virtual models: every condition type, order, scoping, explicit models, default and embedder failures.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, type AutoRouterConfig, type Embedder, type RequestEnvelope, type RoutingRuleConfig, type Tenant } from '@ai-gateway/kit';
import { createRouteSelector, type TenantRoutingPolicy } from '@ai-gateway/router';

function logger(lines: string[] = []) {
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
  return createLogger({ name: 'test', level: 'warn', destination: sink });
}

const NO_TENANT: Tenant = { keyId: null, keyAlias: null, teamId: null, userId: null, projectId: null };

function request(o: { model?: string; text?: string; metadata?: Record<string, string>; tenant?: Partial<Tenant>; body?: Record<string, unknown> }) {
  const body: Record<string, unknown> = { model: o.model ?? 'auto', messages: [{ role: 'user', content: o.text ?? 'hello' }], ...o.body };
  const env: RequestEnvelope = {
    requestId: 'r1', tenant: { ...NO_TENANT, ...o.tenant }, model: o.model ?? 'auto', callType: 'chat', inboundApi: 'openai', stream: false,
    slip: ['router'], replyTo: '', trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0,
    metadata: o.metadata ?? {}, verdicts: [], body: JSON.stringify(body),
  };
  return { env, body };
}

const auto = (extra: Partial<AutoRouterConfig> = {}): AutoRouterConfig => ({ model_names: ['auto'], default_model: 'gpt-4o-mini', ...extra });

function selector(rules: RoutingRuleConfig[], o: { autoRouter?: AutoRouterConfig; tenantPolicy?: (t: Tenant) => TenantRoutingPolicy | null; embedder?: Embedder | Promise<Embedder | null> | null; lines?: string[] } = {}) {
  return createRouteSelector({
    deps: { logger: logger(o.lines), ...(o.embedder !== undefined ? { embedder: o.embedder } : {}), ...(o.tenantPolicy ? { tenantPolicy: o.tenantPolicy } : {}) },
    options: { rules, autoRouter: o.autoRouter ?? auto() },
  });
}

async function route(s: ReturnType<typeof selector>, r: ReturnType<typeof request>) {
  return s.select(r.env, r.body);
}

describe('routing rules - conditions', () => {
  test('x-gateway-task header routes classification to gpt-4o-mini', async () => {
    const s = selector([{ name: 'cls', match: { task: 'classification' }, route_to: 'gpt-4o-mini' }, { match: { task: 'code_generation' }, route_to: 'gpt-4o' }]);
    const d = await route(s, request({ metadata: { 'x-gateway-task': 'Code_Generation' } }));
    assert.deepEqual([d?.group, d?.route, d?.layer], ['gpt-4o', 'rule:rule1', 'rule']);
    assert.equal((await route(s, request({ metadata: { 'x-gateway-task': 'classification' } })))?.route, 'rule:cls');
  });

  test('body metadata.task routes like the header (LiteLLM `metadata.task` key accepted)', async () => {
    const s = selector([{ name: 'sum', match: { 'metadata.task': 'summarization' }, route_to: 'claude-3-5-haiku' }]);
    const d = await route(s, request({ body: { metadata: { task: 'summarization' } } }));
    assert.equal(d?.group, 'claude-3-5-haiku');
  });

  test('key alias, key id and team conditions match the tenant', async () => {
    const s = selector([
      { name: 'k', match: { key_alias: ['batch-jobs'] }, route_to: 'gpt-4o-mini' },
      { name: 'id', match: { key_id: 'key-7' }, route_to: 'o3-mini' },
      { name: 't', match: { team_id: 'research' }, route_to: 'gpt-4o' },
    ]);
    assert.equal((await route(s, request({ tenant: { keyAlias: 'batch-jobs' } })))?.route, 'rule:k');
    assert.equal((await route(s, request({ tenant: { keyId: 'key-7' } })))?.route, 'rule:id');
    assert.equal((await route(s, request({ tenant: { teamId: 'research' } })))?.route, 'rule:t');
    assert.equal((await route(s, request({ tenant: { teamId: 'sales' } })))?.route, 'default');
  });

  test('prompt length bounds use the prompt token count', async () => {
    const s = selector([
      { name: 'long', match: { min_prompt_tokens: 500 }, route_to: 'claude-3-5-haiku' },
      { name: 'short', match: { max_prompt_tokens: 20 }, route_to: 'gpt-4o-mini' },
    ]);
    assert.equal((await route(s, request({ text: 'word '.repeat(600) })))?.route, 'rule:long');
    assert.equal((await route(s, request({ text: 'hi' })))?.route, 'rule:short');
    assert.equal((await route(s, request({ text: 'word '.repeat(100) })))?.route, 'default');
  });

  test('tool use: tools in the request or tool turns in the conversation', async () => {
    const s = selector([{ name: 'tools', match: { has_tools: true }, route_to: 'gpt-4o' }]);
    const tools = [{ type: 'function', function: { name: 'lookup' } }];
    assert.equal((await route(s, request({ body: { tools } })))?.route, 'rule:tools');
    const turns = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ];
    assert.equal((await route(s, request({ body: { messages: turns } })))?.route, 'rule:tools');
    assert.equal((await route(s, request({})))?.route, 'default');
  });

  test('regex on the last user message (case-insensitive), earlier turns ignored', async () => {
    const s = selector([{ name: 'sql', match: { last_user_regex: ['\\bselect\\b.+\\bfrom\\b', 'sql'] }, route_to: 'gpt-4o' }]);
    assert.equal((await route(s, request({ text: 'SELECT name FROM users is slow' })))?.route, 'rule:sql');
    const msgs = [{ role: 'user', content: 'write SQL' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'thanks' }];
    assert.equal((await route(s, request({ body: { messages: msgs } })))?.route, 'default');
  });

  test('all conditions of a rule must hold, and the first matching rule wins', async () => {
    const s = selector([
      { name: 'both', match: { task: 'reasoning', team_id: 'math' }, route_to: 'o3-mini' },
      { name: 'task', match: { task: 'reasoning' }, route_to: 'gpt-4o' },
    ]);
    assert.equal((await route(s, request({ metadata: { 'x-gateway-task': 'reasoning' }, tenant: { teamId: 'math' } })))?.route, 'rule:both');
    assert.equal((await route(s, request({ metadata: { 'x-gateway-task': 'reasoning' } })))?.route, 'rule:task');
  });

  test('an invalid regular expression fails when the rules are built, not per request', () => {
    assert.throws(() => selector([{ match: { last_user_regex: '(' }, route_to: 'x' }]), /routing_rules\[0\]\.match\.last_user_regex/);
  });
});

describe('routing rules - virtual and explicit models', () => {
  test('an explicit model is never rewritten without the tenant policy', async () => {
    const s = selector([{ match: { task: 'classification' }, route_to: 'gpt-4o-mini' }]);
    assert.equal(await route(s, request({ model: 'gpt-4o', metadata: { 'x-gateway-task': 'classification' } })), null);
  });

  test('a tenant whose policy allows it has explicit models rewritten by unscoped rules, else kept', async () => {
    const policy = (t: Tenant) => (t.keyAlias === 'cost-saver' ? { routeExplicitModels: true } : null);
    const s = selector([{ name: 'cls', match: { task: 'classification' }, route_to: 'gpt-4o-mini' }, { name: 'scoped', match: { task: 'x' }, route_to: 'o3-mini', models: ['auto'] }], { tenantPolicy: policy });
    const r = await route(s, request({ model: 'gpt-4o', tenant: { keyAlias: 'cost-saver' }, metadata: { 'x-gateway-task': 'classification' } }));
    assert.equal(r?.group, 'gpt-4o-mini');
    assert.equal(await route(s, request({ model: 'gpt-4o', tenant: { keyAlias: 'cost-saver' }, metadata: { 'x-gateway-task': 'x' } })), null);
    assert.equal(await route(s, request({ model: 'gpt-4o', tenant: { keyAlias: 'other' }, metadata: { 'x-gateway-task': 'classification' } })), null);
  });

  test('rules scoped to one virtual model do not apply to another', async () => {
    const s = selector([{ name: 'a', match: { task: 't' }, route_to: 'gpt-4o', models: ['auto-premium'] }], { autoRouter: auto({ model_names: ['auto', 'auto-premium'] }) });
    assert.equal((await route(s, request({ model: 'auto-premium', metadata: { 'x-gateway-task': 't' } })))?.route, 'rule:a');
    assert.equal((await route(s, request({ model: 'auto', metadata: { 'x-gateway-task': 't' } })))?.route, 'default');
  });

  test('nothing matched and no default_model: a clear 400, not a crash', async () => {
    const s = selector([{ match: { task: 't' }, route_to: 'gpt-4o' }], { autoRouter: { model_names: ['auto'] } });
    await assert.rejects(route(s, request({})), (e: Error & { status?: number; code?: string }) => e.status === 400 && /default_model/.test(e.message));
  });

  test('virtual models default to `auto` when only routing_rules are configured', () => {
    const s = createRouteSelector({ deps: { logger: logger() }, options: { rules: [{ match: { task: 't' }, route_to: 'g' }], autoRouter: undefined } });
    assert.deepEqual(s.virtualModels, ['auto']);
  });
});

describe('semantic routes - embedder failures never fail requests', () => {
  const routes = {
    score_threshold: 0.2, top_k: 1, lexical_weight: 0, lexical_threshold: 0.1, require_embedder: false, timeout_ms: 50,
    routes: [
      { name: 'code', route_to: 'gpt-4o', utterances: ['write a python function', 'fix this javascript bug'] },
      { name: 'summary', route_to: 'claude-3-5-haiku', utterances: ['summarize this article', 'give me a tldr of the report'] },
    ],
  };
  const failing = (when: 'load' | 'embed' | 'slow'): Embedder | Promise<Embedder | null> => {
    if (when === 'load') return Promise.reject(new Error('model missing'));
    let first = true;
    return {
      id: 'fake', dimensions: 2,
      async embed(texts) {
        if (first) { first = false; return texts.map(() => new Float32Array([1, 0])); }
        if (when === 'slow') await new Promise((r) => setTimeout(r, 300));
        throw new Error('onnx exploded');
      },
    };
  };

  for (const when of ['load', 'embed', 'slow'] as const) {
    test(`embedder ${when} failure: the lexical layer answers and a warning is logged`, async () => {
      const lines: string[] = [];
      const s = selector([], { autoRouter: auto({ semantic: routes }), embedder: failing(when), lines });
      await s.ready;
      const d = await route(s, request({ text: 'please summarize this article about trains' }));
      assert.equal(d?.route, 'lexical:summary');
      assert.ok(lines.some((l) => /"level":40/.test(l)), 'warning logged');
    });
  }

  test('a working embedder routes to the nearest examples above the threshold, else default', async () => {
    const vec = (t: string) => (/python|javascript|code/.test(t) ? new Float32Array([1, 0]) : /summar|tldr/.test(t) ? new Float32Array([0, 1]) : new Float32Array([0.1, 0.1]));
    const embedder: Embedder = { id: 'fake', dimensions: 2, embed: async (texts) => texts.map(vec) };
    const s = selector([], { autoRouter: auto({ semantic: routes }), embedder });
    await s.ready;
    assert.equal(s.classifierKind(), 'semantic');
    const d = await route(s, request({ text: 'some python code please' }));
    assert.deepEqual([d?.route, d?.group], ['semantic:code', 'gpt-4o']);
    assert.equal((await route(s, request({ text: 'hello there' })))?.route, 'default');
  });
});
