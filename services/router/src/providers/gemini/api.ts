// Gemini endpoints: base URL, `x-goog-api-key` header, model-scoped methods.
import type { ProviderTarget } from '../types.ts';

export const GEMINI_DEFAULT_BASE = 'https://generativelanguage.googleapis.com';
export const GEMINI_DEFAULT_VERSION = 'v1beta';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents';

/** api_base may carry its own version (`…/v1`); otherwise `v1beta` (or config api_version) is added. */
function versionedBase(target: ProviderTarget): string {
  const base = (target.apiBase ?? GEMINI_DEFAULT_BASE).replace(/\/+$/, '');
  if (/\/v1(beta\d*|alpha)?$/.test(base)) return base;
  return `${base}/${target.apiVersion ?? GEMINI_DEFAULT_VERSION}`;
}

export function geminiModelName(target: ProviderTarget): string {
  return target.model.replace(/^models\//, '');
}

export function geminiUrl(method: GeminiMethod, target: ProviderTarget): string {
  const url = `${versionedBase(target)}/models/${encodeURIComponent(geminiModelName(target))}:${method}`;
  return method === 'streamGenerateContent' ? `${url}?alt=sse` : url;
}

export function geminiHeaders(target: ProviderTarget): Record<string, string> {
  return { ...(target.apiKey ? { 'x-goog-api-key': target.apiKey } : {}), ...target.headers };
}
