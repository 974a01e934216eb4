// Scores the detectors on the labelled dev set in test/fixtures/guardrails: precision/recall per entity and for injection.
import { readFileSync } from 'node:fs';
import { analyze } from '../src/domain/analyzer.ts';
import { detectInjection } from '../src/domain/injection.ts';

const FIXTURES = new URL('../../../test/fixtures/guardrails/', import.meta.url);

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}
export interface Scores extends Counts {
  precision: number;
  recall: number;
}

export interface PiiReport {
  texts: number;
  labelled: number;
  perEntity: Record<string, Scores>;
  overall: Scores;
  /** Misses and false alarms, for tuning. */
  errors: string[];
}

export interface InjectionReport {
  attacks: number;
  benign: number;
  recall: number;
  falsePositiveRate: number;
  precision: number;
  threshold: number;
  errors: string[];
}

const score = (c: Counts): Scores => ({ ...c, precision: c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp), recall: c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn) });

interface Span {
  entity: string;
  start: number;
  end: number;
}

/** A prediction counts when it overlaps a labelled span of the same entity (lenient span match). */
export function evaluatePii(file = 'pii-dev.jsonl'): PiiReport {
  const lines = readFileSync(new URL(file, FIXTURES), 'utf8').split('\n').filter(Boolean);
  const counts = new Map<string, Counts>();
  const bump = (e: string, k: keyof Counts) => {
    const c = counts.get(e) ?? { tp: 0, fp: 0, fn: 0 };
    c[k]++;
    counts.set(e, c);
  };
  const errors: string[] = [];
  let labelled = 0;
  for (const line of lines) {
    const { id, text, spans } = JSON.parse(line) as { id: string; text: string; spans: Span[] };
    labelled += spans.length;
    const found = analyze(text);
    const matched = new Set<Span>();
    for (const f of found) {
      const gold = spans.find((s) => s.entity === f.entity && f.start < s.end && s.start < f.end);
      if (gold) {
        if (!matched.has(gold)) bump(f.entity, 'tp');
        matched.add(gold);
      } else {
        bump(f.entity, 'fp');
        errors.push(`${id} FP ${f.entity} "${text.slice(f.start, f.end)}"`);
      }
    }
    for (const s of spans) {
      if (matched.has(s)) continue;
      bump(s.entity, 'fn');
      errors.push(`${id} FN ${s.entity} "${text.slice(s.start, s.end)}"`);
    }
  }
  const perEntity: Record<string, Scores> = {};
  const total: Counts = { tp: 0, fp: 0, fn: 0 };
  for (const [e, c] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    perEntity[e] = score(c);
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
  }
  return { texts: lines.length, labelled, perEntity, overall: score(total), errors };
}

export function evaluateInjection(threshold = 0.5, file = 'injection-dev.txt'): InjectionReport {
  const lines = readFileSync(new URL(file, FIXTURES), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  let tp = 0;
  let fn = 0;
  let fp = 0;
  let tn = 0;
  const errors: string[] = [];
  for (const [i, line] of lines.entries()) {
    const bar = line.indexOf('|');
    const label = line.slice(0, bar);
    const text = line.slice(bar + 1).replace(/\\n/g, '\n');
    const source = label.startsWith('T') ? 'tool' : 'user';
    const attack = label === 'I' || label === 'T';
    const r = detectInjection(text, source);
    const hit = r.score >= threshold;
    if (attack && hit) tp++;
    else if (attack) {
      fn++;
      errors.push(`line ${i + 1} FN ${r.score} ${text.slice(0, 90)}`);
    } else if (hit) {
      fp++;
      errors.push(`line ${i + 1} FP ${r.score} [${r.categories.join(',')}] ${text.slice(0, 90)}`);
    } else tn++;
  }
  return {
    attacks: tp + fn,
    benign: fp + tn,
    recall: tp / Math.max(1, tp + fn),
    falsePositiveRate: fp / Math.max(1, fp + tn),
    precision: tp / Math.max(1, tp + fp),
    threshold,
    errors,
  };
}

/** Scores one labelled injection file with any detector (rules, embedding or hybrid) at its own threshold. */
export async function evaluateInjectionWith(
  detector: { threshold: number; scan(texts: ReadonlyArray<{ text: string; source: 'user' | 'tool' }>): Promise<{ score: number; categories: readonly string[] }> },
  file: string,
  base: URL = FIXTURES,
): Promise<InjectionReport> {
  const lines = readFileSync(new URL(file, base), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const c = { tp: 0, fn: 0, fp: 0, tn: 0 };
  const errors: string[] = [];
  for (const [i, line] of lines.entries()) {
    const bar = line.indexOf('|');
    const label = line.slice(0, bar).split('/')[0] ?? '';
    const text = line.slice(bar + 1).replace(/\\n/g, '\n');
    const attack = label === 'I' || label === 'T';
    const r = await detector.scan([{ text, source: label.startsWith('T') ? 'tool' : 'user' }]);
    const hit = r.score >= detector.threshold;
    if (attack) c[hit ? 'tp' : 'fn']++;
    else c[hit ? 'fp' : 'tn']++;
    if (attack !== hit) errors.push(`line ${i + 1} ${attack ? 'FN' : 'FP'} ${r.score} [${r.categories.join(',')}] ${text.slice(0, 90)}`);
  }
  return {
    attacks: c.tp + c.fn,
    benign: c.fp + c.tn,
    recall: c.tp / Math.max(1, c.tp + c.fn),
    falsePositiveRate: c.fp / Math.max(1, c.fp + c.tn),
    precision: c.tp / Math.max(1, c.tp + c.fp),
    threshold: detector.threshold,
    errors,
  };
}
