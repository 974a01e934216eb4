// loadConfig: reads gateway.yaml once at boot, resolves env refs, validates, normalises and deep-freezes it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { buildDeployments, wildcardPattern, type Deployment } from './deployments.ts';
import { fillIfAbsent, resolveEnvRefs, type Env } from './env.ts';
import { problemFromIssue } from './issues.ts';
import { ConfigError, formatPath, isRecord, valueAt, type ConfigWarning } from './problems.ts';
import { providerEnvVars } from './providers.ts';
import { configSchema, type ConfigFile } from './schema.ts';
import { CALLBACK_KEYS, IMPLEMENTED_GUARDRAILS, notImplementedKeysAt } from './unimplemented.ts';

export type GatewayConfig = ConfigFile & {
  /** One normalised entry per model_list item, in file order. */
  deployments: Deployment[];
  /** Provider credentials found in the environment (for `*` wildcard entries; see matchWildcard). */
  providerEnv: Record<string, string>;
  /** Where the config came from: a file path or `<text>`. */
  source: string;
};

export interface LoadConfigOptions {
  path?: string;
  text?: string;
  env?: Env;
}

export interface LoadedConfig {
  config: GatewayConfig;
  warnings: ConfigWarning[];
}

/** Settings that fall back to an env var when the file leaves them out. */
const SETTING_ENV_FALLBACKS: ReadonlyArray<readonly [string, string]> = [
  ['master_key', 'LITELLM_MASTER_KEY'],
  ['database_url', 'DATABASE_URL'],
  ['nats_url', 'NATS_URL'],
  ['kafka_brokers', 'KAFKA_BROKERS'],
  ['qdrant_url', 'QDRANT_URL'],
  ['port', 'PORT'],
  ['host', 'HOST'],
  ['log_level', 'LOG_LEVEL'],
];

/** Provider keys and endpoints read when a deployment leaves api_key / api_base / api_version out. */
export const PROVIDER_ENV_VARS: readonly string[] = Object.freeze(providerEnvVars());

/** Every environment variable the loader itself reads (docker-compose is checked against this list). */
export const CONFIG_ENV_VARS: readonly string[] = Object.freeze([
  'GATEWAY_CONFIG',
  ...SETTING_ENV_FALLBACKS.map(([, name]) => name),
  ...PROVIDER_ENV_VARS,
]);

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export function defaultConfigPath(env: Env = process.env): string {
  const fromEnv = env.GATEWAY_CONFIG;
  return fromEnv ? resolve(fromEnv) : resolve(REPO_ROOT, 'infra/config/gateway.yaml');
}

