// The provider port: one adapter per provider API, all speaking OpenAI shapes to the router.
import type { openai } from '@ai-gateway/kit';

export type ProviderName = 'openai' | 'azure' | 'anthropic' | 'gemini' | 'openai-compatible' | 'demo';

/** What an adapter needs to reach one deployment. Built from a model_list entry. */
export interface ProviderTarget {
  provider: ProviderName;
  /** Model name the provider expects (prefix stripped), or the Azure deployment name. */
  model: string;
  apiBase: string | null;
  apiKey: string | null;
  apiVersion: string | null;
  /** Extra headers from config (e.g. `extra_headers`). */
  headers: Record<string, string>;
}

/** Why a provider call failed, as the retry / fallback policy needs to know it. */
export type ProviderErrorKind =
  | 'rate_limit' // 429
  | 'timeout' // 408 / our own timeouts
  | 'server' // 5xx
  | 'connection' // reset, refused, DNS
  | 'context_window' // prompt too long for the model
  | 'content_policy' // provider refused on content grounds
  | 'bad_request' // other 4xx caused by the request
  | 'auth' // 401/403
  | 'not_found' // 404 model/deployment missing
  | 'malformed'; // the provider answered something we could not parse

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status: number;
  /** Retrying (same or other deployment) may succeed. Only the policy reads this. */
  readonly retriable: boolean;
  readonly retryAfterMs: number | null;
  /** The provider's own error body, if any (never forwarded verbatim with secrets). */
  readonly providerBody: unknown;

  constructor(kind: ProviderErrorKind, message: string, opts: { status: number; retriable?: boolean; retryAfterMs?: number | null; providerBody?: unknown; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.status = opts.status;
    this.retriable = opts.retriable ?? RETRIABLE_KINDS.has(kind);
    this.retryAfterMs = opts.retryAfterMs ?? null;
    this.providerBody = opts.providerBody;
  }
}

const RETRIABLE_KINDS = new Set<ProviderErrorKind>(['rate_limit', 'timeout', 'server', 'connection']);

export interface CallOptions {
  signal: AbortSignal;
}

/**
 * A stream iterator that can also hand over what already arrived without a promise: a provider read usually
 * carries many events, and a promise per event cost more than relaying it. Adapters without it use next() only.
 */
export interface PolledIterator<T> extends AsyncIterator<T> {
  /** The next item when it is already here; undefined when the caller must await next() (nothing queued yet). */
  poll?(): IteratorResult<T> | undefined;
}

/**
 * A provider adapter. Streams resolve once the provider accepted the request (status 2xx),
 * so failures before the first byte throw from the call and can be retried; failures after
 * that throw from the iterator.
 */
export interface ProviderAdapter {
  readonly name: ProviderName;
  chat(req: openai.ChatCompletionRequest, target: ProviderTarget, opts: CallOptions): Promise<openai.ChatCompletion>;
  chatStream(req: openai.ChatCompletionRequest, target: ProviderTarget, opts: CallOptions): Promise<AsyncIterable<openai.ChatCompletionChunk>>;
  /** Legacy text completions; absent when the provider has none (the router then maps to chat). */
  completion?(req: openai.CompletionRequest, target: ProviderTarget, opts: CallOptions): Promise<openai.TextCompletion>;
  embeddings?(req: openai.EmbeddingRequest, target: ProviderTarget, opts: CallOptions): Promise<openai.EmbeddingResponse>;
}
