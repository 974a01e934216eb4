// Builds the guardrails of a process from config: the `pii` stage and the reply filter the router applies.
import type { GatewayConfig, Logger, ReplyFilterFactory, Stage } from '@ai-gateway/kit';
import { buildGuardrailPolicy, createGuardrailReplyFilter, createGuardrailStage, type GuardrailPolicy } from '@ai-gateway/pii-scrubber';

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

// Key and team switches need no wiring here: the ingress puts them on the envelope from the key's grant.
export function buildGuardrailStage(config: GatewayConfig, logger: Logger): Stage {
  return createGuardrailStage({ deps: { policy: guardrailPolicyOf(config), logger } });
}

/** The router's reply filter: post_call PII scrubbing, pseudonym restore, output filters. */
export function buildReplyFilter(config: GatewayConfig): ReplyFilterFactory {
  return createGuardrailReplyFilter({ deps: { policy: guardrailPolicyOf(config) } });
}
