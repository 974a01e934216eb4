// OpenAI-dialect endpoints: base URL, auth headers and endpoint paths for openai and openai-compatible targets.
import type { ProviderTarget } from '../types.ts';

export type OpenAIEndpoint = 'chat' | 'completions' | 'embeddings';

/** How one OpenAI-dialect provider is addressed. Azure plugs in its own (see ../azure/api.ts). */
export interface OpenAIDialectApi {
  url(endpoint: OpenAIEndpoint, target: ProviderTarget): string;
  headers(target: ProviderTarget): Record<string, string>;
  /** The `model` field upstream: Azure names the deployment in the URL instead. */
  bodyModel(target: ProviderTarget): string | undefined;
}

export const OPENAI_DEFAULT_BASE = 'https://api.openai.com/v1';

const PATHS: Record<OpenAIEndpoint, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
};

/**
 * api_base is used as given and the endpoint path appended, as LiteLLM does (it hands api_base to the
 * OpenAI client as base_url): `http://host:8000/v1` → `/v1/chat/completions`; a base without `/v1`
 * (a proxy mounted at the root) is not rewritten.
 */
export function openaiBaseUrl(target: ProviderTarget): string {
  return (target.apiBase ?? OPENAI_DEFAULT_BASE).replace(/\/+$/, '');
}

export const openaiApi: OpenAIDialectApi = {
  url: (endpoint, target) => openaiBaseUrl(target) + PATHS[endpoint],
  headers: (target) => ({
    ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
    ...target.headers,
  }),
  bodyModel: (target) => target.model,
};
