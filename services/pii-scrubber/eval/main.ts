// `npm run guard:eval`: prints the dev-set tables (add --errors to list every miss and false alarm).
import { evaluateInjection, evaluatePii } from './evaluate.ts';

const pct = (x: number) => x.toFixed(3);
const pii = evaluatePii();
const rows = Object.entries(pii.perEntity).map(([e, s]) => `${e.padEnd(16)} ${String(s.tp + s.fn).padStart(5)} ${String(s.tp).padStart(4)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}  ${pct(s.precision)}  ${pct(s.recall)}`);
const o = pii.overall;
const inj = evaluateInjection();
const out = [
  `PII dev set: ${pii.texts} texts, ${pii.labelled} labelled spans (lenient overlap match)`,
  `entity           gold   tp   fp   fn  precision recall`,
  ...rows,
  `${'ALL (micro)'.padEnd(16)} ${String(o.tp + o.fn).padStart(5)} ${String(o.tp).padStart(4)} ${String(o.fp).padStart(4)} ${String(o.fn).padStart(4)}  ${pct(o.precision)}  ${pct(o.recall)}`,
  '',
  `Injection dev set: ${inj.attacks} attacks, ${inj.benign} benign (threshold ${inj.threshold})`,
  `recall ${pct(inj.recall)}  false-positive rate ${pct(inj.falsePositiveRate)}  precision ${pct(inj.precision)}`,
];
const hp = evaluatePii('pii-holdout.jsonl');
/** Held-out injection sets, oldest first; see each file's header for when it was written and what it was used for. */
const HELD_OUT = [
  { file: 'injection-holdout.txt', note: 'held-out 1 (its misses drove round 1: no longer blind)' },
  { file: 'injection-holdout-2.txt', note: 'held-out 2 (written before round 1 and never run during it, but known to the rules author)' },
  { file: 'injection-holdout-3.txt', note: 'held-out 3 (blind for round 1; its misses then drove round 2: no longer blind)' },
  { file: 'injection-holdout-4.txt', note: 'held-out 4 (written after round 2 was frozen, blind)' },
];
const his = HELD_OUT.map((h) => ({ ...h, r: evaluateInjection(0.5, h.file) }));
out.push(
  '',
  'Held-out sets:',
  `PII: ${hp.texts} texts, ${hp.labelled} spans  precision ${pct(hp.overall.precision)}  recall ${pct(hp.overall.recall)}`,
  ...his.map(({ note, r }) => `injection ${note}: ${r.attacks} attacks, ${r.benign} benign  recall ${pct(r.recall)}  FPR ${pct(r.falsePositiveRate)}  precision ${pct(r.precision)}`),
);
if (process.argv.includes('--errors')) out.push('', ...pii.errors, ...inj.errors, '', ...hp.errors, ...his.flatMap(({ file, r }) => r.errors.map((e) => `${file} ${e}`)));
process.stdout.write(`${out.join('\n')}\n`);
