// The `pii` stage (pre_call guardrails): blocks or flags prompt injection, scrubs personal data, then forwards.
import { GatewayError, baseCompletedEvent, type Embedder, type GuardrailVerdict, type Logger, type RequestEnvelope, type Stage, type StageContext } from '@ai-gateway/kit';
import { visitBodyText, type TextSource } from './adapters/body.ts';
import { analyze } from './domain/analyzer.ts';
import { Pseudonyms, anonymize, type PiiAction } from './domain/anonymize.ts';
import type { InjectionClassifier } from './domain/injection-classifier.ts';
import { loadInjectionClassifier } from './adapters/classifier-file.ts';
import { createInjectionDetectors, createRulesDetector, type InjectionDetector, type InjectionScan, type ScannedText } from './injection-detector.ts';
import {
  GUARDRAILS_METADATA, formatOverrides, guardrailsFor, isPreCall, parseOverrides, type GuardrailPolicy, type InjectionGuardrail, type PiiGuardrail, type TenantGuardrails,
} from './domain/policy.ts';
import type { EntityType } from './domain/recognizers.ts';

/** Envelope metadata carrying placeholder → original for the reply filter. Private: never logged or audited. */
export const PII_MAP_METADATA = 'x-gateway-private-pii-map';
/** Envelope metadata the router copies into response headers. */
export const VERDICT_HEADER = 'x-gateway-guardrail';

export interface GuardrailStageDeps {
  policy: GuardrailPolicy;
  logger: Logger;
  /** Per key/team switches (virtual keys plug in here). */
  tenantGuardrails?: TenantGuardrails;
  /** Called for each flagged request (metrics). */
  onFlag?: (guardrail: string, categories: readonly string[]) => void;
  now?: () => number;
  /**
   * The process's embedder for the learned injection detectors (one model per process: pass the instance the
   * cache and semantic routes use). Absent, null or rejected: injection guardrails run on the rules.
   */
  embedder?: Embedder | Promise<Embedder | null> | null;
  /** Default: the committed classifier file, read on first use. */
  classifier?: InjectionClassifier;
}

type Json = Record<string, unknown>;

function switchesIn(v: unknown, out: Record<string, boolean>): void {
  if (Array.isArray(v)) for (const n of v) if (typeof n === 'string') out[n] = true;
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [n, on] of Object.entries(v)) if (typeof on === 'boolean') out[n] = on;
}

/** LiteLLM's per-request switches: `guardrails: ["name", ...]` and `metadata.guardrails` (a list or `{name: bool}`). */
function requestOverrides(body: Json): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  const meta = body['metadata'];
  if (meta && typeof meta === 'object') switchesIn((meta as Json)['guardrails'], out);
  switchesIn(body['guardrails'], out);
  return out;
}

/** The user and tool texts of a request, in order (system and assistant text is the operator's or the model's own). */
function injectionTexts(body: Json): ScannedText[] {
  const texts: ScannedText[] = [];
  visitBodyText(body, (text: string, source: TextSource) => {
    if (source === 'user' || source === 'tool') texts.push({ text, source });
    return text;
  });
  return texts;
}

interface ScrubOutcome {
  found: Map<EntityType, number>;
  blocked: EntityType | null;
}

function scrub(body: Json, g: PiiGuardrail, pseudonyms: Pseudonyms): ScrubOutcome {
  const found = new Map<EntityType, number>();
  let blocked: EntityType | null = null;
  const actionOf = (e: EntityType): PiiAction => g.actions[e] ?? g.defaultAction;
  const ctx = { actionOf, pseudonyms, hashKey: g.hashKey };
  visitBodyText(body, (text) => {
    const findings = analyze(text, { entities: g.entities, thresholds: g.thresholds });
    for (const f of findings) {
      found.set(f.entity, Math.max(found.get(f.entity) ?? 0, f.score));
      if (actionOf(f.entity) === 'block') blocked ??= f.entity;
    }
    return anonymize(text, findings, ctx);
  });
  return { found, blocked };
}

