// Azure OpenAI adapter: the OpenAI engine with Azure's addressing.
import type { ProviderAdapter } from '../types.ts';
import type { ProviderHttp } from '../shared/http.ts';
import { createOpenAIAdapter } from '../openai/index.ts';
import { azureApi } from './api.ts';

export function createAzureAdapter({ deps = {} }: { deps?: { http?: ProviderHttp } } = {}): ProviderAdapter {
  return createOpenAIAdapter({ deps, options: { name: 'azure', api: azureApi } });
}

export { azureApi, AZURE_DEFAULT_API_VERSION } from './api.ts';
