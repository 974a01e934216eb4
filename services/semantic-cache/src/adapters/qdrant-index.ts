// VectorIndex adapter for Qdrant (@qdrant/js-client-rest): one collection per embedder and dimension, keyword payload indexes.
import { QdrantClient } from '@qdrant/js-client-rest';
import type { CacheEntry, EntryFilter, ScoredEntry, SearchOptions, VectorIndex } from '../ports.ts';

export interface QdrantIndexOptions {
  url: string;
  apiKey?: string;
  /** Base name; the embedder id and dimension are appended. */
  collectionBase: string;
  embedderId: string;
  /** Client-side request timeout in ms (the cache stage has its own, shorter budget). */
  timeoutMs?: number;
}

const INDEXED_FIELDS: Array<[string, 'keyword' | 'bool' | 'integer']> = [
  ['scope', 'keyword'], ['namespace', 'keyword'], ['model_group', 'keyword'], ['context_hash', 'keyword'], ['params_hash', 'keyword'],
  ['exact_key', 'keyword'], ['call_type', 'keyword'], ['semantic', 'bool'], ['expires_at_ms', 'integer'],
];

type Condition = { key: string; match: { value: string | boolean } } | { key: string; range: { gt: number } } | { has_id: string[] };

export function qdrantFilter(f: EntryFilter, now: number | null): { must: Condition[] } {
  const must: Condition[] = [];
  if (f.id !== undefined) must.push({ has_id: [f.id] });
  const eq = (key: string, value: string | boolean | undefined) => {
    if (value !== undefined) must.push({ key, match: { value } });
  };
  eq('scope', f.scope);
  eq('namespace', f.namespace);
  eq('model_group', f.modelGroup);
  eq('context_hash', f.contextHash);
  eq('params_hash', f.paramsHash);
  eq('call_type', f.callType);
  eq('exact_key', f.exactKey);
  eq('semantic', f.semantic);
  if (now !== null) must.push({ key: 'expires_at_ms', range: { gt: now } });
  return { must };
}

function toPayload(e: CacheEntry): Record<string, unknown> {
  return {
    exact_key: e.exactKey, scope: e.scope, namespace: e.namespace, model_group: e.modelGroup, call_type: e.callType, context_hash: e.contextHash,
    params_hash: e.paramsHash, semantic: e.semantic, signature: e.signature, response: e.response, usage: e.usage,
    cost_usd: e.costUsd, answered_by: e.answeredBy, created_at_ms: e.createdAtMs, expires_at_ms: e.expiresAtMs,
  };
}

function fromPayload(id: string | number, p: Record<string, unknown> | null | undefined): CacheEntry | null {
  if (!p || typeof p['response'] !== 'string' || typeof p['exact_key'] !== 'string') return null;
  return {
    id: String(id),
    exactKey: p['exact_key'],
    scope: String(p['scope'] ?? ''),
    namespace: String(p['namespace'] ?? ''),
    modelGroup: String(p['model_group'] ?? ''),
    callType: (p['call_type'] as CacheEntry['callType']) ?? 'chat',
    contextHash: String(p['context_hash'] ?? ''),
    paramsHash: String(p['params_hash'] ?? ''),
    semantic: p['semantic'] === true,
    signature: (p['signature'] as CacheEntry['signature']) ?? null,
    response: p['response'],
    usage: p['usage'] as CacheEntry['usage'],
    costUsd: Number(p['cost_usd'] ?? 0),
    answeredBy: String(p['answered_by'] ?? ''),
    createdAtMs: Number(p['created_at_ms'] ?? 0),
    expiresAtMs: Number(p['expires_at_ms'] ?? 0),
  };
}

export function createQdrantIndex(o: QdrantIndexOptions): VectorIndex & { readonly collection: (dims: number) => string } {
  const client = new QdrantClient({ url: o.url, ...(o.apiKey ? { apiKey: o.apiKey } : {}), timeout: o.timeoutMs ?? 5_000, checkCompatibility: false });
  const collection = (dims: number) => `${o.collectionBase}_${o.embedderId}_${dims}`.replace(/[^A-Za-z0-9_-]/g, '_');
  let name: string | null = null;
  let dims = 0;
  const current = (): string => {
    if (!name) throw new Error('qdrant index used before ensure()');
    return name;
  };
  return {
    kind: 'qdrant',
    collection,
    async ensure(dimensions) {
      const n = collection(dimensions);
      if (name === n) return;
      const { exists } = await client.collectionExists(n);
      if (!exists) {
        await client.createCollection(n, { vectors: { size: dimensions, distance: 'Cosine' } });
        for (const [field_name, field_schema] of INDEXED_FIELDS) await client.createPayloadIndex(n, { field_name, field_schema, wait: true });
      }
      name = n;
      dims = dimensions;
    },
    async upsert(entry, vector) {
      // Entries without a query still need a vector in an unnamed-vector collection; `semantic: false` keeps them out of searches.
      const v = vector ? Array.from(vector) : unitVector(dims);
      await client.upsert(current(), { wait: true, points: [{ id: entry.id, vector: v, payload: toPayload(entry) }] });
    },
    async get(id, now) {
      const points = await client.retrieve(current(), { ids: [id], with_payload: true, with_vector: false });
      const p = points[0];
      const e = p ? fromPayload(p.id, p.payload) : null;
      return e && e.expiresAtMs > now ? e : null;
    },
    async search(vector, filter, so: SearchOptions) {
      const res = await client.query(current(), {
        query: Array.from(vector),
        filter: qdrantFilter({ ...filter, semantic: true }, so.now),
        limit: so.limit,
        score_threshold: so.minScore,
        with_payload: true,
      });
      const out: ScoredEntry[] = [];
      for (const p of res.points) {
        const entry = fromPayload(p.id, p.payload);
        if (entry) out.push({ entry, score: p.score });
      }
      return out;
    },
    async answer(id, a) {
      const found = await client.retrieve(current(), { ids: [id], with_payload: ['exact_key'], with_vector: false });
      if (found.length === 0) return false;
      const payload = { response: a.response, usage: a.usage, cost_usd: a.costUsd, answered_by: a.answeredBy, created_at_ms: a.createdAtMs, expires_at_ms: a.expiresAtMs, semantic: a.semantic };
      await client.setPayload(current(), { wait: true, points: [id], payload });
      return true;
    },
    async delete(filter) {
      const before = await client.count(current(), { filter: qdrantFilter(filter, null), exact: true });
      await client.delete(current(), { wait: true, filter: qdrantFilter(filter, null) });
      return before.count;
    },
    async sweep(now) {
      const expired = { must: [{ key: 'expires_at_ms', range: { lte: now } }] };
      const before = await client.count(current(), { filter: expired, exact: true });
      if (before.count > 0) await client.delete(current(), { wait: true, filter: expired });
      return before.count;
    },
    async count() {
      return (await client.count(current(), { exact: true })).count;
    },
  };
}

function unitVector(dims: number): number[] {
  const v = new Array<number>(Math.max(1, dims)).fill(0);
  v[0] = 1;
  return v;
}
