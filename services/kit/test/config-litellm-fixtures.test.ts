// Each LiteLLM-shaped fixture loads unedited and normalises to the expected deployments and settings.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadConfig, type Deployment, type LoadedConfig } from '../src/config/index.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/litellm');
const load = (name: string, env: Record<string, string> = {}): LoadedConfig => loadConfig({ path: resolve(FIXTURES, name), env });
const byGroup = (ds: readonly Deployment[], group: string): Deployment[] => ds.filter((d) => d.modelGroup === group);
const codes = (r: LoadedConfig): string[] => r.warnings.map((w) => `${w.code} ${w.path}`);

describe('config fixtures - LiteLLM shapes', () => {
  test('basic openai + azure: one model group load-balanced over three providers, openai/ with api_base is openai-compatible', () => {
    const r = load('basic-openai-azure.yaml', { OPENAI_API_KEY: 'sk-openai', AZURE_API_KEY_EU: 'eu-key', AZURE_API_KEY: 'ca-key', AZURE_API_BASE: 'https://ca.openai.azure.com' });
    const group = byGroup(r.config.deployments, 'gpt-4o');
    assert.deepEqual(group.map((d) => d.provider), ['openai', 'azure', 'azure']);
    const [openai, eu, ca] = group as [Deployment, Deployment, Deployment];
    assert.equal(openai.apiKey, 'sk-openai');
    assert.equal(openai.apiBase, 'https://api.openai.com/v1');
    assert.equal(eu.apiBase, 'https://my-endpoint-europe.openai.azure.com/');
    assert.equal(eu.apiVersion, '2024-06-01');
    assert.equal(eu.providerModel, 'gpt-4o-eu');
    assert.equal(eu.rpm, 6);
    assert.equal(ca.id, 'azure-ca');
    assert.equal(ca.apiBase, 'https://ca.openai.azure.com', 'AZURE_API_BASE fills a missing api_base');
    assert.equal(ca.apiKey, 'ca-key');
    assert.match(ca.apiVersion ?? '', /^\d{4}-\d{2}-\d{2}/);
    const vllm = byGroup(r.config.deployments, 'vllm-models')[0];
    assert.equal(vllm?.provider, 'openai-compatible');
    assert.equal(vllm?.providerModel, 'facebook/opt-125m');
    assert.equal(vllm?.apiBase, 'http://0.0.0.0:4000/v1');
    assert.ok(r.config.deployments.every((d) => d.supported));
    assert.equal(r.config.general_settings.master_key, 'sk-1234');
    assert.equal(r.config.litellm_settings.drop_params, true);
    assert.deepEqual(codes(r), ['not_implemented litellm_settings.set_verbose']);
  });

  test('anthropic: request defaults, headers, seconds converted to ms, prices and limits from model_info', () => {
    const r = load('anthropic.yaml', { ANTHROPIC_API_KEY: 'ak' });
    const [sonnet, haiku] = r.config.deployments as [Deployment, Deployment];
    assert.equal(sonnet.provider, 'anthropic');
    assert.equal(sonnet.apiKey, 'ak');
    assert.deepEqual(sonnet.requestDefaults, { max_tokens: 4096, temperature: 0.3 });
    assert.deepEqual(sonnet.headers, { 'anthropic-beta': 'prompt-caching-2024-07-31' });
    assert.equal(sonnet.timeoutMs, 120_000);
    assert.equal(sonnet.streamTimeoutMs, 30_000);
    assert.equal(sonnet.maxRetries, 1);
    assert.equal(sonnet.inputCostPerToken, 0.000003);
    assert.equal(sonnet.outputCostPerToken, 0.000015);
    assert.equal(sonnet.cachedInputCostPerToken, 0.0000003);
    assert.equal(sonnet.maxInputTokens, 200_000);
    assert.equal(sonnet.maxOutputTokens, 8192);
    assert.equal(sonnet.mode, 'chat');
    assert.equal(haiku.provider, 'anthropic', 'claude-* without prefix is anthropic');
    assert.equal(haiku.providerModel, 'claude-3-haiku-20240307');
    assert.deepEqual(r.warnings, []);
  });

  test('wildcard: provider wildcards and the catch-all are kept with wildcard: true', () => {
    const r = load('wildcard.yaml', { OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'ak', GROQ_API_KEY: 'gk' });
    assert.deepEqual(r.config.deployments.map((d) => [d.modelGroup, d.wildcard, d.supported]), [
      ['openai/*', true, true],
      ['anthropic/*', true, true],
      ['groq/*', true, true],
      ['*', true, true],
    ]);
    assert.deepEqual(r.config.providerEnv, { OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'ak', GROQ_API_KEY: 'gk' });
  });

  test('fallbacks + router_settings: single-key-map lists become maps and our settings are kept', () => {
    const rs = load('fallbacks-router-settings.yaml').config.router_settings;
    assert.equal(rs.routing_strategy, 'latency-based-routing');
    assert.deepEqual(rs.fallbacks, { 'gpt-4o': ['claude-3-5-sonnet'], 'claude-3-5-sonnet': ['gpt-4o-mini'] });
    assert.deepEqual(rs.context_window_fallbacks, { 'gpt-4o-mini': ['gpt-4o'] });
    assert.deepEqual(rs.content_policy_fallbacks, { 'gpt-4o': ['claude-3-5-sonnet'] });
    assert.deepEqual(rs.default_fallbacks, ['gpt-4o-mini']);
    assert.equal(rs.num_retries, 3);
    assert.equal(rs.retry_after, 1);
    assert.equal(rs.timeout, 30);
    assert.equal(rs.stream_timeout, 60);
    assert.equal(rs.allowed_fails, 2);
    assert.equal(rs.cooldown_time, 30);
    assert.deepEqual(rs.model_group_alias, { 'gpt-4': 'gpt-4o', 'gpt-4-hidden': { model: 'gpt-4o', hidden: true } });
    assert.equal(rs.ttft_timeout, 10);
    assert.equal(rs.stream_idle_timeout, 20);
    assert.equal(rs.retry_budget, 0.1);
    assert.equal(rs.context_window_policy, 'trim'); // 'truncate' is read as its alias
    assert.equal(rs.routing_rules.length, 1);
  });

  test('load balancing: rpm/tpm beside litellm_params or inside it, weight and order', () => {
    const r = load('load-balancing.yaml', { AZURE_API_KEY: 'az', AZURE_API_BASE: 'https://x.openai.azure.com', OPENAI_API_KEY: 'sk-1', OPENAI_API_KEY_BACKUP: 'sk-2' });
    const [azure, primary, backup] = r.config.deployments as [Deployment, Deployment, Deployment];
    assert.deepEqual([azure.rpm, azure.tpm, azure.weight, azure.order], [1800, 240_000, 1, null]);
    assert.deepEqual([primary.rpm, primary.tpm, primary.weight, primary.order], [100, 1_000_000, 2, 1]);
    assert.deepEqual([backup.rpm, backup.tpm, backup.weight, backup.order], [null, null, 1, 2]);
    assert.equal(backup.apiKey, 'sk-2');
    assert.notEqual(primary.id, backup.id);
    assert.equal(r.config.router_settings.routing_strategy, 'usage-based-routing-v2');
    assert.deepEqual(codes(r).sort(), [
      'not_implemented router_settings.enable_pre_call_checks',
      'not_implemented router_settings.redis_host',
      'not_implemented router_settings.redis_password',
      'not_implemented router_settings.redis_port',
    ]);
  });

  test('unsupported providers load as supported: false beside the ones we serve', () => {
    const r = load('unsupported-providers.yaml', { GROQ_API_KEY: 'gk' });
    const status = Object.fromEntries(r.config.deployments.map((d) => [d.modelGroup, d.supported]));
    assert.deepEqual(status, {
      'claude-bedrock': false, 'gemini-vertex': false, 'llama-local': false, 'llama-local-chat': true,
      'command-r': false, 'sagemaker-llama': false, 'hf-model': false, 'llama-groq': true, 'my-vllm': true,
    });
    const bedrock = byGroup(r.config.deployments, 'claude-bedrock')[0];
    assert.match(bedrock?.unsupportedReason ?? '', /bedrock/);
    assert.equal(bedrock?.providerPrefix, 'bedrock');
    assert.deepEqual(bedrock?.requestDefaults, {}, 'aws_/vertex_ credentials are not request defaults');
    const chat = byGroup(r.config.deployments, 'llama-local-chat')[0];
    assert.equal(chat?.apiBase, 'http://localhost:11434/v1');
    const groq = byGroup(r.config.deployments, 'llama-groq')[0];
    assert.deepEqual([groq?.provider, groq?.apiBase, groq?.apiKey], ['openai-compatible', 'https://api.groq.com/openai/v1', 'gk']);
    assert.equal(r.warnings.filter((w) => w.code === 'unsupported_provider').length, 6);
  });

  test('cache settings: qdrant-semantic params are kept, unset optional env refs warn', () => {
    const r = load('cache-settings.yaml', { OPENAI_API_KEY: 'sk', QDRANT_API_BASE: 'http://127.0.0.1:6333' });
    const ls = r.config.litellm_settings;
    assert.equal(ls.cache, true);
    assert.equal(ls.cache_params.type, 'qdrant-semantic');
    assert.equal(ls.cache_params.similarity_threshold, 0.8);
    assert.equal(ls.cache_params.ttl, 600);
    assert.equal(ls.cache_params.namespace, 'gateway.cache');
    assert.equal(ls.cache_params.qdrant_api_base, 'http://127.0.0.1:6333');
    assert.equal(ls.cache_params.qdrant_api_key, undefined);
    assert.equal(ls.cache_params.qdrant_semantic_cache_embedding_model, 'openai-embedding');
    assert.deepEqual(ls.cache_params.supported_call_types, ['acompletion', 'completion']);
    assert.equal(byGroup(r.config.deployments, 'openai-embedding')[0]?.mode, 'embedding');
    assert.deepEqual(codes(r), ['env_unset litellm_settings.cache_params.qdrant_api_key']);
  });

  test('guardrails: top-level list kept with defaults, vendor guardrails warn as not implemented', () => {
    const r = load('guardrails.yaml', { OPENAI_API_KEY: 'sk', APORIA_API_KEY_2: 'a', APORIA_API_BASE_2: 'http://a', LAKERA_API_KEY: 'l' });
    const g = r.config.guardrails;
    assert.deepEqual(g.map((x) => [x.guardrail_name, x.litellm_params.guardrail, x.litellm_params.default_on]), [
      ['presidio-pii', 'presidio', true],
      ['injection', 'prompt_injection', false],
      ['aporia-post-guard', 'aporia', false],
      ['lakera-guard', 'lakera', false],
    ]);
    assert.deepEqual(g[1]?.litellm_params.mode, ['pre_call', 'during_call']);
    assert.deepEqual(g[0]?.litellm_params.pii_entities_config, { CREDIT_CARD: 'MASK', EMAIL_ADDRESS: 'MASK' });
    assert.deepEqual(codes(r), [
      'not_implemented guardrails[2].litellm_params.guardrail',
      'not_implemented guardrails[3].litellm_params.guardrail',
    ]);
  });

  test('general settings via os.environ, environment_variables set before resolution, callbacks warn', () => {
    const r = load('general-settings-env.yaml', {
      LITELLM_MASTER_KEY: 'sk-master', DATABASE_URL: 'postgres://127.0.0.1/gw', NATS_URL: 'nats://127.0.0.1:4222',
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093', QDRANT_URL: 'http://127.0.0.1:6333',
    });
    const gs = r.config.general_settings;
    assert.equal(gs.master_key, 'sk-master');
    assert.equal(gs.database_url, 'postgres://127.0.0.1/gw');
    assert.equal(gs.nats_url, 'nats://127.0.0.1:4222');
    assert.deepEqual(gs.kafka_brokers, ['127.0.0.1:9092', '127.0.0.1:9093']);
    assert.equal(gs.qdrant_url, 'http://127.0.0.1:6333');
    assert.equal(r.config.deployments[0]?.apiBase, 'http://127.0.0.1:9999/v1', 'api_base came from environment_variables');
    assert.equal(r.config.environment_variables.GATEWAY_REGION, 'eu-west-1');
    assert.deepEqual(codes(r), [
      'not_implemented general_settings.store_model_in_db',
      'not_implemented general_settings.alerting',
      'not_implemented litellm_settings.callbacks',
      'not_implemented litellm_settings.success_callback',
      'not_implemented litellm_settings.failure_callback',
    ]);
    assert.match(r.warnings.find((w) => w.path === 'litellm_settings.success_callback')?.message ?? '', /langfuse/);
  });

  test('numbers with underscores and numeric strings are accepted in numeric fields', () => {
    const r = load('numbers-underscores.yaml');
    const d = r.config.deployments[0];
    assert.deepEqual([d?.rpm, d?.tpm, d?.timeoutMs, d?.maxInputTokens, d?.inputCostPerToken], [20_000, 2_000_000, 30_000, 128_000, 0.0000025]);
    assert.deepEqual(d?.requestDefaults, { max_tokens: 1024 });
    assert.equal(r.config.router_settings.cooldown_time, 60);
    assert.equal(r.config.general_settings.max_request_body_bytes, 1_048_576);
    assert.equal(r.config.general_settings.port, 8080);
    const key = r.config.virtual_keys[0];
    assert.deepEqual([key?.key, key?.max_budget, key?.rpm_limit, key?.tpm_limit, key?.team_id], ['sk-seed-key-0001', 1000, 100, 50_000, 'team-a']);
    assert.deepEqual(r.warnings, []);
  });

  test('models without a prefix resolve like LiteLLM; an unknown name is unsupported, not fatal', () => {
    const r = load('no-prefix.yaml', { OPENAI_API_KEY: 'sk', ANTHROPIC_API_KEY: 'ak', GEMINI_API_KEY: 'gk' });
    assert.deepEqual(r.config.deployments.map((d) => [d.modelGroup, d.provider, d.mode, d.supported]), [
      ['gpt-4o', 'openai', 'chat', true],
      ['o3-mini', 'openai', 'chat', true],
      ['embeddings', 'openai', 'embedding', true],
      ['claude', 'anthropic', 'chat', true],
      ['gemini', 'gemini', 'chat', true],
      ['mystery', 'openai-compatible', 'chat', false],
    ]);
    assert.equal(r.config.deployments[4]?.apiKey, 'gk');
    assert.match(r.config.deployments[5]?.unsupportedReason ?? '', /cannot infer the provider/);
  });

  test('openai-compatible vendors get their well-known base URL and key variable', () => {
    const env = {
      GROQ_API_KEY: 'g', TOGETHERAI_API_KEY: 't', DEEPSEEK_API_KEY: 'd', MISTRAL_API_KEY: 'm', OPENROUTER_API_KEY: 'o',
      FIREWORKS_AI_API_KEY: 'f', XAI_API_KEY: 'x', PERPLEXITYAI_API_KEY: 'p',
    };
    const r = load('openai-compatible-providers.yaml', env);
    assert.ok(r.config.deployments.every((d) => d.provider === 'openai-compatible' && d.supported));
    assert.deepEqual(r.config.deployments.map((d) => [d.apiBase, d.apiKey]), [
      ['https://api.groq.com/openai/v1', 'g'],
      ['https://api.together.xyz/v1', 't'],
      ['https://api.deepseek.com/v1', 'd'],
      ['https://api.mistral.ai/v1', 'm'],
      ['https://openrouter.ai/api/v1', 'o'],
      ['https://api.fireworks.ai/inference/v1', 'f'],
      ['https://api.x.ai/v1', 'x'],
      ['https://api.perplexity.ai', 'p'],
      ['http://localhost:11434/v1', null],
    ]);
    assert.equal(r.config.deployments[1]?.providerModel, 'meta-llama/Llama-3.3-70B-Instruct-Turbo');
    assert.deepEqual(r.warnings, []);
  });
});
