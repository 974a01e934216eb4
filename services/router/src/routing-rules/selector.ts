// Resolves a virtual model (`auto`) to a model group per request: rules first, then semantic routes, then the default.
import { GatewayError, type AutoRouterConfig, type Embedder, type Logger, type RequestEnvelope, type RoutingRuleConfig, type Tenant } from '@ai-gateway/kit';
import { factsOf } from './facts.ts';
import { createLexicalIndex, createLexicalScorer } from './lexical.ts';
import { compileRules, firstMatch } from './rules.ts';
import { createSemanticIndex, type RouteClassifier, type SemanticRoute } from './semantic.ts';

/** Response header naming the route taken: `rule:<name>`, `semantic:<name>`, `lexical:<name>` or `default`. */
export const ROUTE_HEADER = 'x-gateway-route';
/** Response header naming the model group a virtual model resolved to. */
export const ROUTED_MODEL_HEADER = 'x-gateway-routed-model';

export interface RouteDecision {
  group: string;
  /** Value of x-gateway-route. */
  route: string;
  layer: 'rule' | 'semantic' | 'lexical' | 'default';
  score: number | null;
}

/** What a tenant's key allows (seam for virtual keys): rule routing may rewrite explicitly named models. */
export interface TenantRoutingPolicy {
  routeExplicitModels: boolean;
}

export interface RouteSelectorDeps {
  logger: Logger;
  /** The embedder for semantic routes, or a promise of it (loaded at start-up); null/rejected → lexical matching. */
  embedder?: Embedder | Promise<Embedder | null> | null;
  tenantPolicy?: (tenant: Tenant) => TenantRoutingPolicy | null;
}

export interface RouteSelectorOptions {
  rules: readonly RoutingRuleConfig[];
  autoRouter: AutoRouterConfig | undefined;
}

export interface RouteSelector {
  /** Names clients may ask for that are resolved by this selector. */
  readonly virtualModels: readonly string[];
  /** Resolves once semantic routes are embedded (or given up on). Never rejects. */
  readonly ready: Promise<void>;
  /** Which layer answers semantic questions now: 'semantic', 'lexical' or null (no routes). */
  classifierKind(): 'semantic' | 'lexical' | null;
  /** The decision for a request, or null when the model is explicit and the tenant does not allow rewriting it. */
  select(env: RequestEnvelope, body: Record<string, unknown>, signal?: AbortSignal): Promise<RouteDecision | null>;
}

/** Virtual model names a config defines (what the ingress catalog must accept). */
export function virtualModelNames(rules: readonly RoutingRuleConfig[], auto: AutoRouterConfig | undefined): string[] {
  if (!auto && rules.length === 0) return [];
  return auto?.model_names ?? ['auto'];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no embedding within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function createRouteSelector({ deps, options }: { deps: RouteSelectorDeps; options: RouteSelectorOptions }): RouteSelector {
  const rules = compileRules(options.rules);
  const auto = options.autoRouter;
  const virtualModels = virtualModelNames(options.rules, auto);
  const virtualSet = new Set(virtualModels);
  const sem = auto?.semantic;
  const routes: SemanticRoute[] = (sem?.routes ?? []).map((r) => ({ name: r.name, routeTo: r.route_to, utterances: r.utterances, scoreThreshold: r.score_threshold }));
  const topK = sem?.top_k ?? 3;
  // Per-route thresholds are on the semantic scale; the lexical-only layer uses its own.
  const plainRoutes = routes.map(({ scoreThreshold: _ignored, ...r }) => r);
  const lexical = routes.length > 0 ? createLexicalIndex({ routes: plainRoutes, threshold: sem?.lexical_threshold ?? 0.12, topK }) : null;
  let classifier: RouteClassifier | null = lexical;
  const timeoutMs = sem?.timeout_ms ?? 200;

  async function prepare(): Promise<void> {
    if (routes.length === 0 || !deps.embedder) return;
    try {
      const embedder = await deps.embedder;
      if (!embedder) return;
      const weight = sem?.lexical_weight ?? 0.5;
      classifier = await createSemanticIndex({
        embedder,
        routes,
        threshold: sem?.score_threshold ?? 0.2,
        topK,
        lexical: weight > 0 ? createLexicalScorer({ routes, topK }) : null,
        lexicalWeight: weight,
      });
      deps.logger.info({ routes: routes.length, embedder: embedder.id }, 'semantic routes ready');
    } catch (err) {
      deps.logger.warn({ err }, 'semantic routing falls back to lexical matching: the embedding model could not be used');
    }
  }
  const ready = prepare();

  async function classify(text: string, signal: AbortSignal | undefined): Promise<RouteDecision | null> {
    if (!classifier) return null;
    try {
      const match = await withTimeout(classifier.classify(text, signal), timeoutMs);
      if (match) return { group: match.route.routeTo, route: `${classifier.kind}:${match.route.name}`, layer: classifier.kind, score: match.score };
    } catch (err) {
      if (signal?.aborted) throw err;
      // A slow or failing embedder never fails the request: the lexical layer (or the default) answers.
      deps.logger.warn({ err }, 'semantic route lookup failed; using lexical matching');
      const match = lexical ? await lexical.classify(text) : null;
      if (match) return { group: match.route.routeTo, route: `lexical:${match.route.name}`, layer: 'lexical', score: match.score };
    }
    return null;
  }

  return {
    virtualModels,
    ready,
    classifierKind: () => classifier?.kind ?? null,
    async select(env, body, signal) {
      const virtual = virtualSet.has(env.model);
      if (!virtual && !(deps.tenantPolicy?.(env.tenant)?.routeExplicitModels ?? false)) return null;
      const facts = factsOf(env, body);
      const rule = firstMatch(rules, env.model, facts, virtual);
      if (rule) return { group: rule.routeTo, route: `rule:${rule.name}`, layer: 'rule', score: null };
      const routed = await classify(facts.lastUser, signal);
      if (routed) return routed;
      // An explicit model the tenant lets us rewrite stays as asked when nothing matched.
      if (!virtual) return null;
      if (!auto?.default_model) {
        throw new GatewayError('invalid_request', { param: 'model', params: { detail: `No routing rule or route matched this request for ${env.model}, and router_settings.auto_router.default_model is not set` } });
      }
      return { group: auto.default_model, route: 'default', layer: 'default', score: null };
    },
  };
}
