// `npm run guard:train`: embeds the injection training set, the dev set and composed tool results with the local
// model, fits the learned detector's two logistic heads (embedding; embedding + rule score + cues) and writes
// model/injection-classifier.json. Deterministic: fixed folds, fixed grid, full-batch Newton steps, weights
// rounded. No held-out set is read.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CUE_NAMES, cueVector } from '../src/domain/injection-cues.ts';
import { detectInjection, type InjectionCategory } from '../src/domain/injection.ts';
import { normalizeForMatching } from '../src/domain/normalize.ts';
import { DEFAULT_WINDOWS, textWindows } from '../src/domain/windows.ts';
import { CLASSIFIER_FILE, FIXTURES, TRAINING_SET, composedToolSet, localEmbedder, readInjectionSet, type Labelled } from './data.ts';
import { fitLogistic, predict, type Sample } from './logistic.ts';

const FOLDS = 5;
const LAMBDAS = [0.1, 0.3, 1];
/** The threshold keeps cross-validated false positives on the training benign texts at or under this rate. */
const TARGET_FPR = 0.05;

interface Row {
  item: Labelled;
  vector: Float32Array;
  rule: number;
  cues: number[];
  fold: number;
  /** A composed tool result (eval/data/tool-augment.txt): trained on, not scored for the threshold. */
  composed: boolean;
}

/** [embedding…, rule score, tool, cues…]; the embedding-only head sees zeros for the rule score and cues. */
function features(r: Row, withRule: boolean): Float64Array {
  const d = r.vector.length;
  const x = new Float64Array(d + 2 + CUE_NAMES.length);
  x.set(r.vector);
  x[d] = withRule ? r.rule : 0;
  x[d + 1] = r.item.source === 'tool' ? 1 : 0;
  if (withRule) x.set(r.cues, d + 2);
  return x;
}

function samplesOf(rows: readonly Row[], withRule: boolean): Sample[] {
  const pos = rows.filter((r) => r.item.attack).length;
  const neg = rows.length - pos;
  return rows.map((r) => ({ x: features(r, withRule), y: r.item.attack ? 1 : 0, w: rows.length / (2 * (r.item.attack ? pos : neg)) }));
}

/** Out-of-fold probability of every row. */
function crossValidate(rows: readonly Row[], withRule: boolean, lambda: number): number[] {
  const out = new Array<number>(rows.length).fill(0);
  for (let f = 0; f < FOLDS; f++) {
    const train = rows.filter((r) => r.fold !== f);
    const beta = fitLogistic(samplesOf(train, withRule), lambda);
    rows.forEach((r, i) => {
      if (r.fold === f) out[i] = predict(beta, features(r, withRule));
    });
  }
  return out;
}

