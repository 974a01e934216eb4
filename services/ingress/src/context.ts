// Everything an ingress route needs, built once by createIngress.
import type { Logger, Pipeline, Tenant } from '@ai-gateway/kit';
import type { Authenticator } from './auth.ts';
import type { Admission } from './admission.ts';
import type { ModelCatalog } from './catalog.ts';

export interface IngressOptions {
  ingressId: string;
  /** Stages every request passes through, in order; the last one answers. */
  slip: string[];
  maxBodyBytes: number;
  requestTimeoutMs: number;
}

/** Load shedding: while on, new inference requests are refused with 503 and retry-after before any work. */
export interface Overload {
  shedding(): boolean;
  /** Told of each refused request (metrics); it gets no completed event, which would only add to the backlog. */
  onShed?(model: string, tenant: Tenant): void;
}

export interface IngressContext {
  pipeline: Pipeline;
  auth: Authenticator;
  /** Model access, limits and budgets before dispatch; absent = admit everything. */
  admission?: Admission;
  catalog: ModelCatalog;
  overload?: Overload;
  logger: Logger;
  options: IngressOptions;
  now: () => number;
}
