// Shared domain vocabulary for routing: what a deployment looks like to the router, strategies, randomness.
import { ROUTING_STRATEGIES, type RoutingStrategy } from '@ai-gateway/kit';

/** The strategy names are the config schema's: one list, validated at boot. */
export { ROUTING_STRATEGIES, type RoutingStrategy };

/**
 * The part of a configured deployment the routing domain reads. Structural, so the config
 * loader's richer Deployment type can be passed in as-is.
 */
export interface DeploymentRef {
  /** Stable id (model_info.id or derived); the key of all live state. */
  id: string;
  /** model_name from model_list: the group a request names. */
  modelGroup: string;
  /** simple-shuffle weight; null when not configured. */
  weight: number | null;
  /** Priority: lower order is preferred; null sorts after every number. */
  order: number | null;
  /** Per-minute request limit of this deployment, null when unlimited. */
  rpm: number | null;
  /** Per-minute token limit of this deployment, null when unlimited. */
  tpm: number | null;
  inputCostPerToken: number | null;
  outputCostPerToken: number | null;
}


export function isRoutingStrategy(value: unknown): value is RoutingStrategy {
  return typeof value === 'string' && (ROUTING_STRATEGIES as readonly string[]).includes(value);
}

/** Injected randomness (kit's seededRand makes it reproducible). */
export { seededRand, type Rand } from '@ai-gateway/kit';
