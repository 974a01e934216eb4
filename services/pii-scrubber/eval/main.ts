// `npm run guard:eval`: prints the PII tables and, for each injection detector (rules, embedding, hybrid), every
// injection set: dev, training, held-out 1-17 (--errors lists every miss and false alarm; --sweep prints recall/FPR
// across thresholds, for reporting only).
import { createLearnedDetector, createRulesDetector, type InjectionDetector } from '../src/injection-detector.ts';
import { loadInjectionClassifier } from '../src/adapters/classifier-file.ts';
import { RETIRED_HOLDOUTS, TRAINING_DIR, localEmbedder, trainingFiles } from './data.ts';
import { evaluateInjectionWith, evaluatePii } from './evaluate.ts';

const pct = (x: number) => x.toFixed(3);
const pii = evaluatePii();
const rows = Object.entries(pii.perEntity).map(([e, s]) => `${e.padEnd(16)} ${String(s.tp + s.fn).padStart(5)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}  ${pct(s.precision)}  ${pct(s.recall)}`);
const o = pii.overall;
const hp = evaluatePii('pii-holdout.jsonl');
const out = [
  `PII dev set: ${pii.texts} texts, ${pii.labelled} labelled spans (lenient overlap match)`,
  `entity           gold   tp   fp   fn  precision recall`,
  ...rows,
  `${'ALL (micro)'.padEnd(16)} ${String(o.tp + o.fn).padStart(5)} ${String(o.tp).padStart(4)} ${String(o.fp).padStart(4)} ${String(o.fn).padStart(4)}  ${pct(o.precision)}  ${pct(o.recall)}`,
  `PII held-out: ${hp.texts} texts, ${hp.labelled} spans  precision ${pct(hp.overall.precision)}  recall ${pct(hp.overall.recall)}`,
];

/** Injection sets, oldest first, with what each was used for (see each file's header). */
const SETS = [
  { file: 'injection-dev.txt', note: 'dev (rules tuned; learned v3 trained on it)' },
  { file: 'injection-holdout.txt', note: 'held-out 1 (drove rules round 1)' },
  { file: 'injection-holdout-2.txt', note: 'held-out 2 (known to rules author)' },
  { file: 'injection-holdout-3.txt', note: 'held-out 3 (drove rules round 2)' },
  { file: 'injection-holdout-4.txt', note: 'held-out 4 (blind for rules r2)' },
  { file: 'injection-holdout-5.txt', note: 'held-out 5 (blind for v1; seen once by v1)' },
  { file: 'injection-holdout-6.txt', note: 'held-out 6 (blind for v2; seen by v2)' },
  { file: 'injection-holdout-7.txt', note: 'held-out 7 (blind for v3; drove v4 rules)' },
  { file: 'injection-holdout-8.txt', note: 'held-out 8 (blind for v4; drove v5)' },
  { file: 'injection-holdout-9.txt', note: 'held-out 9 (blind for v5)' },
  { file: 'injection-holdout-10.txt', note: 'held-out 10 (blind for v6)' },
  { file: 'injection-holdout-11.txt', note: 'held-out 11 (blind for v6; chose v8 model)' },
  { file: 'injection-holdout-12.txt', note: 'held-out 12 (blind for v8)' },
  { file: 'injection-holdout-13.txt', note: 'held-out 13 (blind for v8)' },
  { file: 'injection-holdout-14.txt', note: 'held-out 14 (blind for v9)' },
  { file: 'injection-holdout-15.txt', note: 'held-out 15 (blind for v9)' },
  { file: 'injection-holdout-16.txt', note: 'held-out 16 (blind for v10)' },
  { file: 'injection-holdout-17.txt', note: 'held-out 17 (blind for v10)' },
];
/** Retired sets are training data (v10: 1-15): their rows measure fit, not generalisation. */
const RETIRED = new Set(RETIRED_HOLDOUTS);

const detectors: InjectionDetector[] = [createRulesDetector()];
const embedder = await localEmbedder();
if (embedder) {
  const classifier = loadInjectionClassifier();
  for (const kind of ['embedding', 'hybrid'] as const) detectors.push(createLearnedDetector({ deps: { embedder, classifier }, options: { kind } }));
} else out.push('', 'learned detectors skipped: the local embedding model is not fetched (npm run cache:model)');

const training = trainingFiles().map((file) => ({ file, note: `${file.replace(/\.txt$/, '')} (fitted on it)`, base: TRAINING_DIR as URL | undefined }));
const sets = [...SETS.map((s) => ({ ...s, note: RETIRED.has(s.file) ? `${s.note}; trained on` : s.note, base: undefined as URL | undefined })), ...training];
const errors: string[] = [];
for (const d of detectors) {
  out.push('', `Injection, detector ${d.kind} (threshold ${d.threshold})`, `${'set'.padEnd(62)} attacks benign  recall   FPR  precision`);
  for (const s of sets) {
    const r = await evaluateInjectionWith(d, s.file, s.base);
    out.push(`${s.note.padEnd(62)} ${String(r.attacks).padStart(7)} ${String(r.benign).padStart(6)}  ${pct(r.recall)}  ${pct(r.falsePositiveRate)}  ${pct(r.precision)}`);
    errors.push(...r.errors.map((e) => `${d.kind} ${s.file} ${e}`));
  }
}
// Reporting only (thresholds are chosen on the training set's CV): recall/FPR of each held-out set across thresholds.
if (process.argv.includes('--sweep')) {
  for (const d of detectors.filter((x) => x.kind !== 'rules')) {
    out.push('', `Threshold sweep, detector ${d.kind} (chosen: ${d.threshold}): recall/FPR`);
    const thresholds = [0.5, 0.6, 0.7, 0.8, 0.9, d.threshold];
    out.push(`${'set'.padEnd(44)} ${thresholds.map((t) => String(t).padStart(11)).join('')}`);
    for (const s of SETS) {
      const cells: string[] = [];
      for (const t of thresholds) {
        const r = await evaluateInjectionWith({ threshold: t, scan: (x) => d.scan(x) }, s.file);
        cells.push(`${r.recall.toFixed(2)}/${r.falsePositiveRate.toFixed(2)}`.padStart(11));
      }
      out.push(`${s.note.padEnd(44)} ${cells.join('')}`);
    }
  }
}
if (process.argv.includes('--errors')) out.push('', ...pii.errors, ...hp.errors, ...errors);
process.stdout.write(`${out.join('\n')}\n`);
