// The learned prompt-injection classifier: logistic regression over a sentence embedding (plus the rule score and
// discourse cues in the hybrid head), and one centroid per attack category that names what a flagged window resembles. Pure.
import { CUE_NAMES } from './injection-cues.ts';
import type { InjectionCategory } from './injection.ts';

/** One logistic-regression head: p = σ(w·embedding + ruleWeight·ruleScore + cueWeights·cues + toolWeight·[tool] + bias). */
export interface LogisticHead {
  weights: readonly number[];
  /** One weight per CUE_NAMES entry (all zero in the embedding-only head). */
  cueWeights: readonly number[];
  ruleWeight: number;
  toolWeight: number;
  bias: number;
  /** Decision threshold chosen on the training set's cross-validation (not on any evaluation set). */
  threshold: number;
}

export interface InjectionClassifier {
  /** The Embedder id the weights were trained on; another model's vectors mean nothing to them. */
  embedder: string;
  dimensions: number;
  /** Embedding only. */
  embedding: LogisticHead;
  /** Embedding, the rule score and the discourse cues together. */
  hybrid: LogisticHead;
  /** Unit-length mean embedding of the training attacks of each category. */
  centroids: Partial<Record<InjectionCategory, readonly number[]>>;
  /** How it was trained (counts, cross-validated scores), for the record. */
  training: Record<string, unknown>;
}

export type LearnedDetector = 'embedding' | 'hybrid';

const CATEGORIES: readonly InjectionCategory[] = [
  'instruction_override', 'system_prompt_exfiltration', 'role_play_jailbreak', 'delimiter_injection', 'data_exfiltration',
  'encoded_payload', 'obfuscation', 'tool_result_injection',
];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function vector(v: unknown, dims: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== dims || !v.every(isNum)) throw new Error(`injection classifier: ${what} must be ${dims} numbers`);
  return v;
}

function head(v: unknown, dims: number, what: string): LogisticHead {
  if (!isObj(v)) throw new Error(`injection classifier: ${what} missing`);
  const { ruleWeight, toolWeight, bias, threshold } = v;
  if (!isNum(ruleWeight) || !isNum(toolWeight) || !isNum(bias) || !isNum(threshold) || threshold <= 0 || threshold >= 1) {
    throw new Error(`injection classifier: ${what} needs numeric ruleWeight, toolWeight, bias and a threshold in (0, 1)`);
  }
  const cueWeights = vector(v['cueWeights'], CUE_NAMES.length, `${what}.cueWeights`);
  return { weights: vector(v['weights'], dims, `${what}.weights`), cueWeights, ruleWeight, toolWeight, bias, threshold };
}

/** Validates a classifier file's JSON (throws with what is wrong). */
export function parseInjectionClassifier(json: unknown): InjectionClassifier {
  if (!isObj(json)) throw new Error('injection classifier: not a JSON object');
  const { embedder, dimensions } = json;
  if (typeof embedder !== 'string' || !isNum(dimensions) || dimensions <= 0) throw new Error('injection classifier: embedder and dimensions required');
  const centroids: Partial<Record<InjectionCategory, number[]>> = {};
  for (const [k, v] of Object.entries(isObj(json['centroids']) ? json['centroids'] : {})) {
    if (!(CATEGORIES as readonly string[]).includes(k)) throw new Error(`injection classifier: unknown category ${k}`);
    centroids[k as InjectionCategory] = vector(v, dimensions, `centroids.${k}`);
  }
  return {
    embedder,
    dimensions,
    embedding: head(json['embedding'], dimensions, 'embedding'),
    hybrid: head(json['hybrid'], dimensions, 'hybrid'),
    centroids,
    training: isObj(json['training']) ? json['training'] : {},
  };
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Probability that one window is an injection. */
export function injectionProbability(h: LogisticHead, v: Float32Array, ruleScore: number, cues: readonly number[], tool: boolean): number {
  let z = h.bias + h.ruleWeight * ruleScore + (tool ? h.toolWeight : 0);
  for (let i = 0; i < h.cueWeights.length; i++) z += (h.cueWeights[i] as number) * (cues[i] ?? 0);
  const n = Math.min(v.length, h.weights.length);
  for (let i = 0; i < n; i++) z += (h.weights[i] as number) * (v[i] as number);
  return sigmoid(z);
}

/** The attack category whose centroid is closest to a flagged window (explains an embedding-only decision). */
export function nearestCategory(c: InjectionClassifier, v: Float32Array): InjectionCategory | null {
  let best: InjectionCategory | null = null;
  let bestSim = -Infinity;
  for (const [cat, centroid] of Object.entries(c.centroids) as Array<[InjectionCategory, readonly number[]]>) {
    let sim = 0;
    for (let i = 0; i < centroid.length; i++) sim += (centroid[i] as number) * (v[i] ?? 0);
    if (sim > bestSim) {
      bestSim = sim;
      best = cat;
    }
  }
  return best;
}
