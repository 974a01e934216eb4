// Config error and warning paths: unset env vars, wrong types with masked secrets, unknown keys.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/index.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/config');

function loadError(opts: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(opts);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected loadConfig to throw');
}

describe('config errors - fatal problems', () => {
  test('an unset env var in a required field fails with the YAML path and the variable name', () => {
    const err = loadError({ path: resolve(FIXTURES, 'unset-required-env.yaml'), env: {} });
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]?.path, 'model_list[1].litellm_params.model');
    assert.match(err.message, /model_list\[1\]\.litellm_params\.model/);
    assert.match(err.message, /GATEWAY_TEST_MODEL/);
  });

  test('the same file loads once the variable is set, and an unset optional api_key only disables the deployment', () => {
    const { config, warnings } = loadConfig({ path: resolve(FIXTURES, 'unset-required-env.yaml'), env: { GATEWAY_TEST_MODEL: 'openai/gpt-4o', OPENAI_API_KEY: 'sk-other' } });
    const d = config.deployments[1];
    assert.equal(d?.providerModel, 'gpt-4o');
    assert.equal(d?.apiKey, 'sk-other', 'falls back to the provider variable when the referenced one is unset');
    assert.equal(warnings.length, 0);
    const noKey = loadConfig({ path: resolve(FIXTURES, 'unset-required-env.yaml'), env: { GATEWAY_TEST_MODEL: 'openai/gpt-4o' } });
    assert.equal(noKey.config.deployments[1]?.supported, false);
    assert.equal(noKey.config.deployments[1]?.unsupportedReason, 'GATEWAY_TEST_KEY not set');
    assert.match(noKey.warnings[0]?.message ?? '', /GATEWAY_TEST_KEY not set/);
  });

  test('wrong types fail with one "path: expected X, got value" line per problem', () => {
    const err = loadError({ path: resolve(FIXTURES, 'wrong-types.yaml'), env: {} });
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p.message]));
    assert.deepEqual(Object.keys(byPath).sort(), [
      'general_settings.master_key',
      'general_settings.port',
      'model_list[0].litellm_params.api_key',
      'model_list[0].litellm_params.rpm',
      'router_settings.fallbacks',
      'router_settings.routing_strategy',
      'router_settings.timeout',
      'virtual_keys[0].max_budget',
    ]);
    assert.equal(byPath['model_list[0].litellm_params.rpm'], 'expected a number, got "lots"');
    assert.equal(byPath['general_settings.port'], 'expected a number, got "eighty"');
    assert.match(byPath['router_settings.routing_strategy'] ?? '', /^expected one of "simple-shuffle".*got "fastest"$/);
    assert.equal(byPath['router_settings.fallbacks'], 'expected a list or a map, got 3');
    assert.match(err.message, /virtual_keys\[0\]\.max_budget: expected a number, got "ten"/);
  });

  test('secrets in error messages are masked: secret-named keys and sk- values', () => {
    const err = loadError({ path: resolve(FIXTURES, 'wrong-types.yaml'), env: {} });
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p.message]));
    assert.match(byPath['model_list[0].litellm_params.api_key'] ?? '', /^expected a string, got <masked number/);
    assert.match(byPath['router_settings.timeout'] ?? '', /^expected a number, got <masked string/);
    assert.match(byPath['general_settings.master_key'] ?? '', /^expected a string, got <masked list/);
    assert.doesNotMatch(err.message, /12345678|sk-live|sk-master/);
  });

  test('a value that came from the environment is masked in a type error', () => {
    const err = loadError({ text: 'router_settings:\n  cooldown_time: os.environ/COOLDOWN\n', env: { COOLDOWN: 'hunter2-password' } });
    assert.equal(err.problems[0]?.path, 'router_settings.cooldown_time');
    assert.doesNotMatch(err.message, /hunter2/);
    assert.match(err.message, /expected a number, got <masked string, 16 chars> \(from environment variable COOLDOWN\)/);
  });

  test('an env fallback with a bad value names the variable it came from', () => {
    const err = loadError({ text: '', env: { PORT: 'eighty' } });
    assert.equal(err.problems[0]?.path, 'general_settings.port');
    assert.match(err.problems[0]?.message ?? '', /from environment variable PORT/);
  });

  test('invalid YAML, a non-map document and a missing file fail with a ConfigError', () => {
    assert.match(loadError({ text: 'model_list: [\n', env: {} }).message, /not valid YAML/);
    assert.match(loadError({ text: '- a\n- b\n', env: {} }).message, /map of settings/);
    assert.match(loadError({ path: resolve(FIXTURES, 'does-not-exist.yaml'), env: {} }).message, /cannot read config file/);
  });

  test('a missing required key is reported with its path', () => {
    const err = loadError({ text: 'model_list:\n  - model_name: x\n', env: {} });
    assert.deepEqual(err.problems.map((p) => p.path), ['model_list[0].litellm_params']);
    assert.match(err.problems[0]?.message ?? '', /expected a map, got nothing/);
  });
});

