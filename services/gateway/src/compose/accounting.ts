// Wires cost accounting into a process: the accounting service (store, completed-event consumer, bus endpoints)
// and, on the ingress side, key auth with its cache, admission (reservations; slices in distributed mode) and the admin API.
import type { Router } from 'express';
import { GatewayError, countTextTokens, priceFor, warmEncoders, type Bus, type Deployment, type GatewayConfig, type Logger, type Subjects, type openai } from '@ai-gateway/kit';
import {
  HOLDER_METADATA, SLICES_METADATA, encodeSlices, createBusAdmin, createBusAuthority, createBusKeyDirectory, createMemoryAuthority, createSliceAuthority, denialError,
  estimateAmount, estimateChatReservation, importConfigKeys, minuteStart, openAccountingStore, scopesOf, seedMemoryAuthority, startAccountingService, startRetention,
  watchKeyChanges, watchSettled, type AccountingService, type Retention, type RetentionOptions, type Amount, type Store, type Denial, type Hold, type ReservationAuthority, type SliceAuthority,
} from '@ai-gateway/cost-accounting';
import { NO_TICKET, createAdminRouter, createKeyAuthenticator, type Admission, type AdminPort, type KeyAuthenticator } from '@ai-gateway/ingress';
import { aliasesFrom } from './router.ts';

export interface AccountingLocation {
  /** PGlite directory when no database_url is set; null = in memory. Default `.data/pg` (env GATEWAY_DATA_DIR). */
  dataDir?: string | null;
  /** Postgres schema (env GATEWAY_DB_SCHEMA); tests use a fresh one. */
  schema?: string | null;
}

export interface RunningAccounting {
  service: AccountingService;
  /** Embedded: the in-memory authority the ingress reserves against directly. */
  authority: ReservationAuthority | null;
  describe: string;
  /** The accounting store (billing export and spend reports run beside it). */
  store: Store;
  /** Spend log / outbox retention (runs on its own timer; runOnce for an immediate pass). */
  retention: Retention;
  close(): Promise<void>;
}

function locationOf(config: GatewayConfig, loc: AccountingLocation = {}) {
  const env = process.env;
  return {
    databaseUrl: config.general_settings.database_url ?? null,
    dataDir: loc.dataDir === undefined ? (env['GATEWAY_DATA_DIR'] ?? '.data/pg') : loc.dataDir,
    schema: loc.schema ?? env['GATEWAY_DB_SCHEMA'] ?? null,
    outbox: billingOutboxOn(config),
  };
}

/** Outbox rows only when something relays them, unless the operator keeps them for a later export. */
export function billingOutboxOn(config: GatewayConfig): boolean {
  return config.general_settings.billing_outbox ?? config.general_settings.kafka_brokers.length > 0;
}

/** general_settings.maximum_spend_logs_retention_period / _interval (LiteLLM): unset period = spend logs kept forever. */
export function retentionOptionsOf(config: GatewayConfig): Partial<RetentionOptions> {
  const g = config.general_settings;
  const every = g.maximum_spend_logs_retention_interval;
  return { spendLogsMaxAgeMs: g.maximum_spend_logs_retention_period ?? null, ...(every === undefined ? {} : { everyMs: every }) };
}

/**
 * Starts accounting in this process. `embedded`: counters live in memory (one process owns every key), seeded
 * from the store; distributed: every replica shares Postgres and serves holds over the bus.
 */
