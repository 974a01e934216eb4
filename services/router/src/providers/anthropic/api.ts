// Anthropic Messages endpoint: base URL, auth + version headers, and the messages path.
import { anthropic } from '@ai-gateway/kit';
import type { ProviderTarget } from '../types.ts';

export const ANTHROPIC_DEFAULT_BASE = 'https://api.anthropic.com';

/** `api_base` may be given with or without `/v1` (both spellings appear in LiteLLM configs). */
export function messagesUrl(target: ProviderTarget): string {
  const base = (target.apiBase ?? ANTHROPIC_DEFAULT_BASE).replace(/\/+$/, '');
  return base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
}

/** `api_version` in config overrides the anthropic-version header; config `extra_headers` win last. */
export function anthropicHeaders(target: ProviderTarget): Record<string, string> {
  return {
    ...(target.apiKey ? { 'x-api-key': target.apiKey } : {}),
    'anthropic-version': target.apiVersion ?? anthropic.ANTHROPIC_VERSION,
    ...target.headers,
  };
}
