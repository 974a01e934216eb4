// Wires telemetry into a process: the ingress's listener of completed events, deployment status, /metrics and health,
// and the decorator of hosted stages (spans; prompt capture for the request log when prompt logging is on).
import {
  capturePrompts,
  createGatewayMetrics,
  createMetricsRecorder,
  infoLineWriter,
  instrumentPipeline,
  requestLogFields,
  REQUEST_LOG_MESSAGE,
  traceStage,
  tracingActive,
  type Bus,
  type DeploymentStatus,
  type GatewayConfig,
  type Logger,
  type MetricsRecorder,
  type Pipeline,
  type PromptCaptureOptions,
  type Stage,
  type Subjects,
  type Subscription,
} from '@ai-gateway/kit';
import { createServer } from 'node:http';
import { createOpsApp, createOpsRouter, type ReadinessCheck } from '@ai-gateway/ingress';
import type { Store } from '@ai-gateway/cost-accounting';
import type { LiveRoutingPolicy } from '@ai-gateway/router';
import { analyze, anonymize, Pseudonyms, type Guardrail } from '@ai-gateway/pii-scrubber';
import type { Router } from 'express';
import { guardrailPolicyOf } from './guardrails.ts';

const VERSION = '0.1.0';
const decoder = new TextDecoder();

export type DeploymentSource = () => readonly DeploymentStatus[];

function baseStatus(d: GatewayConfig['deployments'][number]): Omit<DeploymentStatus, 'state' | 'cooldownRemainingMs'> {
  return { id: d.id, modelGroup: d.modelGroup, provider: d.provider, providerModel: d.providerModel, supported: d.supported };
}

/** Embedded mode (and router hosts): deployment state straight from this process's breaker board. */
export function deploymentsFromPolicy(config: GatewayConfig, policy: LiveRoutingPolicy, now: () => number = Date.now): DeploymentSource {
  return () => {
    const t = now();
    return config.deployments.map((d): DeploymentStatus => {
      if (!d.supported) return { ...baseStatus(d), state: 'unsupported', cooldownRemainingMs: 0 };
      const s = policy.board.state(d.id, t);
      const state = s.kind === 'open' ? 'cooling' : s.kind === 'half-open' ? 'probing' : 'healthy';
      return { ...baseStatus(d), state, cooldownRemainingMs: policy.board.cooldownRemainingMs(d.id, t) };
    });
  };
}

/** Distributed ingress: deployment state from the cooldowns the router replicas announce on the bus. */
export function watchCooldowns(o: { config: GatewayConfig; bus: Bus; subjects: Subjects; logger: Logger; now?: () => number }): { deployments: DeploymentSource; stop(): void } {
  const now = o.now ?? Date.now;
  const until = new Map<string, number>();
  const sub = o.bus.subscribe(o.subjects.cooldowns);
  void (async () => {
    for await (const msg of sub) {
      try {
        const c = JSON.parse(decoder.decode(msg.data)) as { id?: unknown; ms?: unknown };
        if (typeof c.id === 'string' && typeof c.ms === 'number' && Number.isFinite(c.ms)) until.set(c.id, Math.max(until.get(c.id) ?? 0, now() + c.ms));
      } catch (err) {
        o.logger.warn({ err }, 'ignored a malformed cooldown message');
      }
    }
  })();
  return {
    deployments: () => {
      const t = now();
      return o.config.deployments.map((d): DeploymentStatus => {
        if (!d.supported) return { ...baseStatus(d), state: 'unsupported', cooldownRemainingMs: 0 };
        const left = Math.max(0, (until.get(d.id) ?? 0) - t);
        return { ...baseStatus(d), state: left > 0 ? 'cooling' : 'healthy', cooldownRemainingMs: left };
      });
    },
    stop: () => sub.unsubscribe(),
  };
}

