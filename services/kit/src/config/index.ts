// Public surface of the config loader: loadConfig, the schema and its inferred types, Deployment, matchWildcard.
export {
  loadConfig,
  defaultConfig,
  defaultConfigPath,
  deepFreeze,
  CONFIG_ENV_VARS,
  PROVIDER_ENV_VARS,
  type GatewayConfig,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.ts';
export { buildDeployments, deploymentHash, matchWildcard, type Deployment } from './deployments.ts';
export { ConfigError, type ConfigWarning, type ConfigWarningCode, type ConfigProblem } from './problems.ts';
export { PROVIDERS, UNSUPPORTED_PROVIDERS, resolveProvider, inferPrefix, type ProviderKind } from './providers.ts';
export { IMPLEMENTED_GUARDRAILS, NOT_IMPLEMENTED_KEYS } from './unimplemented.ts';
export {
  configSchema,
  ROUTING_STRATEGIES,
  MODEL_MODES,
  CACHE_TYPES,
  type ConfigFile,
  type ModelEntry,
  type LiteLLMParams,
  type ModelInfo,
  type ModelMode,
  type RoutingStrategy,
  type RouterSettings,
  type LiteLLMSettings,
  type CacheParams,
  type GuardrailConfig,
  type GeneralSettings,
  type VirtualKeyConfig,
  CONTEXT_WINDOW_POLICIES,
  contextWindowPolicySchema,
  type ContextWindowPolicy,
  type RoutingRuleConfig,
  type SemanticRouteConfig,
  type AutoRouterConfig,
} from './schema.ts';