export function createGuardrailStage({ deps }: { deps: GuardrailStageDeps }): Stage {
  const now = deps.now ?? Date.now;
  const injectionGuardrails = deps.policy.guardrails.filter((g): g is InjectionGuardrail => g.kind === 'prompt_injection');
  const learned = injectionGuardrails.some((g) => g.detector !== 'rules');
  let embedFailures = 0;
  const detectors = createInjectionDetectors({
    embedder: learned ? deps.embedder : null,
    classifier: () => deps.classifier ?? loadInjectionClassifier(),
    onFallback: (kind, reason) => deps.logger.warn({ detector: kind, reason }, `guardrails: prompt_injection detector ${kind} unavailable, using the rules`),
    // Logged on the first failure and then every 100th: an embedder outage must not flood the log.
    onError: (err) => {
      if (embedFailures++ % 100 === 0) deps.logger.warn({ err, failures: embedFailures }, 'guardrails: embedding failed, request scored by the injection rules');
    },
  });
  /** Detectors already built, by the kind a guardrail asked for: a request then needs no await to find its detector. */
  const ready = new Map<InjectionGuardrail['detector'], InjectionDetector>([['rules', createRulesDetector()]]);
  // Built at start-up so a missing model is reported then, not on the first request.
  for (const kind of new Set(injectionGuardrails.map((g) => g.detector))) {
    void detectors(kind).then((d) => {
      ready.set(kind, d);
      if (d.kind !== 'rules') deps.logger.info({ detector: d.kind, threshold: d.threshold }, `guardrails: prompt_injection detector ${d.kind} ready`);
    });
  }

  function block(env: RequestEnvelope, ctx: StageContext, err: GatewayError, verdicts: GuardrailVerdict[]): void {
    ctx.reply.send('error', err.status, null, JSON.stringify(err.toOpenAI()));
    const evt = baseCompletedEvent({ ...env, verdicts }, now());
    evt.outcome = 'blocked';
    evt.httpStatus = err.status;
    evt.errorCode = err.code;
    ctx.complete(evt);
  }

  type Verdicts = { env: RequestEnvelope; ctx: StageContext; verdicts: GuardrailVerdict[]; metadata: Record<string, string> };

  /** True when the request was blocked. Synchronous for the rules (no await on the hot path), a promise when embedding. */
  function injection(g: InjectionGuardrail, texts: ScannedText[], v: Verdicts): boolean | Promise<boolean> {
    const d = ready.get(g.detector);
    if (d?.scanSync) return decide(g, d.scanSync(texts), v);
    return (async () => decide(g, await (d ?? (await detectors(g.detector))).scan(texts, v.ctx.signal), v))();
  }

  function decide(g: InjectionGuardrail, r: InjectionScan, { env, ctx, verdicts, metadata }: Verdicts): boolean {
    if (r.score < (g.threshold ?? r.threshold)) {
      verdicts.push({ guardrail: g.name, action: 'pass', categories: [], score: r.score });
      return false;
    }
    if (g.action === 'flag') {
      verdicts.push({ guardrail: g.name, action: 'flag', categories: r.categories, score: r.score });
      metadata[VERDICT_HEADER] = 'prompt_injection';
      deps.onFlag?.(g.name, r.categories);
      return false;
    }
    verdicts.push({ guardrail: g.name, action: 'block', categories: r.categories, score: r.score });
    const detail = `Request blocked by guardrail "${g.name}": possible prompt injection (${r.categories.join(', ')})`;
    block(env, ctx, new GatewayError('prompt_injection', { params: { detail } }), verdicts);
    return true;
  }

  return {
    name: 'pii',
    async handle(env, ctx) {
      let body: Json;
      try {
        body = JSON.parse(env.body) as Json;
      } catch {
        ctx.forward(env); // the router answers invalid JSON with its own error
        return;
      }
      const fromBody = requestOverrides(body);
      const all = guardrailsFor(deps.policy, env, deps.tenantGuardrails, fromBody);
      // The reply filter cannot read the body: body switches travel on as header-style metadata (header wins).
      const switched = Object.keys(fromBody).length > 0;
      const metadata: Record<string, string> = switched
        ? { ...env.metadata, [GUARDRAILS_METADATA]: formatOverrides({ ...fromBody, ...parseOverrides(env.metadata[GUARDRAILS_METADATA]) }) }
        : { ...env.metadata };
      const pre = all.filter(isPreCall);
      if (pre.length === 0) {
        ctx.forward(switched ? { ...env, metadata } : env);
        return;
      }
      const verdicts = [...env.verdicts];
      const texts = pre.some((g) => g.kind === 'prompt_injection') ? injectionTexts(body) : [];
      for (const g of pre) {
        if (g.kind !== 'prompt_injection') continue;
        const blocked = injection(g, texts, { env, ctx, verdicts, metadata });
        if (blocked === true || (blocked !== false && (await blocked))) return;
      }
      const pseudonyms = new Pseudonyms();
      let scrubbed = false;
      for (const g of pre) {
        if (g.kind !== 'pii') continue;
        const r = scrub(body, g, pseudonyms);
        const categories = [...r.found.keys()];
        const score = Math.max(0, ...r.found.values());
        if (r.blocked) {
          verdicts.push({ guardrail: g.name, action: 'block', categories, score });
          block(env, ctx, new GatewayError('guardrail_violation', { params: { detail: `Request blocked by guardrail "${g.name}": it contains ${r.blocked}` } }), verdicts);
          return;
        }
        verdicts.push({ guardrail: g.name, action: categories.length > 0 ? 'mask' : 'pass', categories, score });
        scrubbed ||= categories.length > 0;
      }
      if (pseudonyms.size > 0) {
        metadata[PII_MAP_METADATA] = JSON.stringify(pseudonyms.toRecord());
        // A cached answer would skip the restore on a hit and could carry one user's restored values to another.
        const cc = metadata['cache-control'];
        metadata['cache-control'] = cc ? `${cc}, no-store, no-cache` : 'no-store, no-cache';
      }
      ctx.forward({ ...env, body: scrubbed ? JSON.stringify(body) : env.body, verdicts, metadata });
    },
  };
}