/** Team budgets left (teams with a max budget), read from the accounting store at scrape time. */
export type BudgetSource = () => Promise<ReadonlyArray<{ teamId: string; remainingUsd: number }>>;

export function teamBudgetsFrom(store: Pick<Store, 'listBudgets'>): BudgetSource {
  return async () =>
    (await store.listBudgets())
      .filter((b) => b.scope.kind === 'team' && b.limits.maxBudgetUsd !== null)
      .map((b) => ({ teamId: b.scope.id, remainingUsd: (b.limits.maxBudgetUsd ?? 0) - b.counters.spendUsd }));
}

/** A readiness check that the accounting store answers. */
export function storeCheck(store: Pick<Store, 'reservationCount'>): ReadinessCheck {
  return { name: 'store', check: async () => void (await store.reservationCount()) };
}

export interface TelemetryOptions {
  bus: Bus;
  /** The ingress's pipeline and id: the completed events of the requests it served feed its metrics and request log. */
  pipeline: Pipeline;
  ingressId: string;
  logger: Logger;
  deployments: DeploymentSource;
  /** Extra readiness checks (store, stage consumers); the bus is always checked. */
  readiness?: ReadinessCheck[];
  /** Feeds ai_gateway_budget_remaining_usd where the accounting store is local (embedded mode). */
  budgets?: BudgetSource;
  maxLabelValues?: number;
}

export interface Telemetry {
  recorder: MetricsRecorder;
  /** /metrics, /health, /health/liveliness, /health/readiness. */
  opsRouter: Router;
  /** The ingress side of the pipeline with request spans and the overhead measurement. */
  instrument(pipeline: Pipeline): Pipeline;
  close(): Promise<void>;
}

/**
 * Metrics and the request log of one ingress, fed by the completed events of the requests it served (each heard
 * once, see Pipeline.onCompleted): every replica counts its own requests and Prometheus sums the replicas.
 */
export function startTelemetry(o: TelemetryOptions): Telemetry {
  const budgets = o.budgets;
  const metrics = createGatewayMetrics({
    options: {
      deployments: o.deployments,
      ...(budgets ? { budgets: async () => (await budgets()).map((b) => ({ team: recorder.teamLabel(b.teamId), remainingUsd: b.remainingUsd })) } : {}),
    },
  });
  const recorder = createMetricsRecorder({ deps: { metrics }, options: { ...(o.maxLabelValues ? { maxLabelValues: o.maxLabelValues } : {}) } });
  const requestLog = infoLineWriter(o.logger);
  const stopHearing = o.pipeline.onCompleted(o.ingressId, (evt) => {
    recorder.record(evt);
    // The one request log line: here, because this ingress hears each of its requests' completed events once.
    requestLog(requestLogFields(evt), REQUEST_LOG_MESSAGE);
  });
  const bus: ReadinessCheck = { name: 'bus', check: () => o.bus.flush() };
  const opsRouter = createOpsRouter({
    deps: { metricsText: () => metrics.text(), readiness: [bus, ...(o.readiness ?? [])], deployments: o.deployments },
    options: { version: VERSION },
  });
  return {
    recorder,
    opsRouter,
    instrument: (pipeline) => instrumentPipeline({ deps: { pipeline, onOverhead: (s) => recorder.observeOverhead(s) } }),
    close: async () => stopHearing(),
  };
}

/**
 * Prompt and response text on the request log line: LiteLLM's general_settings.store_prompts_in_spend_logs, unless
 * litellm_settings.turn_off_message_logging says otherwise. Off by default.
 */
export function promptLoggingOn(config: GatewayConfig): boolean {
  return config.general_settings.store_prompts_in_spend_logs && !config.litellm_settings.turn_off_message_logging;
}

