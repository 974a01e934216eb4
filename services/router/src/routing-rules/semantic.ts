// Semantic routes: example utterances embedded once; a prompt goes to the route whose nearest examples score highest.
import { cosine, type Embedder } from '@ai-gateway/kit';

export interface SemanticRoute {
  name: string;
  routeTo: string;
  utterances: readonly string[];
  /** Overrides the index threshold for this route. */
  scoreThreshold?: number | undefined;
}

export interface RouteMatch {
  route: SemanticRoute;
  score: number;
  /** Score of every route, for evaluation and logs. */
  scores: Record<string, number>;
}

/** Scores a text against every route (same order as the routes). */
export interface RouteScorer {
  score(text: string, signal?: AbortSignal): Promise<number[]>;
}

export interface RouteClassifier {
  readonly kind: 'semantic' | 'lexical';
  classify(text: string, signal?: AbortSignal): Promise<RouteMatch | null>;
}

/** Mean of the k largest values (k ≥ 1). */
export function topKMean(values: readonly number[], k: number): number {
  if (values.length === 0) return -1;
  const top = [...values].sort((a, b) => b - a).slice(0, Math.max(1, k));
  return top.reduce((a, b) => a + b, 0) / top.length;
}

/** The best route at or above its threshold, or null. */
export function decide(routes: readonly SemanticRoute[], scores: readonly number[], threshold: number): RouteMatch | null {
  let best: RouteMatch | null = null;
  const all: Record<string, number> = {};
  routes.forEach((route, i) => {
    const score = scores[i] ?? -1;
    all[route.name] = Math.max(all[route.name] ?? -1, score);
    if (score >= (route.scoreThreshold ?? threshold) && (!best || score > best.score)) best = { route, score, scores: all };
  });
  return best;
}

/** Longest text embedded per request: MiniLM reads 256 word pieces; the opening carries the intent. */
const MAX_CHARS = 2_000;

export async function createEmbeddingScorer(o: { embedder: Embedder; routes: readonly SemanticRoute[]; topK: number }): Promise<RouteScorer> {
  const vectors: Float32Array[][] = [];
  for (const r of o.routes) vectors.push(await o.embedder.embed(r.utterances));
  return {
    async score(text, signal) {
      const trimmed = text.trim().slice(0, MAX_CHARS);
      if (trimmed.length === 0) return o.routes.map(() => -1);
      const [q] = await o.embedder.embed([trimmed], signal);
      if (!q) return o.routes.map(() => -1);
      return vectors.map((vs) => topKMean(vs.map((v) => cosine(q, v)), o.topK));
    },
  };
}

/**
 * Semantic classifier: embedding similarity plus `lexicalWeight` × the lexical score. MiniLM alone confuses
 * task types whose prompts share a topic (a maths word problem and a coding task); the term overlap with
 * the examples breaks those ties (see `npm run route:eval`).
 */
export async function createSemanticIndex(o: {
  embedder: Embedder;
  routes: readonly SemanticRoute[];
  threshold: number;
  topK: number;
  lexical?: RouteScorer | null;
  lexicalWeight?: number;
}): Promise<RouteClassifier> {
  const embedding = await createEmbeddingScorer(o);
  const weight = o.lexical ? (o.lexicalWeight ?? 0.5) : 0;
  return {
    kind: 'semantic',
    async classify(text, signal) {
      const s = await embedding.score(text, signal);
      if (s.every((x) => x === -1)) return null;
      const l = weight > 0 && o.lexical ? await o.lexical.score(text) : null;
      return decide(o.routes, l ? s.map((x, i) => x + weight * (l[i] ?? 0)) : s, o.threshold);
    },
  };
}
