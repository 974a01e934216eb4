// Embedder adapter over an embeddings deployment from model_list (e.g. text-embedding-3-small), via the router's provider adapters.
import type { Embedder } from '../ports.ts';

/** Calls the deployment: texts in, raw vectors out (OpenAI embeddings `data[].embedding`, in input order). */
export type EmbeddingsCall = (texts: string[], signal?: AbortSignal) => Promise<number[][]>;

function unit(v: readonly number[]): Float32Array {
  const out = Float32Array.from(v);
  let n = 0;
  for (const x of out) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / n;
  return out;
}

/** Probes the deployment once for its dimension (part of the Qdrant collection name), then embeds on demand. */
export async function createDeploymentEmbedder(o: { modelGroup: string; call: EmbeddingsCall }): Promise<Embedder> {
  const [probe] = await o.call(['dimension probe']);
  if (!probe || probe.length === 0) throw new Error(`embeddings deployment ${o.modelGroup} returned no vector`);
  return {
    id: o.modelGroup,
    dimensions: probe.length,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const vectors = await o.call([...texts], signal);
      if (vectors.length !== texts.length) throw new Error(`embeddings deployment ${o.modelGroup} returned ${vectors.length} vectors for ${texts.length} texts`);
      return vectors.map(unit);
    },
  };
}
