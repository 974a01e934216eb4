// Picks one deployment of a model group: rpm/tpm limits, then order priority, then the routing strategy.
import type { DeploymentLoad, RoutingStateView } from './deployment-state.ts';
import type { DeploymentRef, Rand, RoutingStrategy } from './types.ts';

export interface SelectOptions {
  /** Streams are ranked by time to first token under latency-based-routing. */
  streaming?: boolean;
  /** Tokens this request will likely use; a deployment it would push over its tpm is skipped. */
  estimatedTokens?: number;
  /**
   * latency-based-routing: pick at random among deployments within (1 + buffer) × the lowest
   * latency, so the fastest one does not take all traffic (LiteLLM's lowest_latency_buffer). Default 0.
   */
  latencyBuffer?: number;
}

/** True while the deployment can take one more request of `estimatedTokens` in this minute. */
export function hasCapacity(d: DeploymentRef, load: DeploymentLoad, estimatedTokens = 0): boolean {
  if (d.rpm !== null && load.rpmUsed + 1 > d.rpm) return false;
  if (d.tpm !== null && (load.tpmUsed >= d.tpm || load.tpmUsed + estimatedTokens > d.tpm)) return false;
  return true;
}

function orderOf(d: DeploymentRef): number {
  return d.order ?? Number.POSITIVE_INFINITY;
}

/**
 * The items `keep` accepts, each asked once: `items` itself when it accepts them all (the usual group: one or a few
 * healthy deployments), a copy only when something is dropped.
 */
export function keptOnly<T>(items: readonly T[], keep: (item: T) => boolean): readonly T[] {
  for (let i = 0; i < items.length; i++) {
    if (keep(items[i] as T)) continue;
    const out = items.slice(0, i);
    for (let j = i + 1; j < items.length; j++) if (keep(items[j] as T)) out.push(items[j] as T);
    return out;
  }
  return items;
}

/** The deployments sharing the lowest order value (null order ranks after every number). */
export function lowestOrderTier<D extends DeploymentRef>(candidates: readonly D[]): readonly D[] {
  let min = Number.POSITIVE_INFINITY;
  for (const d of candidates) min = Math.min(min, orderOf(d));
  return keptOnly(candidates, (d) => orderOf(d) === min);
}

function pickRandom<T>(items: readonly T[], rand: Rand): T | null {
  if (items.length === 0) return null;
  const i = Math.min(items.length - 1, Math.floor(rand() * items.length));
  return items[i] ?? null;
}

/** Weighted random pick; non-positive or non-finite weights count as 0, all-zero falls back to uniform. */
export function weightedPick<T>(items: readonly T[], weights: readonly number[], rand: Rand): T | null {
  const w = weights.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  const total = w.reduce((a, b) => a + b, 0);
  if (total <= 0) return pickRandom(items, rand);
  let r = rand() * total;
  for (let i = 0; i < items.length; i++) {
    r -= w[i] ?? 0;
    if (r < 0 && (w[i] ?? 0) > 0) return items[i] ?? null;
  }
  for (let i = items.length - 1; i >= 0; i--) if ((w[i] ?? 0) > 0) return items[i] ?? null;
  return null;
}

/** All items whose key equals the minimum key. */
function argMinAll<T>(items: readonly T[], key: (t: T) => number): T[] {
  let min = Number.POSITIVE_INFINITY;
  let out: T[] = [];
  for (const t of items) {
    const k = key(t);
    if (k < min) {
      min = k;
      out = [t];
    } else if (k === min) out.push(t);
  }
  return out.length > 0 ? out : [...items];
}

interface Ranked<D> {
  d: D;
  load: DeploymentLoad;
}

/**
 * simple-shuffle as LiteLLM does it: weighted by `weight` when any deployment sets one
 * (unset = 0), else by `rpm`, else by `tpm`, else uniform.
 */
function simpleShuffle<D extends DeploymentRef>(tier: readonly D[], rand: Rand): D | null {
  const by = (f: (d: D) => number | null): number[] | null => (tier.some((d) => f(d) !== null) ? tier.map((d) => f(d) ?? 0) : null);
  const weights = by((d) => d.weight) ?? by((d) => d.rpm) ?? by((d) => d.tpm);
  return weights ? weightedPick(tier, weights, rand) : pickRandom(tier, rand);
}

