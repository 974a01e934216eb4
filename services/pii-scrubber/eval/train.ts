// `npm run guard:train`: embeds the injection training files, the dev set, the retired held-out sets and composed tool
// results with the local model, fits the learned detector's two heads (embedding: logistic; hybrid, over embedding +
// rule score + cues: logistic or a perceptron ensemble, whichever cross-validates better) and writes
// model/injection-classifier.json. Deterministic (fixed folds, grid and seeds); about 33 minutes on 2 cores, most of
// it the perceptrons' cross-validation. Of the held-out sets only the retired ones (data.ts RETIRED_HOLDOUTS) are
// read; the newest stay unseen.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CUE_NAMES, cueVector } from '../src/domain/injection-cues.ts';
import { detectInjection, type InjectionCategory } from '../src/domain/injection.ts';
import { normalizeForMatching } from '../src/domain/normalize.ts';
import { DEFAULT_WINDOWS, textWindows } from '../src/domain/windows.ts';
import { CLASSIFIER_FILE, FIXTURES, RETIRED_HOLDOUTS, TRAINING_DIR, composedToolSet, localEmbedder, readInjectionSet, trainingFiles, type Labelled } from './data.ts';
import { encodeFloats, injectionProbability } from '../src/domain/injection-classifier.ts';
import { fitLogistic, predict, type Sample } from './logistic.ts';
import { MLP_DEFAULTS, fitMlp } from './mlp.ts';

const FOLDS = 5;
const LAMBDAS = [0.03, 0.1, 0.3, 1];
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

/** A trained head: scores a feature row, and writes itself for the classifier file at a threshold. */
interface Fitted {
  predict(x: Float64Array): number;
  head(threshold: number): Record<string, unknown>;
}

