// Lexical routes: TF-IDF over the same example utterances; used when no embedding model is available.
import { decide, topKMean, type RouteClassifier, type RouteScorer, type SemanticRoute } from './semantic.ts';

const STOP = new Set(
  'a an the and or of to in on for with is are be this that it its as at by from me my i you your we our please can could would should will do does into about what which how why'.split(' '),
);

/** Lower-cased word stems: a crude suffix strip is enough to match "summarize"/"summarizing"/"summary". */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().match(/[a-z][a-z0-9+#]*|\d+/g) ?? []) {
    if (STOP.has(raw)) continue;
    let w = raw;
    for (const suffix of ['izing', 'ising', 'ation', 'ings', 'ing', 'ies', 'ied', 'ize', 'ise', 'ed', 'es', 's', 'y', 'e']) {
      if (w.length > suffix.length + 3 && w.endsWith(suffix)) {
        w = w.slice(0, -suffix.length);
        break;
      }
    }
    out.push(w);
  }
  return out;
}

type Vec = Map<string, number>;

function norm(v: Vec): Vec {
  let sum = 0;
  for (const x of v.values()) sum += x * x;
  const n = Math.sqrt(sum) || 1;
  for (const [k, x] of v) v.set(k, x / n);
  return v;
}

function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (const [k, x] of a) s += x * (b.get(k) ?? 0);
  return s;
}

/** TF-IDF scorer over the routes' utterances: per route, the mean of its k best cosine similarities. */
export function createLexicalScorer(o: { routes: readonly SemanticRoute[]; topK: number }): RouteScorer {
  const docs = o.routes.map((r) => r.utterances.map(terms));
  const df = new Map<string, number>();
  let total = 0;
  for (const route of docs) {
    for (const doc of route) {
      total++;
      for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
    }
  }
  const idf = (t: string): number => Math.log((total + 1) / ((df.get(t) ?? 0) + 1)) + 1;
  const vector = (ts: readonly string[]): Vec => {
    const v: Vec = new Map();
    for (const t of ts) if (df.has(t)) v.set(t, (v.get(t) ?? 0) + idf(t));
    return norm(v);
  };
  const vectors = docs.map((route) => route.map(vector));
  return {
    score(text) {
      const q = vector(terms(text));
      return Promise.resolve(vectors.map((vs) => (q.size === 0 ? 0 : topKMean(vs.map((v) => dot(q, v)), o.topK))));
    },
  };
}

export function createLexicalIndex(o: { routes: readonly SemanticRoute[]; threshold: number; topK: number }): RouteClassifier {
  const scorer = createLexicalScorer(o);
  return {
    kind: 'lexical',
    async classify(text) {
      return decide(o.routes, await scorer.score(text), o.threshold);
    },
  };
}
