// Per-request cache controls: LiteLLM's body `cache: {no-cache, no-store, ttl, namespace}` and Cache-Control headers.
export interface CacheControls {
  /** Skip the lookup (the answer may still be stored). */
  noCache: boolean;
  /** Do not store the answer. */
  noStore: boolean;
  /** Seconds this answer lives; null: the configured ttl. */
  ttlSeconds: number | null;
  namespace: string | undefined;
  /** Explicit opt-in (`use-cache: true`): needed in default_off mode, and stores answers above the temperature limit. */
  optIn: boolean;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

function seconds(v: unknown): number | null {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null;
}

/** Reads the controls from the body's `cache` field and the metadata the ingress copied from headers. */
export function cacheControlsOf(body: Record<string, unknown>, metadata: Record<string, string>): CacheControls {
  const c = body['cache'];
  const o = (c && typeof c === 'object' && !Array.isArray(c) ? c : {}) as Record<string, unknown>;
  const header = (metadata['cache-control'] ?? '').toLowerCase();
  const directives = header.split(',').map((d) => d.trim());
  const maxAge = directives.find((d) => d.startsWith('max-age=') || d.startsWith('s-maxage='));
  const headerNs = metadata['x-gateway-cache-namespace'];
  const ns = typeof o['namespace'] === 'string' && o['namespace'] ? o['namespace'] : headerNs || undefined;
  return {
    noCache: truthy(o['no-cache']) || directives.includes('no-cache'),
    noStore: truthy(o['no-store']) || directives.includes('no-store'),
    ttlSeconds: seconds(o['ttl']) ?? seconds(o['s-maxage']) ?? (maxAge ? seconds(maxAge.split('=')[1]) : null),
    namespace: ns === undefined ? undefined : ns.slice(0, 128),
    optIn: truthy(o['use-cache']),
  };
}

const CALL_TYPES: Record<string, 'chat' | 'completion' | 'embedding'> = {
  completion: 'chat', acompletion: 'chat', chat: 'chat',
  text_completion: 'completion', atext_completion: 'completion',
  embedding: 'embedding', aembedding: 'embedding',
};

/** LiteLLM call type names → ours; absent: LiteLLM's default (chat and text completions). */
export function supportedCallTypes(names: readonly string[] | undefined): Set<'chat' | 'completion' | 'embedding'> {
  const out = new Set<'chat' | 'completion' | 'embedding'>();
  for (const n of names ?? ['completion', 'acompletion', 'text_completion', 'atext_completion']) {
    const t = CALL_TYPES[n];
    if (t) out.add(t);
  }
  return out;
}