interface Candidate {
  label: string;
  record: Record<string, unknown>;
  fit(samples: Sample[]): Fitted;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function logistic(lambda: number, d: number): Candidate {
  return {
    label: `logistic lambda ${lambda}`,
    record: { model: 'logistic', lambda },
    fit(samples) {
      const beta = fitLogistic(samples, lambda);
      return {
        predict: (x) => predict(beta, x),
        head: (threshold) => ({
          weights: Array.from(beta.subarray(0, d), round),
          ruleWeight: round(beta[d] as number),
          toolWeight: round(beta[d + 1] as number),
          cueWeights: Array.from(beta.subarray(d + 2, d + 2 + CUE_NAMES.length), round),
          bias: round(beta[d + 2 + CUE_NAMES.length] as number),
          threshold,
        }),
      };
    },
  };
}

/** MLP_SEEDS.length perceptrons on the same rows, probabilities averaged (steadier than one seed). */
const MLP_SEEDS = [1, 2, 3];
function perceptrons(d: number): Candidate {
  return {
    label: `perceptron ensemble ${MLP_SEEDS.length} x ${MLP_DEFAULTS.hidden} hidden, alpha ${MLP_DEFAULTS.alpha}`,
    record: { model: 'perceptron-ensemble', members: MLP_SEEDS.length, ...MLP_DEFAULTS },
    fit(samples) {
      const members = MLP_SEEDS.map((seed) => fitMlp(samples, { ...MLP_DEFAULTS, seed }));
      const scoring = { members, threshold: 0.5 };
      return {
        predict: (x) => injectionProbability(scoring, Float32Array.from(x.subarray(0, d)), x[d] as number, Array.from(x.subarray(d + 2)), x[d + 1] === 1),
        head: (threshold) => ({
          hidden: MLP_DEFAULTS.hidden,
          members: members.map((m) => ({ w1: encodeFloats(m.w1), b1: encodeFloats(m.b1), w2: encodeFloats(m.w2), b2: m.b2 })),
          threshold,
        }),
      };
    },
  };
}

/** Out-of-fold probability of every row. */
function crossValidate(rows: readonly Row[], withRule: boolean, c: Candidate): number[] {
  const out = new Array<number>(rows.length).fill(0);
  for (let f = 0; f < FOLDS; f++) {
    const model = c.fit(samplesOf(rows.filter((r) => r.fold !== f), withRule));
    rows.forEach((r, i) => {
      if (r.fold === f) out[i] = model.predict(features(r, withRule));
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

async function main(): Promise<void> {
  const embedder = await localEmbedder();
  if (!embedder) process.exit(1);
  const fits = (i: Labelled) => textWindows(i.text, DEFAULT_WINDOWS).length <= 1;
  // The training files and the project's dev set (other authors, other wording) must fit one window each.
  const files = trainingFiles();
  const own = [...files.flatMap((f) => readInjectionSet(new URL(f, TRAINING_DIR))), ...readInjectionSet(new URL('injection-dev.txt', FIXTURES))];
  const long = own.filter((i) => !fits(i));
  if (long.length > 0) throw new Error(`training texts must fit one window (${DEFAULT_WINDOWS.maxChars} chars): ${long.length} do not`);
  // Retired held-out sets: a longer text is left out (which of its windows carries the attack is not labelled).
  const retiredSets = RETIRED_HOLDOUTS.map((f) => readInjectionSet(new URL(f, FIXTURES)));
  const retiredAll = retiredSets.flat();
  // A retired set is one author's: all of it sits in one fold, so cross-validation scores it as unseen writing.
  const retiredFold = new Map<Labelled, number>(retiredSets.flatMap((set, k) => set.map((item) => [item, k % FOLDS] as const)));
  const retired = retiredAll.filter(fits);
  const written = [...own, ...retired];
  const composed = composedToolSet();
  const items: Labelled[] = [...written, ...composed];
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
    const fold = group >= 0 ? group % FOLDS : (retiredFold.get(item) ?? n % FOLDS);
    return { item, vector: vectors[i] as Float32Array, rule: detectInjection(item.text, item.source).score, cues: cueVector(texts[i] as string), fold, composed: group >= 0 };
  });
  const heads: Record<string, unknown> = {};
  const training: Record<string, unknown> = {
    texts: written.length,
    files,
    retiredHoldouts: { sets: RETIRED_HOLDOUTS.length, texts: retired.length, tooLong: retiredAll.length - retired.length },
    attacks: written.filter((r) => r.attack).length,
    benign: written.filter((r) => !r.attack).length,
    composedToolTexts: composed.length,
    folds: FOLDS,
    targetFpr: TARGET_FPR,
  };
  const d = embedder.dimensions;
  // The embedding head stays linear; the hybrid head may also be the perceptron ensemble. Chosen on CV recall.
  const candidates = { embedding: LAMBDAS.map((l) => logistic(l, d)), hybrid: [...LAMBDAS.map((l) => logistic(l, d)), perceptrons(d)] };
  for (const [name, withRule] of [['embedding', false], ['hybrid', true]] as const) {
    const grid = candidates[name].map((c) => {
      const p = crossValidate(rows, withRule, c);
      const point = operatingPoint(rows, p);
      process.stderr.write(`${name} ${c.label}: cv recall ${point.recall.toFixed(3)} fpr ${point.fpr.toFixed(3)} threshold ${point.threshold}\n`);
      return { c, p, ...point };
    });
    const best = grid.reduce((a, b) => (b.recall > a.recall ? b : a));
    const hit = (i: number) => (best.p[i] as number) >= best.threshold;
    if (process.argv.includes('--by-set')) {
      // Each retired set scored out of fold (by a model that never saw its author) at the chosen threshold.
      RETIRED_HOLDOUTS.forEach((file, k) => {
        const set = new Set(retiredSets[k]);
        const idx = rows.map((r, i) => (set.has(r.item) ? i : -1)).filter((i) => i >= 0);
        const atk = idx.filter((i) => rows[i]?.item.attack);
        const ben = idx.filter((i) => !rows[i]?.item.attack);
        process.stderr.write(`${name} ${file}: recall ${(atk.filter(hit).length / atk.length).toFixed(3)} fpr ${(ben.filter(hit).length / ben.length).toFixed(3)}\n`);
      });
    }
    if (process.argv.includes('--errors')) {
      // Cross-validated misses and false alarms of the chosen head: what the training set does not yet teach.
      rows.forEach((r, i) => {
        if (hit(i) !== r.item.attack) process.stderr.write(`${name} ${r.item.attack ? 'FN' : 'FP'} ${(best.p[i] as number).toFixed(3)} ${r.item.source} ${r.item.text.slice(0, 100).replace(/\n/g, ' ')}\n`);
      });
    }
    heads[name] = best.c.fit(samplesOf(rows, withRule)).head(best.threshold);
    training[name] = { ...best.c.record, cvRecall: round(best.recall), cvFpr: round(best.fpr) };
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
