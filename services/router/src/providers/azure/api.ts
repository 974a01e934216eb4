// Azure OpenAI endpoints: deployment in the path, `api-version` query, `api-key` header.
import type { OpenAIDialectApi, OpenAIEndpoint } from '../openai/api.ts';
import type { ProviderTarget } from '../types.ts';

/** GA version with `stream_options.include_usage`; config `api_version` overrides it. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

const PATHS: Record<OpenAIEndpoint, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
};

export const azureApi: OpenAIDialectApi = {
  url(endpoint, target: ProviderTarget) {
    if (!target.apiBase) throw new TypeError('azure target needs api_base (https://<resource>.openai.azure.com)');
    const base = target.apiBase.replace(/\/+$/, '').replace(/\/openai$/, '');
    const version = encodeURIComponent(target.apiVersion ?? AZURE_DEFAULT_API_VERSION);
    return `${base}/openai/deployments/${encodeURIComponent(target.model)}${PATHS[endpoint]}?api-version=${version}`;
  },
  headers: (target) => ({
    ...(target.apiKey ? { 'api-key': target.apiKey } : {}),
    ...target.headers,
  }),
  // The deployment in the URL names the model; the body's `model` is ignored by Azure, so omit it.
  bodyModel: () => undefined,
};