describe('config warnings - never fatal', () => {
  test('unknown keys warn once each with their YAML path; LiteLLM-only settings warn as not implemented', () => {
    const { config, warnings } = loadConfig({ path: resolve(FIXTURES, 'unknown-keys.yaml'), env: {} });
    assert.equal(config.deployments[0]?.provider, 'demo');
    assert.deepEqual(warnings.map((w) => `${w.code} ${w.path}`).sort(), [
      'not_implemented general_settings.alerting',
      'not_implemented router_settings.coordination_redis',
      'not_implemented search_tools',
      'unknown_key colour_scheme',
      'unknown_key general_settings.colour',
      'unknown_key model_list[0].model_infos',
      'unknown_key router_settings.routing_stratgy',
    ]);
    for (const w of warnings) assert.ok(w.message.startsWith(`${w.path}:`), w.message);
    assert.equal(config.router_settings.routing_strategy, 'simple-shuffle', 'a misspelt key does not take effect');
  });

  test('an unset env var in an optional field resolves to undefined with a warning naming it', () => {
    const { config, warnings } = loadConfig({ text: 'general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n', env: {} });
    assert.equal(config.general_settings.master_key, undefined);
    assert.deepEqual(warnings.map((w) => [w.code, w.path]), [['env_unset', 'general_settings.master_key']]);
    assert.match(warnings[0]?.message ?? '', /LITELLM_MASTER_KEY/);
  });

  test('an unimplemented cache type warns and legacy litellm_settings fallbacks are merged into router_settings', () => {
    const text = [
      'litellm_settings:',
      '  cache: true',
      '  cache_params: { type: redis, host: localhost }',
      '  num_retries: 4',
      '  request_timeout: 45',
      '  fallbacks: [{ a: [b] }]',
      'router_settings:',
      '  num_retries: 1',
    ].join('\n');
    const { config, warnings } = loadConfig({ text, env: {} });
    assert.equal(config.router_settings.num_retries, 1, 'router_settings wins');
    assert.equal(config.router_settings.timeout, 45);
    assert.deepEqual(config.router_settings.fallbacks, { a: ['b'] });
    assert.deepEqual(warnings.map((w) => `${w.code} ${w.path}`), [
      'not_implemented litellm_settings.cache_params.host',
      'not_implemented litellm_settings.cache_params.type',
      'unknown_model_group router_settings.fallbacks.a',
      'unknown_model_group router_settings.fallbacks.a',
    ]);
    assert.match(warnings[3]?.message ?? '', /model group "b" is not in model_list/);
  });

  test('YAML anchors and merge keys work, and top-level x- anchor holders do not warn', () => {
    const text = [
      'x-common: &common { model: demo/echo, temperature: 0.1 }',
      'model_list:',
      '  - model_name: a',
      '    litellm_params: { <<: *common }',
    ].join('\n');
    const { config, warnings } = loadConfig({ text, env: {} });
    assert.deepEqual(config.deployments[0]?.requestDefaults, { temperature: 0.1 });
    assert.deepEqual(warnings, []);
  });

  test('empty sections (`key:` with nothing after it) count as absent', () => {
    const { config, warnings } = loadConfig({ text: 'model_list:\ngeneral_settings:\nrouter_settings:\n  fallbacks:\n', env: {} });
    assert.deepEqual(config.model_list, []);
    assert.equal(config.general_settings.port, 4000);
    assert.deepEqual(warnings, []);
  });

  test('virtual keys accept LiteLLM\'s `models` as allowed_models', () => {
    const { config } = loadConfig({ text: 'virtual_keys:\n  - key_alias: a\n    models: [demo]\n', env: {} });
    assert.deepEqual(config.virtual_keys[0]?.allowed_models, ['demo']);
  });

  test('spend log retention takes LiteLLM durations; a bad one fails with its path; the cleanup cron is only warned about', () => {
    const { config, warnings } = loadConfig({
      text: 'general_settings:\n  maximum_spend_logs_retention_period: "7d"\n  maximum_spend_logs_retention_interval: 3600\n  maximum_spend_logs_cleanup_cron: "0 4 * * *"\n',
      env: {},
    });
    assert.equal(config.general_settings.maximum_spend_logs_retention_period, 7 * 86_400_000);
    assert.equal(config.general_settings.maximum_spend_logs_retention_interval, 3_600_000, 'a number is seconds');
    assert.deepEqual(warnings.map((w) => w.path), ['general_settings.maximum_spend_logs_cleanup_cron']);
    for (const [text, ms] of [['24h', 86_400_000], ['60m', 3_600_000], ['3600s', 3_600_000], ['2w', 1_209_600_000]] as const) {
      assert.equal(loadConfig({ text: `general_settings:\n  maximum_spend_logs_retention_period: ${text}\n`, env: {} }).config.general_settings.maximum_spend_logs_retention_period, ms);
    }
    assert.equal(loadConfig({ text: '', env: {} }).config.general_settings.maximum_spend_logs_retention_period, undefined, 'unset: kept forever');
    for (const bad of ['"7x"', '"0d"', '"-1d"', '"d"']) {
      const err = loadError({ text: `general_settings:\n  maximum_spend_logs_retention_period: ${bad}\n`, env: {} });
      assert.deepEqual(err.problems.map((p) => p.path), ['general_settings.maximum_spend_logs_retention_period']);
      assert.match(err.problems[0]?.message ?? '', /positive duration such as "7d"/);
    }
  });

  test('duplicate deployment ids are made unique with a warning', () => {
    const text = 'model_list:\n  - model_name: d\n    litellm_params: { model: demo/echo }\n  - model_name: d\n    litellm_params: { model: demo/echo }\n';
    const { config, warnings } = loadConfig({ text, env: {} });
    const [a, b] = config.deployments;
    assert.equal(b?.id, `${a?.id}-2`);
    assert.deepEqual(warnings.map((w) => `${w.code} ${w.path}`), ['duplicate_id model_list[1]']);
  });
});
