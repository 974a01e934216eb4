// The Embedder port: text → unit-length vectors. Shared by the semantic cache and semantic routing; adapters live in services.
export interface Embedder {
  /** Names the model and so the vector space (part of the Qdrant collection name). */
  readonly id: string;
  readonly dimensions: number;
  /** Unit-length vectors, one per text. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** False when the text is longer than the model reads (it would be embedded truncated). Absent: always fits. */
  fits?(text: string): boolean;
}

/** Cosine similarity of two unit-length vectors (their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  for (let i = 0; i < n; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}