export async function startAccounting(o: { config: GatewayConfig; logger: Logger; bus: Bus; subjects: Subjects; embedded: boolean; location?: AccountingLocation }): Promise<RunningAccounting> {
  const logger = o.logger.child({ service: 'cost-accounting' });
  const opened = await openAccountingStore(locationOf(o.config, o.location));
  try {
    const created = await importConfigKeys({ deps: { sql: opened.sql, logger }, keys: o.config.virtual_keys });
    const memory = o.embedded ? createMemoryAuthority() : null;
    if (memory) await seedMemoryAuthority({ deps: { store: opened.store, authority: memory } });
    const authority = memory ?? opened.store.authority();
    const service = await startAccountingService({
      deps: { bus: o.bus, subjects: o.subjects, store: opened.store, sql: opened.sql, logger, authority, ...(memory ? { memory } : {}) },
      options: { serveHolds: !o.embedded },
    });
    // Every replica runs it; they share the rows (SKIP LOCKED), so more replicas only finish sooner.
    const retention = startRetention({ deps: { store: opened.store, logger }, options: retentionOptionsOf(o.config) });
    logger.info({ store: opened.describe, configKeysCreated: created, spendLogsRetentionMs: o.config.general_settings.maximum_spend_logs_retention_period ?? null }, 'cost accounting ready');
    return {
      service,
      authority: memory,
      describe: opened.describe,
      store: opened.store,
      retention,
      async close() {
        await retention.stop();
        await service.close();
        await opened.close();
      },
    };
  } catch (err) {
    await opened.close();
    throw err;
  }
}

interface PriceRef {
  providerModel: string;
  overrides: { input_cost_per_token?: number; output_cost_per_token?: number; max_output_tokens?: number };
}

/** The most expensive deployment of each model group (and alias): reservations never under-estimate. */
function priceRefs(config: GatewayConfig): (model: string) => PriceRef | null {
  const ref = (d: Deployment): PriceRef => ({
    providerModel: d.providerModel,
    overrides: {
      ...(d.inputCostPerToken !== null ? { input_cost_per_token: d.inputCostPerToken } : {}),
      ...(d.outputCostPerToken !== null ? { output_cost_per_token: d.outputCostPerToken } : {}),
      ...(d.maxOutputTokens !== null ? { max_output_tokens: d.maxOutputTokens } : {}),
    },
  });
  const weight = (r: PriceRef): number => {
    const p = priceFor({ providerModel: r.providerModel, overrides: r.overrides });
    return p.inputCostPerToken + p.outputCostPerToken;
  };
  const byGroup = new Map<string, PriceRef>();
  let dearest: PriceRef | null = null;
  for (const d of config.deployments) {
    const r = ref(d);
    const cur = byGroup.get(d.modelGroup);
    if (!cur || weight(r) > weight(cur)) byGroup.set(d.modelGroup, r);
    if (!dearest || weight(r) > weight(dearest)) dearest = r;
  }
  const aliases = aliasesFrom(config);
  return (model) => byGroup.get(model) ?? byGroup.get(aliases[model] ?? '') ?? dearest;
}

export function estimateFor(config: GatewayConfig): (req: { model: string; callType: string; body: Record<string, unknown> }) => Amount {
  const refs = priceRefs(config);
  return ({ model, callType, body }) => {
    const ref = refs(model);
    if (callType === 'chat') {
      const request = body as unknown as Pick<openai.ChatCompletionRequest, 'model' | 'messages' | 'tools' | 'max_tokens' | 'max_completion_tokens' | 'n'>;
      return estimateChatReservation({ request, providerModel: ref?.providerModel ?? model, overrides: ref?.overrides ?? null }).amount;
    }
    const price = priceFor({ providerModel: ref?.providerModel ?? model, overrides: ref?.overrides ?? null });
    const text = JSON.stringify(body['prompt'] ?? body['input'] ?? '');
    const maxTokens = typeof body['max_tokens'] === 'number' ? body['max_tokens'] : 256;
    const completionTokens = callType === 'embedding' ? 0 : maxTokens;
    return estimateAmount({ promptTokens: countTextTokens(text, ref?.providerModel ?? model), completionTokens, inputCostPerToken: price.inputCostPerToken, outputCostPerToken: price.outputCostPerToken });
  };
}

