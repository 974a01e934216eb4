// Public surface of @ai-gateway/router: the router stage, its policy, model groups and provider adapters.
export { createRouterStage, targetOf, CACHE_STORE_FLAG, type RouterStageDeps, type RouterStageOptions } from './stage.ts';
export { createRoutingPolicy, type RoutingPolicyOptions, type LiveRoutingPolicy } from './policy.ts';
export { createModelGroups, type ModelGroups } from './groups.ts';
export type { RouterDeployment, RoutingPolicy, TimeoutSettings, Pick } from './routing-types.ts';
export { createProviderRegistry, type ProviderRegistry } from './providers/registry.ts';
export { ProviderError, type ProviderAdapter, type ProviderName, type ProviderTarget, type ProviderErrorKind } from './providers/types.ts';
export { defaultRetryConfig, type RoutingStrategy } from './domain/index.ts';
export { costOf, usageFromOpenAI } from './usage.ts';
export {
  createRouteSelector,
  virtualModelNames,
  createSemanticIndex,
  createLexicalIndex,
  ROUTE_HEADER,
  ROUTED_MODEL_HEADER,
  type RouteSelector,
  type RouteDecision,
  type TenantRoutingPolicy,
  type RouteClassifier,
  type SemanticRoute,
} from './routing-rules/index.ts';
export { createContextWindow, fitMessages, toolPairsIntact, inputLimitOf, CONTEXT_HEADER, type ContextWindow, type ContextPlan } from './context-window/index.ts';
