// Turns completed events into metric updates, with bounded label values (model, team, deployment, guardrail).
import type { CompletedEvent } from '../contracts/types.ts';
import { createLabelLimiter, type LabelLimiter } from './labels.ts';
import type { GatewayMetrics } from './metrics.ts';

export const NO_TEAM = 'none';

export interface MetricsRecorderOptions {
  /** Distinct values kept per label dimension before new ones become 'other' (default 100). */
  maxLabelValues?: number;
  /** Export tenant.teamId as the team label (default true); false puts every request under 'none'. */
  teamLabels?: boolean;
}

export interface MetricsRecorder {
  record(evt: CompletedEvent, nowMs?: number): void;
  /** Budget left for a team (null: the key has no team), fed by cost accounting. */
  setBudgetRemaining(teamId: string | null, usd: number): void;
  /** Age of the oldest unrelayed outbox record, fed by the Kafka relay. */
  setRelayLag(seconds: number): void;
  /** The bounded team label for a team id (null: 'none'). */
  teamLabel(teamId: string | null): string;
  /** Gateway time of one request excluding the provider (measured where the reply arrives). */
  observeOverhead(seconds: number): void;
  /** A request refused at the edge with no completed event (load shedding): counted under its status. */
  recordShed(model: string, teamId: string | null, status: number): void;
  readonly metrics: GatewayMetrics;
}

export function createMetricsRecorder({ deps, options = {} }: { deps: { metrics: GatewayMetrics; now?: () => number }; options?: MetricsRecorderOptions }): MetricsRecorder {
  const { metrics } = deps;
  const now = deps.now ?? Date.now;
  const max = options.maxLabelValues ?? 100;
  const limiter = (): LabelLimiter => createLabelLimiter({ options: { maxValues: max } });
  const models = limiter();
  const teams = limiter();
  const guardrails = limiter();
  const routes = limiter();
  const teamLabel = (teamId: string | null): string => (options.teamLabels === false || !teamId ? NO_TEAM : teams.value(teamId));

  function record(evt: CompletedEvent, nowMs = now()): void {
    const model = models.value(evt.requestedModel || 'unknown');
    const team = teamLabel(evt.tenant.teamId);
    metrics.requests.inc({ model, status: String(evt.httpStatus), team });
    const u = evt.usage;
    if (u.promptTokens > 0) metrics.tokens.inc({ model, type: 'input', team }, u.promptTokens);
    if (u.completionTokens > 0) metrics.tokens.inc({ model, type: 'output', team }, u.completionTokens);
    if (u.cachedTokens > 0) metrics.tokens.inc({ model, type: 'cached', team }, u.cachedTokens);
    if (evt.costUsd > 0) metrics.cost.inc({ model, team }, evt.costUsd);
    metrics.duration.observe({ model }, evt.latencyMs / 1000);
    if (evt.ttftMs !== null) metrics.ttft.observe({ model }, Math.max(0, evt.ttftMs) / 1000);
    for (const step of evt.fallbacks) metrics.fallbacks.inc({ from: models.value(step.from), to: models.value(step.to) });
    // Set by the router when it resolved a virtual model (x-gateway-route / x-gateway-routed-model).
    const route = evt.metadata['x-gateway-route'];
    if (route) metrics.routes.inc({ route: routes.value(route), model: models.value(evt.metadata['x-gateway-routed-model'] ?? 'unknown') });
    const retries = evt.attempts - 1 - evt.fallbacks.length;
    if (retries > 0) metrics.retries.inc(retries);
    if (evt.cacheStatus !== 'off') metrics.cacheRequests.inc({ result: evt.cacheStatus });
    if (evt.savedUsd > 0) metrics.costSaved.inc(evt.savedUsd);
    for (const v of evt.verdicts) metrics.guardrails.inc({ guardrail: guardrails.value(v.guardrail), action: v.action });
    if (evt.errorCode === 'rate_limited') metrics.rateLimited.inc();
    metrics.busLag.observe(Math.max(0, nowMs - evt.finishedAtMs) / 1000);
  }

  return {
    record,
    setBudgetRemaining(teamId, usd) {
      metrics.budgetRemaining.set({ team: teamLabel(teamId) }, usd);
    },
    setRelayLag(seconds) {
      metrics.relayLag.set(seconds);
    },
    teamLabel,
    observeOverhead(seconds) {
      metrics.overhead.observe(seconds);
    },
    recordShed(model, teamId, status) {
      metrics.requests.inc({ model: models.value(model || 'unknown'), status: String(status), team: teamLabel(teamId) });
    },
    metrics,
  };
}
