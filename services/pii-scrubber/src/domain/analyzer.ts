// Runs every recognizer over a text, scores matches with context, applies thresholds and resolves overlaps.
import { GIVEN_NAMES, NAME_CUES, NAME_TITLES, NOT_SURNAMES, STREET_TYPES } from './lexicon.ts';
import { CONTEXT_BOOST, CONTEXT_MIN_SCORE, PATTERN_RECOGNIZERS, hasContext, type EntityType, type Finding, type PatternRecognizer } from './recognizers.ts';

export interface AnalyzerOptions {
  /** Entities to look for (default: all). */
  entities?: ReadonlySet<EntityType>;
  /** Minimum score per entity; `default` for the rest (0.5). */
  thresholds?: Partial<Record<EntityType | 'default', number>>;
}

const DEFAULT_THRESHOLD = 0.5;

const CAP = String.raw`\p{Lu}(?:\p{Ll}*['’]\p{Lu})?[\p{Ll}'’]+(?:-\p{Lu}[\p{Ll}'’]+)?`;
const TITLE_NAME = new RegExp(String.raw`\b(?:${NAME_TITLES.join('|')})\.?\s+((?:\p{Lu}\.\s*)?${CAP}(?:\s+${CAP}){0,2})`, 'giu');
const CUE_NAME = new RegExp(String.raw`(?:${NAME_CUES.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\s+(${CAP}(?:\s+(?:\p{Lu}\.\s+)?${CAP}){0,2})`, 'giu');
const CAP_PAIR = new RegExp(String.raw`(?<![\p{L}\p{N}_])(\p{Lu}\p{Ll}+)\s+((?:\p{Lu}\.\s+)?${CAP})(?![\p{L}\p{N}_])`, 'gu');
const STREET = new RegExp(
  String.raw`\b\d{1,5}[A-Za-z]?\s+(?:\p{Lu}[\p{L}'.-]*\s+){1,3}(?:${STREET_TYPES})\b\.?(?:,?\s+(?:Apt|Apartment|Suite|Unit|#)\.?\s*[\w-]+)?(?:,\s*\p{Lu}[\p{L}]+(?:\s\p{Lu}[\p{L}]+)?)?(?:,?\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)?`,
  'gu',
);
const EURO_STREET = /\b\p{Lu}[\p{Ll}]+(?:straße|strasse|weg|gasse|platz|allee|ring)\s+\d{1,4}[a-z]?(?:,\s*\d{4,5}\s+\p{Lu}[\p{Ll}]+)?/gu;
const STREET_CONTEXT = ['address', 'live', 'lives', 'ship', 'deliver', 'located', 'mail to', 'send to', 'moved'];
const MONTHS = 'Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?';
const DATE = new RegExp(
  String.raw`\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}|(?:${MONTHS})\.? \d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\d{2}|\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:${MONTHS}),? (?:19|20)\d{2})\b`,
  'gi',
);
const DOB_CONTEXT = ['born', 'dob', 'd.o.b', 'date of birth', 'birth', 'birthday', 'geboren', 'née'];

function score(r: PatternRecognizer, value: string, lower: string, start: number, end: number): number | null {
  let score = r.score;
  if (r.validate) {
    const v = r.validate(value);
    if (v === false) return null;
    if (typeof v === 'number') score = v;
  }
  if (r.context && score < 1 && hasContext(lower, start, end, r.context)) score = Math.max(CONTEXT_MIN_SCORE, Math.min(1, score + CONTEXT_BOOST));
  return score;
}

function runPatterns(text: string, lower: string, out: Finding[], wanted: ReadonlySet<EntityType> | undefined): void {
  for (const r of PATTERN_RECOGNIZERS) {
    if (wanted && !wanted.has(r.entity)) continue;
    if (r.prefilter && !r.prefilter.test(text)) continue;
    if (r.candidates) {
      for (const [start, end] of r.candidates(text)) {
        const s = score(r, text.slice(start, end), lower, start, end);
        if (s !== null) out.push({ entity: r.entity, start, end, score: s });
      }
      continue;
    }
    const re = r.pattern;
    if (!re) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const value = r.group ? m[r.group] : m[0];
      if (value === undefined) continue;
      const start = r.group ? m.index + m[0].lastIndexOf(value) : m.index;
      const end = start + value.length;
      const s = score(r, value, lower, start, end);
      if (s !== null) out.push({ entity: r.entity, start, end, score: s });
    }
  }
}