/** With pii guardrails configured: prompts as the pii stage scrubbed them, responses masked by the same detectors. */
export function promptCaptureOptions(config: GatewayConfig): PromptCaptureOptions {
  const pii = guardrailPolicyOf(config).guardrails.filter((g): g is Extract<Guardrail, { kind: 'pii' }> => g.kind === 'pii');
  if (pii.length === 0) return { piiGuardrails: [] };
  const mask = { actionOf: () => 'mask' as const, pseudonyms: new Pseudonyms(), hashKey: '' };
  return {
    piiGuardrails: pii.map((g) => g.name),
    scrubResponse: (text) => pii.reduce((out, g) => anonymize(out, analyze(out, { entities: g.entities, thresholds: g.thresholds }), mask), text),
  };
}

/**
 * What every hosted stage is wrapped in: its span while this process exports traces (decided at start-up:
 * tracing is started before composition), and prompt capture when prompt logging is on.
 */
export function decorateStage(config: GatewayConfig, tracing: boolean = tracingActive()): (stage: Stage) => Stage {
  const traced = tracing ? traceStage : (stage: Stage) => stage;
  if (!promptLoggingOn(config)) return traced;
  const capture = promptCaptureOptions(config);
  return (stage) => traced(capturePrompts(stage, capture));
}

/** Env GATEWAY_OPS_PORT: the port of a stage process's own /metrics and health endpoints (unset: none). */
export function opsPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const v = env['GATEWAY_OPS_PORT'];
  const n = v === undefined || v === '' ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/**
 * A stage process's own /metrics (process metrics and, for routers, the cooldown gauge from its breaker board)
 * and health paths; request metrics stay with the ingress, which consumes every completed event.
 */
export async function startOpsServer(o: {
  port: number;
  host?: string;
  bus: Bus;
  deployments?: DeploymentSource;
  readiness?: ReadinessCheck[];
  budgets?: BudgetSource;
}): Promise<{ url: string; recorder: MetricsRecorder; close(): Promise<void> }> {
  const budgets = o.budgets;
  const metrics = createGatewayMetrics({
    options: {
      ...(o.deployments ? { deployments: o.deployments } : {}),
      ...(budgets ? { budgets: async () => (await budgets()).map((b) => ({ team: recorder.teamLabel(b.teamId), remainingUsd: b.remainingUsd })) } : {}),
    },
  });
  const recorder = createMetricsRecorder({ deps: { metrics } });
  const bus: ReadinessCheck = { name: 'bus', check: () => o.bus.flush() };
  const app = createOpsApp({
    deps: { metricsText: () => metrics.text(), readiness: [bus, ...(o.readiness ?? [])], ...(o.deployments ? { deployments: o.deployments } : {}) },
    options: { version: VERSION },
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    url: `http://127.0.0.1:${port}`,
    recorder,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Control subject a stage host answers so ingresses can tell that the stage has a consumer. */
export function stagePingSubject(subjects: Subjects, stage: string): string {
  return `${subjects.prefix}.ctl.ping.${stage}`;
}

/** Stage host side: answer pings for each hosted stage (queue group: one replica answers). */
export function answerStagePings(bus: Bus, subjects: Subjects, stages: readonly string[]): Subscription[] {
  return stages.map((stage) => {
    const sub = bus.subscribe(stagePingSubject(subjects, stage), { queue: stage });
    void (async () => {
      for await (const msg of sub) msg.respond(new Uint8Array(0));
    })();
    return sub;
  });
}

/** Ingress side (distributed): ready only while every remote stage of the slip has at least one consumer. */
export function stageConsumersCheck(bus: Bus, subjects: Subjects, stages: readonly string[], timeoutMs = 1000): ReadinessCheck {
  return {
    name: 'stages',
    async check() {
      const missing: string[] = [];
      await Promise.all(
        stages.map(async (stage) => {
          try {
            await bus.request(stagePingSubject(subjects, stage), new Uint8Array(0), { timeoutMs });
          } catch {
            missing.push(stage);
          }
        }),
      );
      if (missing.length > 0) throw new Error(`no consumer for stage ${missing.sort().join(', ')}`);
    },
  };
}
