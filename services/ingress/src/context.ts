// Everything an ingress route needs, built once by createIngress.
import type { Logger, Pipeline } from '@ai-gateway/kit';
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

export interface IngressContext {
  pipeline: Pipeline;
  auth: Authenticator;
  /** Model access, limits and budgets before dispatch; absent = admit everything. */
  admission?: Admission;
  catalog: ModelCatalog;
  logger: Logger;
  options: IngressOptions;
  now: () => number;
}
