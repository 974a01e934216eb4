// Builds the guardrails of a process from config: the `pii` stage and the reply filter the router applies.
import type { Embedder, GatewayConfig, Logger, ReplyFilterFactory, Stage } from '@ai-gateway/kit';
import { buildGuardrailPolicy, createGuardrailReplyFilter, createGuardrailStage, injectionModelDirOf, type GuardrailPolicy } from '@ai-gateway/pii-scrubber';
import { createBatchingEmbedder, loadLocalEmbedder } from '@ai-gateway/semantic-cache';

const policies = new WeakMap<GatewayConfig, GuardrailPolicy>();

/** One policy per (frozen) config, so slip building and stage building agree and regexes compile once. */
export function guardrailPolicyOf(config: GatewayConfig): GuardrailPolicy {
  let p = policies.get(config);
  if (!p) policies.set(config, (p = buildGuardrailPolicy(config.guardrails)));
  return p;
}

/** True when some pre-call guardrail is configured (on by default or switchable per key, team or request). */
export function needsGuardrailStage(config: GatewayConfig): boolean {
  return guardrailPolicyOf(config).hasPreCall;
}

/**
 * The local model directory the learned injection detectors embed with (the multilingual model their classifier was
 * trained on, not the cache's); null when every injection guardrail uses the rules.
 */
export function guardrailModelDir(config: GatewayConfig): string | null {
  const learned = guardrailPolicyOf(config).guardrails.find((g) => g.kind === 'prompt_injection' && g.detector !== 'rules');
  if (!learned || learned.kind !== 'prompt_injection') return null;
  return injectionModelDirOf(learned.embeddingModelDir);
}

/** Per model directory: loadLocalEmbedder keeps one ONNX session per directory, shared with any other user of it. */
const embedders = new Map<string, Promise<Embedder | null>>();

/** The embedder of the learned injection detectors, or null (rules only) when none is configured or the model is missing. */
export function guardrailEmbedder(config: GatewayConfig, logger: Logger): Promise<Embedder | null> | null {
  const dir = guardrailModelDir(config);
  if (dir === null) return null;
  let e = embedders.get(dir);
  if (!e) {
    e = loadLocalEmbedder({ modelDir: dir }).then(
      (m) => createBatchingEmbedder(m),
      (err: unknown) => {
        logger.warn({ err, modelDir: dir }, 'guardrails: prompt_injection runs on the rules: the local embedding model could not be loaded');
        embedders.delete(dir);
        return null;
      },
    );
    embedders.set(dir, e);
  }
  return e;
}

// Key and team switches need no wiring here: the ingress puts them on the envelope from the key's grant.
/** `embedder`: the process's shared instance when the caller has one; default: the local model of the config. */
export function buildGuardrailStage(config: GatewayConfig, logger: Logger, embedder?: Embedder | Promise<Embedder | null> | null): Stage {
  const e = embedder === undefined ? guardrailEmbedder(config, logger) : embedder;
  return createGuardrailStage({ deps: { policy: guardrailPolicyOf(config), logger, ...(e ? { embedder: e } : {}) } });
}

/** The router's reply filter: post_call PII scrubbing, pseudonym restore, output filters. */
export function buildReplyFilter(config: GatewayConfig): ReplyFilterFactory {
  return createGuardrailReplyFilter({ deps: { policy: guardrailPolicyOf(config) } });
}
