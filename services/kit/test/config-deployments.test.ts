// Deployment normalisation: wildcards, stable ids, the default gateway.yaml, freezing and the env var list.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONFIG_ENV_VARS, defaultConfig, defaultConfigPath, loadConfig, matchWildcard } from '../src/config/index.ts';

const WILDCARDS = resolve(import.meta.dirname, '../../../test/fixtures/litellm/wildcard.yaml');

describe('config deployments - wildcards', () => {
  const { config } = loadConfig({ path: WILDCARDS, env: { OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'ak' } });

  test('a provider wildcard resolves the concrete provider model and wins over the catch-all', () => {
    const [d, ...rest] = matchWildcard(config.deployments, 'openai/gpt-4o-mini', config.providerEnv);
    assert.equal(rest.length, 0);
    assert.deepEqual([d?.provider, d?.providerModel, d?.apiKey, d?.wildcard, d?.modelGroup], ['openai', 'gpt-4o-mini', 'sk-o', false, 'openai/gpt-4o-mini']);
    assert.equal(d?.litellmModel, 'openai/gpt-4o-mini');
  });

  test('the catch-all infers the provider from the requested name and takes its key from providerEnv', () => {
    const [claude] = matchWildcard(config.deployments, 'claude-3-haiku-20240307', config.providerEnv);
    assert.deepEqual([claude?.provider, claude?.providerModel, claude?.apiKey, claude?.supported], ['anthropic', 'claude-3-haiku-20240307', 'ak', true]);
    const [gemini] = matchWildcard(config.deployments, 'gemini-1.5-pro', config.providerEnv);
    assert.deepEqual([gemini?.provider, gemini?.supported, gemini?.unsupportedReason], ['gemini', false, 'GEMINI_API_KEY not set']);
    const [bedrock] = matchWildcard(config.deployments, 'bedrock/titan', config.providerEnv);
    assert.equal(bedrock?.supported, false);
  });

  test('a prefix alias maps to a different provider; several deployments of one pattern are all returned', () => {
    const text = [
      'model_list:',
      '  - model_name: "team-a/*"',
      '    litellm_params: { model: "openai/*", api_key: sk-a }',
      '  - model_name: "team-a/*"',
      '    litellm_params: { model: "azure/*", api_key: az, api_base: "https://a.openai.azure.com" }',
    ].join('\n');
    const loaded = loadConfig({ text, env: {} }).config;
    const matches = matchWildcard(loaded.deployments, 'team-a/gpt-4o');
    assert.deepEqual(matches.map((m) => [m.provider, m.providerModel]), [['openai', 'gpt-4o'], ['azure', 'gpt-4o']]);
    assert.deepEqual(matchWildcard(loaded.deployments, 'team-b/gpt-4o'), []);
  });

  test('a wildcard model_name may point at one fixed model', () => {
    const text = 'model_list:\n  - model_name: "gpt-*"\n    litellm_params: { model: openai/gpt-4o-mini, api_key: sk-x }\n';
    const [d] = matchWildcard(loadConfig({ text, env: {} }).config.deployments, 'gpt-3.5-turbo');
    assert.deepEqual([d?.provider, d?.providerModel, d?.modelGroup], ['openai', 'gpt-4o-mini', 'gpt-3.5-turbo']);
  });
});

describe('config deployments - ids', () => {
  test('ids are stable across environments and ignore secrets; model_info.id wins', () => {
    const text = (key: string): string => `model_list:\n  - model_name: m\n    litellm_params: { model: openai/gpt-4o, api_key: ${key} }\n`;
    const a = loadConfig({ text: text('sk-one'), env: {} }).config.deployments[0];
    const b = loadConfig({ text: text('sk-two'), env: {} }).config.deployments[0];
    assert.equal(a?.id, b?.id);
    assert.match(a?.id ?? '', /^[0-9a-f]{16}$/);
    const envRef = 'model_list:\n  - model_name: m\n    litellm_params: { model: openai/gpt-4o, api_base: os.environ/BASE }\n';
    assert.equal(loadConfig({ text: envRef, env: { BASE: 'http://a' } }).config.deployments[0]?.id, loadConfig({ text: envRef, env: { BASE: 'http://b' } }).config.deployments[0]?.id);
    const withId = 'model_list:\n  - model_name: m\n    litellm_params: { model: demo/echo }\n    model_info: { id: my-id }\n';
    assert.equal(loadConfig({ text: withId, env: {} }).config.deployments[0]?.id, 'my-id');
  });
});

