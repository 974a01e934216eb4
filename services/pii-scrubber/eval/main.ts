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
const hi = evaluateInjection(0.5, 'injection-holdout.txt');
out.push(
  '',
  'Held-out sets (written after tuning, never tuned on):',
  `PII: ${hp.texts} texts, ${hp.labelled} spans  precision ${pct(hp.overall.precision)}  recall ${pct(hp.overall.recall)}`,
  `injection: ${hi.attacks} attacks, ${hi.benign} benign  recall ${pct(hi.recall)}  false-positive rate ${pct(hi.falsePositiveRate)}`,
);
if (process.argv.includes('--errors')) out.push('', ...pii.errors, ...inj.errors, '', ...hp.errors, ...hi.errors);
process.stdout.write(`${out.join('\n')}\n`);
