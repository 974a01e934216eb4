// The gateway's Prometheus metrics: one registry, every name and label set defined here and nowhere else.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-metrics.ts';

/** Request latency buckets for LLM calls: 50 ms … 120 s. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
/** Time-to-first-token buckets: 25 ms … 60 s. */
export const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
/** Gateway overhead buckets: 0.5 ms … 1 s. */
export const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** One deployment as /health and the cooldown gauge see it. */
export interface DeploymentStatus {
  id: string;
  modelGroup: string;
  provider: string;
  providerModel: string;
  supported: boolean;
  /** 'unsupported' when its provider is not implemented; 'cooling' while its breaker is open. */
  state: 'healthy' | 'cooling' | 'probing' | 'unsupported';
  cooldownRemainingMs: number;
}

export interface GatewayMetricsOptions {
  /** Read at scrape time for ai_gateway_deployment_cooldown. */
  deployments?: () => readonly DeploymentStatus[];
  /** Read at scrape time for ai_gateway_budget_remaining_usd: team label (already bounded) and USD left. */
  budgets?: () => Promise<ReadonlyArray<{ team: string; remainingUsd: number }>>;
  /** Node process metrics (process_*, nodejs_*) in the same registry. Default true. */
  processMetrics?: boolean;
}

export interface GatewayMetrics {
  registry: Registry;
  // Updated by every request: the in-place kind (hot-metrics.ts); the rest are prom-client's own.
  requests: HotCounter<'model' | 'status' | 'team'>;
  tokens: HotCounter<'model' | 'type' | 'team'>;
  cost: HotCounter<'model' | 'team'>;
  duration: HotHistogram<'model'>;
  ttft: HotHistogram<'model'>;
  fallbacks: Counter<'from' | 'to'>;
  /** Virtual-model routing decisions (`auto` → a model group). */
  routes: Counter<'route' | 'model'>;
  retries: Counter;
  cooldown: Gauge<'deployment'>;
  cacheRequests: HotCounter<'result'>;
  costSaved: Counter;
  guardrails: Counter<'guardrail' | 'action'>;
  budgetRemaining: Gauge<'team'>;
  rateLimited: Counter;
  overhead: HotHistogram;
  busLag: HotHistogram;
  relayLag: Gauge;
  /** The exposition text of every metric in the registry. */
  text(): Promise<string>;
}

export function createGatewayMetrics({ options = {} }: { options?: GatewayMetricsOptions } = {}): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const deployments = options.deployments;
  const budgets = options.budgets;
  const m: Omit<GatewayMetrics, 'text'> = {
    registry,
    requests: new HotCounter({ name: 'ai_gateway_request_total', help: 'Requests answered, by requested model group, HTTP status and team.', labelNames: ['model', 'status', 'team'], registers }),
    tokens: new HotCounter({ name: 'ai_gateway_tokens_total', help: 'Tokens by requested model group, type (input|output|cached) and team.', labelNames: ['model', 'type', 'team'], registers }),
    cost: new HotCounter({ name: 'ai_gateway_cost_usd_total', help: 'Provider cost in US dollars, by requested model group and team.', labelNames: ['model', 'team'], registers }),
    duration: new HotHistogram({ name: 'ai_gateway_request_duration_seconds', help: 'End-to-end request latency, receipt to last byte.', labelNames: ['model'], buckets: DURATION_BUCKETS, registers }),
    ttft: new HotHistogram({ name: 'ai_gateway_time_to_first_token_seconds', help: 'Streams: receipt to the first token sent to the client.', labelNames: ['model'], buckets: TTFT_BUCKETS, registers }),
    fallbacks: new Counter({ name: 'ai_gateway_fallback_total', help: 'Fallbacks from one model group to another.', labelNames: ['from', 'to'], registers }),
    routes: new Counter({ name: 'ai_gateway_route_total', help: 'Virtual-model routing decisions by route (rule:<name>, semantic:<name>, lexical:<name>, default) and the model group chosen.', labelNames: ['route', 'model'], registers }),
    retries: new Counter({ name: 'ai_gateway_retry_total', help: 'Provider calls repeated within a model group (attempts beyond the first, fallbacks excluded).', registers }),
    cooldown: new Gauge({
      name: 'ai_gateway_deployment_cooldown',
      help: '1 while a deployment is cooling down (breaker open), else 0.',
      labelNames: ['deployment'],
      registers,
      collect() {
        if (!deployments) return;
        for (const d of deployments()) if (d.supported) this.set({ deployment: d.id }, d.state === 'cooling' ? 1 : 0);
      },
    }),
    cacheRequests: new HotCounter({ name: 'ai_gateway_cache_requests_total', help: 'Cache lookups by result (exact_hit|semantic_hit|miss|bypass).', labelNames: ['result'], registers }),
    costSaved: new Counter({ name: 'ai_gateway_cost_saved_usd_total', help: 'Provider cost avoided by cache hits, US dollars.', registers }),
    guardrails: new Counter({ name: 'ai_gateway_guardrail_total', help: 'Guardrail verdicts by guardrail and action.', labelNames: ['guardrail', 'action'], registers }),
    budgetRemaining: new Gauge({
      name: 'ai_gateway_budget_remaining_usd',
      help: 'Budget left in the current period, US dollars, by team.',
      labelNames: ['team'],
      registers,
      async collect() {
        if (!budgets) return;
        try {
          for (const b of await budgets()) this.set({ team: b.team }, b.remainingUsd);
        } catch {
          // The store is unreachable: keep the last values; readiness reports the store.
        }
      },
    }),
    rateLimited: new Counter({ name: 'ai_gateway_rate_limited_total', help: 'Requests refused by the gateway rate limits.', registers }),
    overhead: new HotHistogram({ name: 'ai_gateway_overhead_seconds', help: 'Gateway time per request excluding the answering provider call.', buckets: OVERHEAD_BUCKETS, registers }),
    busLag: new HotHistogram({ name: 'ai_gateway_bus_lag_seconds', help: 'Completed events: request end to the moment the ingress that served it heard of it.', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120], registers }),
    relayLag: new Gauge({ name: 'ai_gateway_kafka_relay_lag_seconds', help: 'Age of the oldest outbox record not yet relayed to Kafka.', registers }),
  };
  return { ...m, text: () => registry.metrics() };
}
