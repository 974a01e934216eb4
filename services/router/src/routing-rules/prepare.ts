// Stage glue run before the attempts: resolve a virtual model, then fit the prompt to the chosen group's window.
import type { CancelSource, RequestEnvelope } from '@ai-gateway/kit';
import { CONTEXT_HEADER, type ContextPlan, type ContextWindow } from '../context-window/index.ts';
import type { RouterDeployment } from '../routing-types.ts';
import { ROUTE_HEADER, ROUTED_MODEL_HEADER, type RouteSelector } from './selector.ts';

/** Envelope metadata the router adds and the answer carries as headers (and the completed event as metadata). */
export const ROUTER_METADATA_HEADERS: readonly string[] = [ROUTE_HEADER, ROUTED_MODEL_HEADER, CONTEXT_HEADER];

export interface PrepareDeps {
  routeSelector?: RouteSelector | undefined;
  contextWindow?: ContextWindow | undefined;
}

/** `cancel`: the request's cancellation; its AbortSignal is asked for only when a route selector runs. */
export async function prepareRequest(deps: PrepareDeps, env: RequestEnvelope, body: Record<string, unknown>, cancel?: Pick<CancelSource, 'signal'>): Promise<ContextPlan> {
  let group = env.model;
  const decision = deps.routeSelector ? await deps.routeSelector.select(env, body, cancel?.signal) : null;
  if (decision) {
    group = decision.group;
    env.metadata[ROUTE_HEADER] = decision.route;
    env.metadata[ROUTED_MODEL_HEADER] = decision.group;
  }
  const plan: ContextPlan = deps.contextWindow ? deps.contextWindow.plan(env, group, body) : { group, body, action: null, fallbacks: [], policy: 'fallback' };
  if (plan.action) env.metadata[CONTEXT_HEADER] = plan.action;
  return plan;
}

/** The body one deployment receives: re-fitted to its own window (throws a context_window error when it cannot be). */
export function bodyForAttempt<T>(deps: PrepareDeps, env: RequestEnvelope, plan: ContextPlan, d: RouterDeployment, body: T): T {
  if (!deps.contextWindow) return body;
  const fitted = deps.contextWindow.fitAttempt(d, plan, body as Record<string, unknown>);
  if (plan.action) env.metadata[CONTEXT_HEADER] = plan.action;
  return fitted as T;
}

/** Copies the router's own metadata (route, context action) into answer headers. */
export function routerHeaders(env: RequestEnvelope, h: Record<string, string>): Record<string, string> {
  for (const k of ROUTER_METADATA_HEADERS) {
    const v = env.metadata[k];
    if (v) h[k] = v;
  }
  return h;
}