/** 400 budget_exceeded, or 429 with retry-after and LiteLLM's x-ratelimit-* headers. */
export function denialToError(d: Denial, nowMs: number): GatewayError {
  const base = denialError(d, nowMs);
  if (d.limit === 'budget') return base;
  const left = Math.max(0, d.limitValue - d.current);
  const headers: Record<string, string> = {
    // The request cannot go on, so the limit that refused it and the other one both report what is usable now.
    'x-ratelimit-remaining-requests': String(d.limit === 'rpm' ? left : 0),
    'x-ratelimit-remaining-tokens': String(d.limit === 'tpm' ? left : 0),
  };
  if (d.limit === 'rpm') headers['x-ratelimit-limit-requests'] = String(d.limitValue);
  if (d.limit === 'tpm') headers['x-ratelimit-limit-tokens'] = String(d.limitValue);
  return new GatewayError('rate_limited', { params: { detail: base.message }, retryAfterS: base.retryAfterS ?? 1, headers });
}

export interface IngressAccounting {
  auth: KeyAuthenticator;
  admission: Admission;
  routers: Router[];
  /** Distributed: the per-ingress slice authority (upstream round trips are counted). */
  slices: SliceAuthority | null;
  close(): Promise<void>;
}

const SLACK_MS = 30_000;
const SLICE_REQUESTS = 10;

/**
 * A slice is SLICE_REQUESTS requests' worth of the request that asks for it, tokens with headroom: prompts
 * differ by a few tokens, and a request that does not fit retires the slice early, stranding its room
 * until its members finish.
 */
const sliceOf = (a: Amount): Amount => ({ costUsd: a.costUsd * SLICE_REQUESTS, requests: SLICE_REQUESTS, tokens: a.tokens * SLICE_REQUESTS * 2, parallel: SLICE_REQUESTS });

/**
 * The ingress side. `authority` given (embedded): reserve against it in-process. Otherwise reserve from
 * per-ingress slices of the shared Postgres budget, taken over the bus; their members are settled here when
 * accounting says (after committing the spend) that their completed event was recorded.
 */
export function buildIngressAccounting(o: {
  config: GatewayConfig; logger: Logger; bus: Bus; subjects: Subjects; ingressId: string; authority?: ReservationAuthority | null; now?: () => number;
}): IngressAccounting {
  const now = o.now ?? Date.now;
  const logger = o.logger.child({ service: 'ingress-accounting' });
  const deps = { bus: o.bus, subjects: o.subjects };
  const auth = createKeyAuthenticator({ deps: { directory: createBusKeyDirectory({ deps }), now }, options: { masterKey: o.config.general_settings.master_key ?? null } });
  const keyWatch = watchKeyChanges({ deps, onChange: (c) => auth.invalidate(c), onError: (err) => logger.warn({ err }, 'ignored a malformed key-change event') });
  const requestTtlMs = Math.round(o.config.router_settings.timeout * 1000) + 5_000 + SLACK_MS;
  let slices: SliceAuthority | null = null;
  let authority: ReservationAuthority;
  let settledWatch: { stop(): void } | null = null;
  let timer: NodeJS.Timeout | null = null;
  if (o.authority) authority = o.authority;
  else {
    const s = createSliceAuthority({
      deps: { upstream: createBusAuthority({ deps }) },
      options: { replicaId: o.ingressId, slice: sliceOf, maxRequestTtlMs: requestTtlMs },
    });
    slices = s;
    authority = s;
    settledWatch = watchSettled({
      deps, holder: o.ingressId,
      onSettled: (m) => void s.settle(m.requestId, { costUsd: m.costUsd, tokens: m.tokens }, now()).catch((err: unknown) => logger.warn({ err }, 'slice settle failed')),
    });
    timer = setInterval(() => void s.expire(now()).catch((err: unknown) => logger.warn({ err }, 'slice sweep failed')), 5_000);
    timer.unref();
  }
  // Tokenizer tables load once here, not inside the first requests' reservations.
  warmEncoders();
  const estimate = estimateFor(o.config);
  const holderMeta: Record<string, string> = slices ? { [HOLDER_METADATA]: o.ingressId } : {};
  const admission: Admission = {
    async admit(req) {
      auth.checkModel(req.tenant, req.model);
      if (!req.tenant.keyId || req.tenant.keyId === 'master') return NO_TICKET;
      const t = now();
      const hold: Hold = { id: req.requestId, scopes: scopesOf(req.tenant), amount: estimate(req), heldInMinuteMs: minuteStart(t), expiresAtMs: req.deadlineMs + SLACK_MS };
      const denial = await authority.acquire(hold, t);
      if (denial) throw denialToError(denial, t);
      let released = false;
      const sliceIds = slices?.slicesOf(hold.id) ?? [];
      // The key's guardrail switches ride on the envelope to the stages that apply them (usually empty).
      const keyMeta = auth.metadataOf(req.tenant);
      const base = Object.keys(keyMeta).length === 0 ? holderMeta : { ...holderMeta, ...keyMeta };
      return {
        metadata: sliceIds.length ? { ...base, [SLICES_METADATA]: encodeSlices(hold.amount.costUsd, sliceIds) } : base,
        release() {
          if (released) return;
          released = true;
          void authority.release(hold.id, now()).catch((err: unknown) => logger.warn({ err }, 'release failed'));
        },
      };
    },
  };
  const admin = createBusAdmin({ deps });
  const port: AdminPort = {
    handle: (call) => (call.path.endsWith('/model/info') ? Promise.resolve(modelInfo(o.config, call.query)) : admin.handle(call)),
  };
  const routes = [...ADMIN_ROUTES, { method: 'GET' as const, path: '/model/info' }, { method: 'GET' as const, path: '/v1/model/info' }];
  const router = createAdminRouter({ deps: { admin: port, logger }, options: { masterKey: o.config.general_settings.master_key ?? null, routes } });
  return {
    auth, admission, routers: [router], slices,
    async close() {
      keyWatch.stop();
      settledWatch?.stop();
      if (timer) clearInterval(timer);
    },
  };
}

