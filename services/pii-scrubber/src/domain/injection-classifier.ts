// The learned prompt-injection classifier: a head over a sentence embedding (plus the rule score and discourse cues in
// the hybrid head), logistic or a small averaged perceptron ensemble, and one centroid per attack category that names
// what a flagged window resembles. Pure.
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

/** One ensemble member: p = σ(w2·relu(W1·x + b1) + b2), x = [embedding…, rule score, tool (0/1), cues…]. */
export interface MlpMember {
  /** hidden × features, row-major. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: number;
}

/** Members' probabilities averaged. */
export interface MlpHead {
  members: readonly MlpMember[];
  threshold: number;
}

export type ClassifierHead = LogisticHead | MlpHead;

export interface InjectionClassifier {
  /** The Embedder id the weights were trained on; another model's vectors mean nothing to them. */
  embedder: string;
  dimensions: number;
  /** Embedding only. */
  embedding: LogisticHead;
  /** Embedding, the rule score and the discourse cues together. */
  hybrid: ClassifierHead;
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

/** Float32 little-endian values, base64 (how the file stores perceptron weights: compact and exact). */
export function encodeFloats(v: Float32Array): string {
  const bytes = new Uint8Array(v.length * 4);
  const view = new DataView(bytes.buffer);
  v.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return Buffer.from(bytes).toString('base64');
}

function floats(v: unknown, n: number, what: string): Float32Array {
  const bytes = typeof v === 'string' ? Buffer.from(v, 'base64') : null;
  if (!bytes || bytes.length !== n * 4) throw new Error(`injection classifier: ${what} must be ${n} float32 values (base64)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
  if (!out.every(Number.isFinite)) throw new Error(`injection classifier: ${what} holds a non-finite value`);
  return out;
}

function anyHead(v: unknown, dims: number, what: string): ClassifierHead {
  if (!isObj(v) || !Array.isArray(v['members'])) return head(v, dims, what);
  const { threshold, hidden } = v;
  if (!isNum(threshold) || threshold <= 0 || threshold >= 1 || !isNum(hidden) || hidden < 1 || v['members'].length === 0) {
    throw new Error(`injection classifier: ${what} needs a threshold in (0, 1), hidden > 0 and at least one member`);
  }
  const features = dims + 2 + CUE_NAMES.length;
  const members = v['members'].map((m: unknown, k): MlpMember => {
    if (!isObj(m) || !isNum(m['b2'])) throw new Error(`injection classifier: ${what}.members[${k}] needs w1, b1, w2 and a numeric b2`);
    return { w1: floats(m['w1'], hidden * features, `${what}.members[${k}].w1`), b1: floats(m['b1'], hidden, `${what}.members[${k}].b1`), w2: floats(m['w2'], hidden, `${what}.members[${k}].w2`), b2: m['b2'] };
  });
  return { members, threshold };
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
    hybrid: anyHead(json['hybrid'], dimensions, 'hybrid'),
    centroids,
    training: isObj(json['training']) ? json['training'] : {},
  };
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function memberProbability(m: MlpMember, v: Float32Array, ruleScore: number, cues: readonly number[], tool: boolean): number {
  const hidden = m.b1.length;
  const dims = v.length;
  const features = m.w1.length / hidden;
  let z = m.b2;
  for (let j = 0; j < hidden; j++) {
    const row = j * features;
    let a = (m.b1[j] as number) + (m.w1[row + dims] as number) * ruleScore + (tool ? (m.w1[row + dims + 1] as number) : 0);
    for (let i = 0; i < dims; i++) a += (m.w1[row + i] as number) * (v[i] as number);
    for (let i = 0; i < features - dims - 2; i++) a += (m.w1[row + dims + 2 + i] as number) * (cues[i] ?? 0);
    if (a > 0) z += (m.w2[j] as number) * a;
  }
  return sigmoid(z);
}

/** Probability that one window is an injection. */
export function injectionProbability(h: ClassifierHead, v: Float32Array, ruleScore: number, cues: readonly number[], tool: boolean): number {
  if ('members' in h) {
    let sum = 0;
    for (const m of h.members) sum += memberProbability(m, v, ruleScore, cues, tool);
    return sum / h.members.length;
  }
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
