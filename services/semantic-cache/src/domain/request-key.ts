// Normalises a request into the keys the cache looks up by: exact key, context hash, params hash and the query text.
import { createHash } from 'node:crypto';
import type { CallType, RequestEnvelope } from '@ai-gateway/kit';

/** Body fields that never change the answer (transport, bookkeeping, gateway controls). */
const IGNORED_FIELDS = new Set([
  'model', 'messages', 'prompt', 'input', 'stream', 'stream_options', 'user', 'metadata', 'cache', 'caching', 'ttl',
  'store', 'service_tier', 'fallbacks', 'context_window_fallbacks', 'num_retries', 'guardrails', 'mock_response', 'timeout',
]);

export interface CacheScope {
  /** Tenant boundary: configured namespace + the key's team (or the key itself) + any per-request namespace. */
  scope: string;
  /** Request namespace, else the configured one, else ''. */
  namespace: string;
  modelGroup: string;
}

export interface RequestKeys extends CacheScope {
  callType: CallType;
  /** sha256 of everything that changes the answer, scope included. */
  exactKey: string;
  /** sha256 of the conversation before the last user turn (plus system prompt and tool results). */
  contextHash: string;
  /** sha256 of the sampling and tool parameters. */
  paramsHash: string;
  /** The last user turn as plain text: what the semantic layer embeds. Null when there is none. */
  query: string | null;
  temperature: number | null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted object keys, so field order never splits the cache. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Message content as one string: text parts joined, whitespace collapsed; other parts kept as canonical JSON. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content.replace(/\s+/g, ' ').trim();
  if (!Array.isArray(content)) return content === undefined || content === null ? '' : canonicalJson(content);
  return content
    .map((p: unknown) => {
      if (p && typeof p === 'object' && (p as Record<string, unknown>)['type'] === 'text') return String((p as Record<string, unknown>)['text'] ?? '');
      return canonicalJson(p);
    })
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

interface NormalMessage {
  role: string;
  content: string;
  name?: unknown;
  tool_calls?: unknown;
  tool_call_id?: unknown;
}

function normaliseMessages(messages: unknown): NormalMessage[] {
  if (!Array.isArray(messages)) return [];
  return messages.map((m: unknown) => {
    const r = (m && typeof m === 'object' ? m : {}) as Record<string, unknown>;
    const role = r['role'] === 'developer' ? 'system' : String(r['role'] ?? '');
    const out: NormalMessage = { role, content: contentText(r['content']) };
    if (r['name'] !== undefined) out.name = r['name'];
    if (r['tool_calls'] !== undefined) out.tool_calls = r['tool_calls'];
    if (r['tool_call_id'] !== undefined) out.tool_call_id = r['tool_call_id'];
    return out;
  });
}

/** Parameters that change the answer: everything not known to be inert (unknown fields count, to stay safe). */
export function answerParams(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!IGNORED_FIELDS.has(k) && v !== undefined && v !== null) out[k] = v;
  if (out['max_completion_tokens'] !== undefined && out['max_tokens'] === undefined) {
    out['max_tokens'] = out['max_completion_tokens'];
    delete out['max_completion_tokens'];
  }
  return out;
}

export interface ScopeOptions {
  /** litellm_settings.cache_params.namespace */
  namespace: string | undefined;
  /** Per-request namespace (body `cache.namespace` or header). Narrows, never widens, the tenant scope. */
  requestNamespace: string | undefined;
}

export function scopeOf(env: RequestEnvelope, o: ScopeOptions): string {
  const t = env.tenant;
  const tenant = t.teamId ? `team:${t.teamId}` : t.keyId ? `key:${t.keyId}` : 'anonymous';
  return [o.namespace ?? '', tenant, o.requestNamespace ?? ''].join('|');
}

export function requestKeys(env: RequestEnvelope, body: Record<string, unknown>, modelGroup: string, o: ScopeOptions): RequestKeys {
  const scope = scopeOf(env, o);
  const params = answerParams(body);
  const paramsHash = sha256(canonicalJson(params));
  let query: string | null = null;
  let context: unknown;
  if (env.callType === 'chat') {
    const messages = normaliseMessages(body['messages']);
    let last = -1;
    for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') { last = i; break; }
    if (last >= 0) {
      query = messages[last]?.content ?? null;
      context = { before: messages.slice(0, last), after: messages.slice(last + 1), turn: { ...messages[last], content: '' } };
    } else context = { before: messages };
  } else if (env.callType === 'completion') {
    const p = body['prompt'];
    if (typeof p === 'string') query = p.replace(/\s+/g, ' ').trim();
    context = typeof p === 'string' ? null : p;
  } else context = body['input'];
  const contextHash = sha256(canonicalJson(context ?? null));
  const exactKey = sha256(canonicalJson({ v: 1, scope, modelGroup, callType: env.callType, contextHash, paramsHash, query }));
  const t = params['temperature'];
  return { scope, namespace: o.requestNamespace ?? o.namespace ?? '', modelGroup, callType: env.callType, exactKey, contextHash, paramsHash, query: query || null, temperature: typeof t === 'number' ? t : null };
}

/** Qdrant point ids are UUIDs: the exact key's first 128 bits, formatted as one. */
export function pointIdOf(exactKey: string): string {
  const h = exactKey.slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
