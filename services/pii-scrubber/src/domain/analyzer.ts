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

// Titles and cues are found in the lower-cased text with plain regexes; the (costly) Unicode name pattern then
// runs only where one was found. Given names are looked up per capitalised word.
const TITLE_AT = new RegExp(String.raw`\b(?:${NAME_TITLES.join('|')})\.?\s+`, 'g');
const CUE_AT = new RegExp(String.raw`(?:${NAME_CUES.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\s+`, 'g');
const NAME_AT = new RegExp(String.raw`(?:\p{Lu}\.\s*)?${CAP}(?:\s+(?:\p{Lu}\.\s+)?${CAP}){0,2}`, 'uy');
const CAP_WORD = /\p{Lu}\p{Ll}+/gu;
const SURNAME_AT = new RegExp(String.raw`\s+((?:\p{Lu}\.\s+)?${CAP})(?![\p{L}\p{N}_])`, 'uy');
const WORDISH = /[\p{L}\p{N}_]/u;

function namesAfter(cue: RegExp, text: string, lower: string, out: Finding[], skipTitles: boolean): void {
  cue.lastIndex = 0;
  for (let m = cue.exec(lower); m !== null; m = cue.exec(lower)) {
    const at = m.index + m[0].length;
    NAME_AT.lastIndex = at;
    const name = NAME_AT.exec(text);
    if (!name) continue;
    const first = name[0].split(/\s+/)[0]?.replace(/\.$/, '').toLowerCase() ?? '';
    if (NOT_SURNAMES.has(first) || (skipTitles && NAME_TITLES.includes(first))) continue;
    out.push({ entity: 'PERSON', start: at, end: at + name[0].length, score: 0.85 });
  }
}

function runPersons(text: string, lower: string, out: Finding[]): void {
  if (lower.length === text.length) {
    namesAfter(TITLE_AT, text, lower, out, false);
    namesAfter(CUE_AT, text, lower, out, true);
  }
  CAP_WORD.lastIndex = 0;
  for (let m = CAP_WORD.exec(text); m !== null; m = CAP_WORD.exec(text)) {
    if (!GIVEN_NAMES.has(m[0].toLowerCase()) || (m.index > 0 && WORDISH.test(text[m.index - 1] ?? ''))) continue;
    SURNAME_AT.lastIndex = m.index + m[0].length;
    const sur = SURNAME_AT.exec(text);
    const surname = (sur?.[1] ?? '').replace(/^\p{Lu}\.\s+/u, '').toLowerCase();
    if (!sur || surname.length < 2 || NOT_SURNAMES.has(surname)) continue;
    out.push({ entity: 'PERSON', start: m.index, end: SURNAME_AT.lastIndex, score: 0.7 });
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
  // A date is a date of birth only next to a birth word: no such word, no scan.
  if (!DOB_CONTEXT.some((w) => lower.includes(w))) return;
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
  if (!wanted || wanted.has('PERSON')) runPersons(text, lower, raw);
  if (!wanted || wanted.has('STREET_ADDRESS') || wanted.has('DATE_OF_BIRTH')) runAddressesAndDates(text, lower, raw);
  const t = opts.thresholds ?? {};
  const kept = raw.filter((f) => (!opts.entities || opts.entities.has(f.entity)) && f.score >= (t[f.entity] ?? t.default ?? DEFAULT_THRESHOLD));
  return resolveOverlaps(kept);
}
