// Provider registry: provider name → adapter. Adapters are built once and shared (they hold no per-request state).
import type { ProviderAdapter, ProviderName } from './types.ts';
import { createProviderHttp, type ProviderHttp } from './shared/http.ts';
import { createOpenAIAdapter } from './openai/index.ts';
import { createAzureAdapter } from './azure/index.ts';
import { createGeminiAdapter } from './gemini/index.ts';
import { createDemoAdapter, type DemoAdapterOptions } from './demo/index.ts';
import { createAnthropicAdapter } from './anthropic/index.ts';

export type ProviderRegistry = (name: ProviderName) => ProviderAdapter | undefined;

export interface ProviderRegistryDeps {
  http?: ProviderHttp;
  /** Adapters added or replaced by name (a new provider, or a test double for one). */
  extra?: Partial<Record<ProviderName, ProviderAdapter>>;
}

export function builtInAdapters({ http, demo }: { http: ProviderHttp; demo?: DemoAdapterOptions }): Partial<Record<ProviderName, ProviderAdapter>> {
  return {
    openai: createOpenAIAdapter({ deps: { http }, options: { name: 'openai' } }),
    'openai-compatible': createOpenAIAdapter({ deps: { http }, options: { name: 'openai-compatible' } }),
    azure: createAzureAdapter({ deps: { http } }),
    gemini: createGeminiAdapter({ deps: { http } }),
    anthropic: createAnthropicAdapter({ deps: { http } }),
    demo: createDemoAdapter({ options: demo ?? {} }),
  };
}

export function createProviderRegistry({ deps = {}, options = {} }: { deps?: ProviderRegistryDeps; options?: { demo?: DemoAdapterOptions } } = {}): ProviderRegistry {
  const http = deps.http ?? createProviderHttp();
  const adapters = new Map<ProviderName, ProviderAdapter>();
  for (const [name, adapter] of Object.entries({ ...builtInAdapters({ http, demo: options.demo }), ...deps.extra })) {
    if (adapter) adapters.set(name as ProviderName, adapter);
  }
  return (name) => adapters.get(name);
}
