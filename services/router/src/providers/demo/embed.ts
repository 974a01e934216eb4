// Deterministic hashed embeddings: words and character trigrams hashed into 384 signed buckets, L2-normalised.

export const DEMO_EMBEDDING_DIMS = 384;

function fnv1a(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Similar texts share words and trigrams, so they land near each other: enough for cache demos. */
export function demoEmbedding(text: string, dims: number = DEMO_EMBEDDING_DIMS): number[] {
  const v = new Float64Array(dims);
  const norm = text.toLowerCase().replace(/\s+/g, ' ').trim();
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature, 0);
    const sign = (fnv1a(feature, 0x9e3779b9) & 1) === 0 ? 1 : -1;
    v[h % dims] = (v[h % dims] ?? 0) + sign * weight;
  };
  for (const w of norm.split(' ')) if (w) add(`w:${w}`, 1);
  const padded = ` ${norm} `;
  for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.5);
  let sum = 0;
  for (const x of v) sum += x * x;
  const len = Math.sqrt(sum);
  if (len === 0) {
    v[0] = 1;
    return Array.from(v);
  }
  return Array.from(v, (x) => x / len);
}