function pushGroup(out: Finding[], entity: EntityType, m: RegExpExecArray, score: number): void {
  const value = m[1];
  if (value === undefined) return;
  const start = m.index + m[0].length - value.length;
  out.push({ entity, start, end: start + value.length, score });
}

function runPersons(text: string, out: Finding[]): void {
  TITLE_NAME.lastIndex = 0;
  for (let m = TITLE_NAME.exec(text); m !== null; m = TITLE_NAME.exec(text)) pushGroup(out, 'PERSON', m, 0.85);
  CUE_NAME.lastIndex = 0;
  for (let m = CUE_NAME.exec(text); m !== null; m = CUE_NAME.exec(text)) {
    const first = (m[1] ?? '').split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!NOT_SURNAMES.has(first) && !NAME_TITLES.includes(first)) pushGroup(out, 'PERSON', m, 0.85);
  }
  CAP_PAIR.lastIndex = 0;
  for (let m = CAP_PAIR.exec(text); m !== null; m = CAP_PAIR.exec(text)) {
    const given = (m[1] ?? '').toLowerCase();
    const surname = (m[2] ?? '').replace(/^\p{Lu}\.\s+/u, '').toLowerCase();
    if (GIVEN_NAMES.has(given) && !NOT_SURNAMES.has(surname) && surname.length > 1) {
      out.push({ entity: 'PERSON', start: m.index, end: m.index + m[0].length, score: 0.7 });
    } else {
      // The second word may start the next name ("Hello Anna Schmidt"): retry from it.
      CAP_PAIR.lastIndex = m.index + (m[1]?.length ?? 1);
    }
  }
}

function runAddressesAndDates(text: string, lower: string, out: Finding[]): void {
  for (const re of [STREET, EURO_STREET]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const end = m.index + m[0].replace(/[.,\s]+$/, '').length;
      const score = hasContext(lower, m.index, end, STREET_CONTEXT) ? 0.95 : 0.7;
      out.push({ entity: 'STREET_ADDRESS', start: m.index, end, score });
    }
  }
  DATE.lastIndex = 0;
  for (let m = DATE.exec(text); m !== null; m = DATE.exec(text)) {
    const end = m.index + m[0].length;
    if (hasContext(lower, m.index, end, DOB_CONTEXT)) out.push({ entity: 'DATE_OF_BIRTH', start: m.index, end, score: 0.85 });
  }
}

/** Keeps the best of overlapping findings: higher score first, then the longer span. */
function resolveOverlaps(found: Finding[]): Finding[] {
  found.sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Finding[] = [];
  for (const f of found) if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f);
  return kept.sort((a, b) => a.start - b.start);
}

/** Finds personal data in one text. Pure and synchronous; cost is linear in the text for each recognizer. */
export function analyze(text: string, opts: AnalyzerOptions = {}): Finding[] {
  if (text.length < 6) return [];
  const lower = text.toLowerCase();
  const raw: Finding[] = [];
  const wanted = opts.entities;
  runPatterns(text, lower, raw, wanted);
  if (!wanted || wanted.has('PERSON')) runPersons(text, raw);
  if (!wanted || wanted.has('STREET_ADDRESS') || wanted.has('DATE_OF_BIRTH')) runAddressesAndDates(text, lower, raw);
  const t = opts.thresholds ?? {};
  const kept = raw.filter((f) => (!opts.entities || opts.entities.has(f.entity)) && f.score >= (t[f.entity] ?? t.default ?? DEFAULT_THRESHOLD));
  return resolveOverlaps(kept);
}