function latencyOf(load: DeploymentLoad, streaming: boolean): number | null {
  return streaming ? (load.ttftMs ?? load.latencyMs) : load.latencyMs;
}

/** Lowest recent latency; deployments never measured are explored first. */
function lowestLatency<D extends DeploymentRef>(ranked: readonly Ranked<D>[], opts: SelectOptions, rand: Rand): D | null {
  const streaming = opts.streaming ?? false;
  const untried = ranked.filter((r) => latencyOf(r.load, streaming) === null);
  if (untried.length > 0) return pickRandom(untried, rand)?.d ?? null;
  const lowest = Math.min(...ranked.map((r) => latencyOf(r.load, streaming) ?? Number.POSITIVE_INFINITY));
  const limit = lowest * (1 + Math.max(0, opts.latencyBuffer ?? 0));
  return pickRandom(ranked.filter((r) => (latencyOf(r.load, streaming) ?? Number.POSITIVE_INFINITY) <= limit), rand)?.d ?? null;
}

function costOf(d: DeploymentRef): number {
  if (d.inputCostPerToken === null && d.outputCostPerToken === null) return Number.POSITIVE_INFINITY;
  return (d.inputCostPerToken ?? 0) + (d.outputCostPerToken ?? 0);
}

function pickByStrategy<D extends DeploymentRef>(
  tier: readonly D[],
  strategy: RoutingStrategy,
  state: RoutingStateView,
  now: number,
  rand: Rand,
  opts: SelectOptions,
): D | null {
  const ranked = (): Ranked<D>[] => tier.map((d) => ({ d, load: state.load(d.id, now) }));
  switch (strategy) {
    case 'simple-shuffle':
      return simpleShuffle(tier, rand);
    case 'round-robin': {
      const first = tier[0];
      if (!first) return null;
      return tier[state.takeRoundRobinTurn(first.modelGroup) % tier.length] ?? null;
    }
    case 'least-busy':
      return pickRandom(argMinAll(ranked(), (r) => r.load.inFlight), rand)?.d ?? null;
    case 'latency-based-routing':
      return lowestLatency(ranked(), opts, rand);
    case 'usage-based-routing':
    case 'usage-based-routing-v2': {
      // LiteLLM: the deployment with the lowest tpm this minute among those under their limits.
      const byTpm = argMinAll(ranked(), (r) => r.load.tpmUsed);
      return pickRandom(argMinAll(byTpm, (r) => r.load.rpmUsed), rand)?.d ?? null;
    }
    case 'cost-based-routing': {
      const cheapest = argMinAll(ranked(), (r) => costOf(r.d));
      const heaviest = argMinAll(cheapest, (r) => -(r.d.weight ?? 0));
      const fastest = argMinAll(heaviest, (r) => r.load.latencyMs ?? 0);
      return pickRandom(fastest, rand)?.d ?? null;
    }
  }
}

/**
 * Chooses the deployment for one attempt. `candidates` are the deployments of one model group the
 * caller may use now (cooling / already-tried ones removed). Deployments at their per-minute rpm or
 * tpm limit are dropped; of the rest only the lowest `order` tier competes, so a higher order is used
 * only when every lower one is cooling or limited. Returns null when nothing has capacity.
 */
export function selectDeployment<D extends DeploymentRef>(
  candidates: readonly D[],
  strategy: RoutingStrategy,
  state: RoutingStateView,
  now: number,
  rand: Rand,
  opts: SelectOptions = {},
): D | null {
  // A deployment without rpm/tpm limits always has capacity: its load is not read (nor built) for that.
  const open = keptOnly(candidates, (d) => (d.rpm === null && d.tpm === null) || hasCapacity(d, state.load(d.id, now), opts.estimatedTokens ?? 0));
  const tier = lowestOrderTier(open);
  if (tier.length === 0) return null;
  if (tier.length === 1) {
    if (strategy === 'round-robin' && tier[0]) state.takeRoundRobinTurn(tier[0].modelGroup);
    return tier[0] ?? null;
  }
  return pickByStrategy(tier, strategy, state, now, rand, opts);
}