const ADMIN_ROUTES: readonly { method: 'GET' | 'POST'; path: string }[] = [
  ...['/key/generate', '/key/update', '/key/delete', '/key/regenerate', '/team/new', '/team/update', '/team/delete', '/team/member_add', '/team/member_delete', '/user/new']
    .map((path) => ({ method: 'POST' as const, path })),
  ...['/key/info', '/key/list', '/team/info', '/team/list', '/user/info'].map((path) => ({ method: 'GET' as const, path })),
];

/** LiteLLM's GET /model/info: every deployment with its prices and limits, never its credentials. */
export function modelInfo(config: GatewayConfig, query: Record<string, string>): { status: number; body: unknown } {
  const only = query['litellm_model_id'];
  const data = config.deployments
    .filter((d) => !only || d.id === only)
    .map((d) => {
      const p = priceFor({ providerModel: d.providerModel, overrides: {
        ...(d.inputCostPerToken !== null ? { input_cost_per_token: d.inputCostPerToken } : {}),
        ...(d.outputCostPerToken !== null ? { output_cost_per_token: d.outputCostPerToken } : {}),
      } });
      return {
        model_name: d.modelGroup,
        litellm_params: { model: d.litellmModel, ...(d.apiBase ? { api_base: d.apiBase } : {}), ...(d.rpm !== null ? { rpm: d.rpm } : {}), ...(d.tpm !== null ? { tpm: d.tpm } : {}) },
        model_info: {
          id: d.id, mode: d.mode, litellm_provider: d.providerPrefix || d.provider, base_model: d.baseModel,
          input_cost_per_token: p.inputCostPerToken, output_cost_per_token: p.outputCostPerToken,
          cache_read_input_token_cost: d.cachedInputCostPerToken ?? p.cacheReadInputTokenCost,
          max_input_tokens: d.maxInputTokens ?? (p.maxInputTokens || null), max_output_tokens: d.maxOutputTokens ?? (p.maxOutputTokens || null),
          max_tokens: d.maxOutputTokens ?? (p.maxOutputTokens || null),
        },
      };
    });
  return { status: 200, body: { data } };
}