/** The config used when the file is empty: every default, no models. */
export function defaultConfig(): GatewayConfig {
  return loadConfig({ text: '', env: {} }).config;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function readSource(opts: LoadConfigOptions, env: Env): { source: string; text: string } {
  if (opts.text !== undefined) return { source: opts.path ?? '<text>', text: opts.text };
  const path = opts.path ? resolve(opts.path) : defaultConfigPath(env);
  try {
    return { source: path, text: readFileSync(path, 'utf8') };
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read config file: ${(err as Error).message}` }]);
  }
}

function parseText(source: string, text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, merge: true });
  } catch (err) {
    throw new ConfigError(source, [{ path: '', message: `not valid YAML: ${(err as Error).message}` }]);
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw new ConfigError(source, [{ path: '', message: 'expected a map of settings at the top level' }]);
  return doc;
}

/** LiteLLM allows some router settings under litellm_settings; router_settings wins when both are set. */
function mergeLegacyRouterSettings(tree: Record<string, unknown>): void {
  const ls = tree.litellm_settings;
  if (!isRecord(ls)) return;
  const pairs: Array<[string, string]> = [
    ['num_retries', 'num_retries'], ['request_timeout', 'timeout'], ['fallbacks', 'fallbacks'],
    ['context_window_fallbacks', 'context_window_fallbacks'], ['content_policy_fallbacks', 'content_policy_fallbacks'],
    ['default_fallbacks', 'default_fallbacks'],
  ];
  for (const [from, to] of pairs) {
    const value = ls[from];
    if (value === undefined) continue;
    const rs = isRecord(tree.router_settings) ? tree.router_settings : (tree.router_settings = {});
    if (isRecord(rs) && rs[to] === undefined) rs[to] = value;
  }
}

function deleteAt(root: unknown, path: (string | number)[], key: string): void {
  const parent = valueAt(root, path);
  if (isRecord(parent)) delete parent[key];
}

function sectionOf(path: (string | number)[]): string {
  return path.filter((seg) => typeof seg === 'string').join('.');
}

function validate(tree: Record<string, unknown>, source: string, ctx: { unset: Map<string, string>; fromEnv: Map<string, string> }, warnings: ConfigWarning[]): ConfigFile {
  for (let round = 0; round < 4; round++) {
    const result = configSchema.safeParse(tree);
    const unknown = result.success ? [] : result.error.issues.filter((i) => i.code === 'unrecognized_keys');
    if (unknown.length === 0) {
      if (result.success) return result.data;
      throw new ConfigError(source, result.error.issues.map((issue) => problemFromIssue(issue, { tree, ...ctx })));
    }
    for (const issue of unknown) {
      const at = issue.path.map((s) => (typeof s === 'number' ? s : String(s)));
      const known = notImplementedKeysAt(sectionOf(at));
      for (const key of issue.code === 'unrecognized_keys' ? issue.keys : []) {
        const path = formatPath([...at, key]);
        deleteAt(tree, at, key);
        // Top-level `x-…` keys hold YAML anchors (the docker-compose convention): expected, not a typo.
        if (at.length === 0 && key.startsWith('x-')) continue;
        warnings.push(known.includes(key)
          ? { code: 'not_implemented', path, message: `${path}: LiteLLM setting "${key}" is not implemented by this gateway and is ignored` }
          : { code: 'unknown_key', path, message: `${path}: unknown key "${key}" is ignored` });
      }
    }
  }
  throw new ConfigError(source, [{ path: '', message: 'could not settle unknown keys' }]);
}

function featureWarnings(file: ConfigFile, warnings: ConfigWarning[]): void {
  const ls = file.litellm_settings;
  for (const key of CALLBACK_KEYS) {
    const value = ls[key];
    if (value === undefined) continue;
    const names = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
    const path = `litellm_settings.${key}`;
    warnings.push({ code: 'not_implemented', path, message: `${path}: callbacks (${names}) are accepted but not implemented; use the gateway's metrics, logs and Kafka streams` });
  }
  if (ls.guardrails !== undefined) {
    warnings.push({ code: 'not_implemented', path: 'litellm_settings.guardrails', message: 'litellm_settings.guardrails (legacy format) is not implemented; declare guardrails in the top-level guardrails list' });
  }
  const cacheType = ls.cache_params.type;
  if (ls.cache && cacheType !== 'local' && cacheType !== 'local-semantic' && cacheType !== 'qdrant-semantic') {
    warnings.push({ code: 'not_implemented', path: 'litellm_settings.cache_params.type', message: `litellm_settings.cache_params.type: cache type "${cacheType}" is not implemented; the exact-match local cache is used` });
  }
  file.guardrails.forEach((g, i) => {
    const vendor = g.litellm_params.guardrail;
    if (IMPLEMENTED_GUARDRAILS.includes(vendor)) return;
    const path = formatPath(['guardrails', i, 'litellm_params', 'guardrail']);
    warnings.push({ code: 'not_implemented', path, message: `${path}: guardrail "${g.guardrail_name}" uses vendor "${vendor}", which is not implemented; it will not run` });
  });
}

/** A fallback naming a model group that nothing serves is almost always a typo. */
function fallbackWarnings(file: ConfigFile, deployments: readonly Deployment[], warnings: ConfigWarning[]): void {
  const groups = new Set(deployments.map((d) => d.modelGroup));
  const aliases = new Set(Object.keys(file.router_settings.model_group_alias));
  const served = (name: string): boolean =>
    groups.has(name) || aliases.has(name) || deployments.some((d) => d.wildcard && wildcardPattern(d.modelGroup).test(name));
  const kinds = ['fallbacks', 'context_window_fallbacks', 'content_policy_fallbacks'] as const;
  for (const kind of kinds) {
    for (const [from, targets] of Object.entries(file.router_settings[kind])) {
      for (const name of [from, ...targets]) {
        if (served(name)) continue;
        const path = formatPath(['router_settings', kind, from]);
        warnings.push({ code: 'unknown_model_group', path, message: `${path}: model group "${name}" is not in model_list` });
      }
    }
  }
  for (const name of file.router_settings.default_fallbacks) {
    if (!served(name)) warnings.push({ code: 'unknown_model_group', path: 'router_settings.default_fallbacks', message: `router_settings.default_fallbacks: model group "${name}" is not in model_list` });
  }
}

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const baseEnv: Env = opts.env ?? process.env;
  const { source, text } = readSource(opts, baseEnv);
  const raw = parseText(source, text);
  const warnings: ConfigWarning[] = [];

  // environment_variables first: LiteLLM sets them into the environment before anything else is read.
  const declared = resolveEnvRefs(raw.environment_variables ?? {}, baseEnv).tree;
  const env: Env = { ...baseEnv };
  if (isRecord(declared)) for (const [k, v] of Object.entries(declared)) if (v !== null && typeof v !== 'object') (env as Record<string, string>)[k] = String(v);

  const { tree, unset, fromEnv } = resolveEnvRefs(raw, env);
  const root = tree as Record<string, unknown>;
  for (const [key, name] of SETTING_ENV_FALLBACKS) {
    const path = formatPath(['general_settings', key]);
    if (!unset.has(path) && fillIfAbsent(root, ['general_settings', key], env[name])) fromEnv.set(path, name);
  }
  mergeLegacyRouterSettings(root);

  const file = validate(root, source, { unset, fromEnv }, warnings);
  const warned = new Set(warnings.map((w) => w.path));
  for (const [path, name] of unset) {
    if (warned.has(path)) continue; // already reported as an unknown or unimplemented key
    if (/^model_list\[\d+\]\.litellm_params\.api_key$/.test(path)) continue; // reported with its deployment
    warnings.push({ code: 'env_unset', path, message: `${path}: environment variable ${name} is not set; the setting is treated as absent` });
  }
  featureWarnings(file, warnings);
  const rawModelList = Array.isArray(raw.model_list) ? raw.model_list : undefined;
  const deployments = buildDeployments(file, { env, unset, warn: (w) => warnings.push(w), rawModelList });
  fallbackWarnings(file, deployments, warnings);
  const providerEnv: Record<string, string> = {};
  for (const name of PROVIDER_ENV_VARS) {
    const value = env[name];
    if (value !== undefined && value !== '') providerEnv[name] = value;
  }
  const config: GatewayConfig = { ...file, deployments, providerEnv, source };
  return { config: deepFreeze(config), warnings };
}