/** The lowest threshold (≥ 0.5) whose false-positive rate on the benign rows is at most TARGET_FPR, and its scores. */
function operatingPoint(all: readonly Row[], scores: readonly number[]) {
  const rows = all.filter((r) => !r.composed);
  const p = scores.filter((_, i) => !all[i]?.composed);
  const benign = p.filter((_, i) => !rows[i]?.item.attack).sort((a, b) => b - a);
  const allowed = Math.floor(TARGET_FPR * benign.length);
  // Rounded up to 3 decimals, so the rounded threshold still lets no more than `allowed` benign texts through.
  const threshold = Math.max(0.5, Math.ceil(((benign[allowed] ?? 0) + 1e-9) * 1000) / 1000);
  let tp = 0;
  let fp = 0;
  let attacks = 0;
  rows.forEach((r, i) => {
    const hit = (p[i] as number) >= threshold;
    if (r.item.attack) {
      attacks++;
      if (hit) tp++;
    } else if (hit) fp++;
  });
  return { threshold, recall: tp / attacks, fpr: fp / benign.length };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

async function main(): Promise<void> {
  const embedder = await localEmbedder();
  if (!embedder) process.exit(1);
  // Our training set and the project's dev set (other authors, other wording); never a held-out set.
  const written = [...readInjectionSet(TRAINING_SET), ...readInjectionSet(new URL('injection-dev.txt', FIXTURES))];
  const composed = composedToolSet();
  const items: Labelled[] = [...written, ...composed];
  const long = items.filter((i) => textWindows(i.text, DEFAULT_WINDOWS).length > 1);
  if (long.length > 0) throw new Error(`training texts must fit one window (${DEFAULT_WINDOWS.maxChars} chars): ${long.length} do not`);
  const texts = items.map((i) => normalizeForMatching(i.text.trim()).text);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 32) vectors.push(...(await embedder.embed(texts.slice(i, i + 32))));
  // Stratified folds by position within each label, so a fold holds every kind of text.
  const seen = new Map<string, number>();
  // A composed text's fold is that of its added text, so no addition is both trained on and scored in one fold.
  const rows: Row[] = items.map((item, i) => {
    const key = `${item.attack}/${item.source}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const group = i >= written.length ? (composed[i - written.length]?.group ?? 0) : -1;
    const fold = group >= 0 ? group % FOLDS : n % FOLDS;
    return { item, vector: vectors[i] as Float32Array, rule: detectInjection(item.text, item.source).score, cues: cueVector(texts[i] as string), fold, composed: group >= 0 };
  });
  const heads: Record<string, unknown> = {};
  const training: Record<string, unknown> = {
    texts: written.length,
    attacks: written.filter((r) => r.attack).length,
    benign: written.filter((r) => !r.attack).length,
    composedToolTexts: composed.length,
    folds: FOLDS,
    targetFpr: TARGET_FPR,
  };
  for (const [name, withRule] of [['embedding', false], ['hybrid', true]] as const) {
    const grid = LAMBDAS.map((lambda) => ({ lambda, ...operatingPoint(rows, crossValidate(rows, withRule, lambda)) }));
    for (const g of grid) process.stderr.write(`${name} lambda ${g.lambda}: cv recall ${g.recall.toFixed(3)} fpr ${g.fpr.toFixed(3)} threshold ${g.threshold}\n`);
    const best = grid.reduce((a, b) => (b.recall > a.recall ? b : a));
    if (process.argv.includes('--errors')) {
      // Cross-validated misses and false alarms of the chosen λ: what the training set does not yet teach.
      const p = crossValidate(rows, withRule, best.lambda);
      rows.forEach((r, i) => {
        const hit = (p[i] as number) >= best.threshold;
        if (hit !== r.item.attack) process.stderr.write(`${name} ${r.item.attack ? 'FN' : 'FP'} ${(p[i] as number).toFixed(3)} ${r.item.source} ${r.item.text.slice(0, 100).replace(/\n/g, ' ')}\n`);
      });
    }
    const beta = fitLogistic(samplesOf(rows, withRule), best.lambda);
    const d = embedder.dimensions;
    heads[name] = {
      weights: Array.from(beta.subarray(0, d), round),
      ruleWeight: round(beta[d] as number),
      toolWeight: round(beta[d + 1] as number),
      cueWeights: Array.from(beta.subarray(d + 2, d + 2 + CUE_NAMES.length), round),
      bias: round(beta[d + 2 + CUE_NAMES.length] as number),
      threshold: best.threshold,
    };
    training[name] = { lambda: best.lambda, cvRecall: round(best.recall), cvFpr: round(best.fpr) };
  }
  const centroids: Partial<Record<InjectionCategory, number[]>> = {};
  const byCategory = new Map<InjectionCategory, Float32Array[]>();
  for (const r of rows) if (r.item.attack && r.item.category) byCategory.set(r.item.category, [...(byCategory.get(r.item.category) ?? []), r.vector]);
  for (const [cat, vs] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
    const mean = new Array<number>(embedder.dimensions).fill(0);
    for (const v of vs) v.forEach((x, i) => (mean[i] = (mean[i] as number) + x));
    const norm = Math.hypot(...mean) || 1;
    centroids[cat] = mean.map((x) => round(x / norm));
  }
  const file = { embedder: embedder.id, dimensions: embedder.dimensions, cues: CUE_NAMES, ...heads, centroids, training };
  writeFileSync(CLASSIFIER_FILE, `${JSON.stringify(file)}\n`);
  process.stdout.write(`wrote ${fileURLToPath(CLASSIFIER_FILE)}: ${JSON.stringify(training)}\n`);
}

await main();
