// Billing export and spend reports for a process that holds the accounting store: the outbox relay to Kafka
// (on when general_settings.kafka_brokers is set; the outbox is written only then, or with billing_outbox: true) and the report endpoints,
// answered over the bus so an ingress anywhere can serve GET /spend/logs and GET /global/spend/report.
import type { Router } from 'express';
import type { Bus, GatewayConfig, Logger, Subjects } from '@ai-gateway/kit';
import {
  createKafkaSink, createOutboxRelay, createSpendReports, requestedPriceOf, type OutboxRelay, type RecordSink, type ReportCall, type RequestedPrice, type Store,
} from '@ai-gateway/cost-accounting';
import { createAdminRouter, type AdminPort } from '@ai-gateway/ingress';
import { billingOutboxOn } from './accounting.ts';
import { aliasesFrom } from './router.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const reportsSubject = (subjects: Subjects): string => `${subjects.prefix}.ctl.reports`;

/** Requested model groups priced at their first deployment, aliases resolved (routing savings are measured against it). */
export function requestedPriceFor(config: GatewayConfig): RequestedPrice {
  return requestedPriceOf(config.deployments, aliasesFrom(config));
}

export interface BillingExport {
  relay: OutboxRelay | null;
  close(): Promise<void>;
}

/**
 * Beside the accounting store: answers report requests on the bus and, with kafka_brokers configured, relays the
 * outbox to Kafka. `onLag` receives the relay lag (seconds) every `lagEveryMs` (for ai_gateway_kafka_relay_lag_seconds).
 */
export function startBillingExport(o: {
  config: GatewayConfig; logger: Logger; bus: Bus; subjects: Subjects; store: Store;
  sink?: RecordSink; onLag?: (seconds: number) => void; lagEveryMs?: number;
}): BillingExport {
  const logger = o.logger.child({ service: 'billing-export' });
  const reports = createSpendReports({ deps: { store: o.store, logger }, options: { requestedPrice: requestedPriceFor(o.config) } });
  const sub = o.bus.subscribe(reportsSubject(o.subjects), { queue: 'cost-accounting-reports' });
  void (async () => {
    for await (const msg of sub) {
      let out: { status: number; body: unknown };
      try {
        out = await reports.handle(JSON.parse(dec.decode(msg.data)) as ReportCall);
      } catch (err) {
        logger.warn({ err }, 'malformed report request');
        out = { status: 400, body: { error: { message: 'malformed report request', type: 'invalid_request_error', code: 'invalid_request', param: null } } };
      }
      msg.respond(enc.encode(JSON.stringify(out)));
    }
  })();

  const brokers = o.config.general_settings.kafka_brokers;
  const sink = o.sink ?? (brokers.length > 0 ? createKafkaSink({ options: { brokers } }) : null);
  let relay: OutboxRelay | null = null;
  let lagTimer: NodeJS.Timeout | null = null;
  if (sink) {
    relay = createOutboxRelay({ deps: { store: o.store, sink, logger } });
    relay.start();
    const r = relay;
    const onLag = o.onLag;
    if (onLag) {
      lagTimer = setInterval(() => void r.lag().then((l) => onLag(l.lagSeconds), () => {}), o.lagEveryMs ?? 5_000);
      lagTimer.unref();
    }
    logger.info({ brokers }, 'billing export: relaying the outbox to Kafka');
  } else if (billingOutboxOn(o.config)) logger.info('billing export: no kafka_brokers configured; billing and audit records stay in the outbox (billing_outbox: true)');
  else logger.info('billing export: off (no kafka_brokers); spend logs and the audit chain stay in the store, no outbox rows are kept');

  return {
    relay,
    async close() {
      sub.unsubscribe();
      if (lagTimer) clearInterval(lagTimer);
      await relay?.stop();
      await sink?.close();
    },
  };
}

/** Ingress side: the report routes (master key only), answered by whichever process holds the store. */
export function reportRouters(o: { config: GatewayConfig; logger: Logger; bus: Bus; subjects: Subjects; timeoutMs?: number }): Router[] {
  const subject = reportsSubject(o.subjects);
  const timeoutMs = o.timeoutMs ?? 15_000;
  const port: AdminPort = {
    async handle(call) {
      const req: ReportCall = { method: call.method, path: call.path, query: call.query };
      try {
        const reply = await o.bus.request(subject, enc.encode(JSON.stringify(req)), { timeoutMs });
        return JSON.parse(dec.decode(reply.data)) as { status: number; body: unknown };
      } catch {
        return { status: 503, body: { error: { message: 'spend reports are unavailable: cost accounting did not answer', type: 'service_unavailable', code: 'service_unavailable', param: null } } };
      }
    },
  };
  const routes = ['/spend/logs', '/global/spend/report', '/global/spend/savings'].map((path) => ({ method: 'GET' as const, path }));
  return [createAdminRouter({ deps: { admin: port, logger: o.logger }, options: { masterKey: o.config.general_settings.master_key ?? null, routes } })];
}
