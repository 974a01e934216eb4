// What the ingress knows about models: which names exist (for 404s early) and what /v1/models lists.
import type { openai } from '@ai-gateway/kit';

export interface ModelCatalog {
  /** Model objects for GET /v1/models, in config order. */
  list(): openai.ModelObject[];
  /** True when a request for `model` can be routed (exact group, alias or wildcard). */
  resolves(model: string): boolean;
}