describe('config defaults - gateway.yaml', () => {
  test('the default config path is infra/config/gateway.yaml unless GATEWAY_CONFIG is set', () => {
    assert.ok(defaultConfigPath({}).endsWith('infra/config/gateway.yaml'));
    assert.ok(existsSync(defaultConfigPath({})));
    assert.equal(defaultConfigPath({ GATEWAY_CONFIG: '/tmp/other.yaml' }), '/tmp/other.yaml');
  });

  test('gateway.yaml loads offline: demo served, real providers disabled with the missing variable named, open mode', () => {
    const { config, warnings } = loadConfig({ env: {} });
    const status = Object.fromEntries(config.deployments.map((d) => [d.modelGroup, d.supported ? 'ok' : d.unsupportedReason]));
    assert.deepEqual(status, {
      demo: 'ok',
      'demo-embedding': 'ok',
      'gpt-4o': 'OPENAI_API_KEY not set',
      'gpt-4o-mini': 'OPENAI_API_KEY not set',
      'claude-3-5-sonnet': 'ANTHROPIC_API_KEY not set',
      'gemini-1.5-flash': 'GEMINI_API_KEY not set',
      'text-embedding-3-small': 'OPENAI_API_KEY not set',
    });
    assert.equal(config.deployments[0]?.provider, 'demo');
    assert.equal(config.general_settings.master_key, undefined);
    assert.ok(warnings.every((w) => w.code === 'credential_missing' || w.code === 'env_unset'));
    assert.ok(config.guardrails.length >= 1);
    assert.ok(config.virtual_keys.length >= 1);
  });

  test('gateway.yaml enables every provider and the master key when their variables are set', () => {
    const env = { OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'ak', GEMINI_API_KEY: 'gk', LITELLM_MASTER_KEY: 'sk-master', PORT: '4100', HOST: '0.0.0.0', LOG_LEVEL: 'debug' };
    const { config, warnings } = loadConfig({ env });
    assert.ok(config.deployments.every((d) => d.supported));
    assert.equal(config.general_settings.master_key, 'sk-master');
    assert.deepEqual([config.general_settings.port, config.general_settings.host, config.general_settings.log_level], [4100, '0.0.0.0', 'debug']);
    assert.deepEqual(warnings, []);
  });

  test('the loaded config is deeply frozen', () => {
    const { config } = loadConfig({ env: {} });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.deployments[0]?.requestDefaults));
    assert.ok(Object.isFrozen(config.router_settings.fallbacks));
    assert.throws(() => {
      (config.router_settings as { num_retries: number }).num_retries = 9;
    }, TypeError);
  });

  test('defaultConfig() builds fresh defaults each call: no models, LiteLLM router defaults', () => {
    const a = defaultConfig();
    const b = defaultConfig();
    assert.notEqual(a, b);
    assert.deepEqual(a.model_list, []);
    assert.equal(a.router_settings.routing_strategy, 'simple-shuffle');
    assert.equal(a.general_settings.port, 4000);
    assert.equal(a.litellm_settings.cache, false);
  });

  test('CONFIG_ENV_VARS lists every variable the loader reads', () => {
    for (const name of ['GATEWAY_CONFIG', 'LITELLM_MASTER_KEY', 'DATABASE_URL', 'NATS_URL', 'KAFKA_BROKERS', 'QDRANT_URL', 'PORT', 'HOST', 'LOG_LEVEL',
      'OPENAI_API_KEY', 'AZURE_API_KEY', 'AZURE_API_BASE', 'AZURE_API_VERSION', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GROQ_API_KEY']) {
      assert.ok(CONFIG_ENV_VARS.includes(name), name);
    }
    assert.equal(new Set(CONFIG_ENV_VARS).size, CONFIG_ENV_VARS.length);
  });
});
