// Rule and semantic routing of virtual models.
export { createRouteSelector, virtualModelNames, ROUTE_HEADER, ROUTED_MODEL_HEADER, type RouteSelector, type RouteSelectorDeps, type RouteSelectorOptions, type RouteDecision, type TenantRoutingPolicy } from './selector.ts';
export { createSemanticIndex, createEmbeddingScorer, decide, topKMean, type RouteClassifier, type RouteMatch, type RouteScorer, type SemanticRoute } from './semantic.ts';
export { createLexicalIndex, createLexicalScorer, terms } from './lexical.ts';
export { compileRules, firstMatch, type CompiledRule } from './rules.ts';
export { factsOf, lastUserText, textOf, TASK_HEADER, type RequestFacts } from './facts.ts';
export { prepareRequest, bodyForAttempt, routerHeaders, ROUTER_METADATA_HEADERS, type PrepareDeps } from './prepare.ts';
