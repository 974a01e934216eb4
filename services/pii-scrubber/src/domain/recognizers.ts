// Pattern recognizers: a regex proposes a span, validation and context words decide its score (Presidio-style).
import { entropy, ibanValid, ipv4Valid, luhnValid, ssnValid } from './checksums.ts';
import { isIP } from 'node:net';

export const ENTITY_TYPES = [
  'EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'API_KEY', 'PERSON', 'STREET_ADDRESS', 'DATE_OF_BIRTH',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

export function isEntityType(s: string): s is EntityType {
  return (ENTITY_TYPES as readonly string[]).includes(s);
}

/** One detected span of personal data: [start, end) in UTF-16 units of the scanned text. */
export interface Finding {
  entity: EntityType;
  start: number;
  end: number;
  score: number;
}

export interface PatternRecognizer {
  entity: EntityType;
  /** Global regex; `group` selects the reported part of the match (default: whole match). */
  pattern?: RegExp;
  /** Instead of a pattern: a linear scan proposing [start, end) spans (for shapes a regex finds slowly). */
  candidates?: (text: string) => Array<[number, number]>;
  /** A cheap test the text must pass before the pattern runs at all. */
  prefilter?: RegExp;
  group?: number;
  /** Score of a validated match without context. */
  score: number;
  /** Words that, found just before or after the span, raise the score by CONTEXT_BOOST. */
  context?: readonly string[];
  /** Returns false to reject a match, or a score overriding `score`. */
  validate?: (value: string) => boolean | number;
}

/** Presidio's default context similarity factor and floor. */
export const CONTEXT_BOOST = 0.35;
export const CONTEXT_MIN_SCORE = 0.4;
const BEFORE = 48;
const AFTER = 24;

/** True when one of the words appears near [start, end) in the lower-cased text. */
export function hasContext(lower: string, start: number, end: number, words: readonly string[]): boolean {
  const before = lower.slice(Math.max(0, start - BEFORE), start);
  const after = lower.slice(end, end + AFTER);
  for (const w of words) if (before.includes(w) || after.includes(w)) return true;
  return false;
}

const digitsOf = (s: string): string => s.replace(/\D/g, '');

const SECRET_CONTEXT = ['key', 'token', 'secret', 'password', 'passwd', 'api', 'bearer', 'credential', 'auth', 'private'];

/** Provider key formats with a fixed prefix: confident without context. */
const KEY_FORMATS = [
  String.raw`sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,}`,
  String.raw`sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}`,
  String.raw`(?:AKIA|ASIA)[0-9A-Z]{16}`,
  String.raw`gh[pousr]_[A-Za-z0-9]{30,}`,
  String.raw`github_pat_[A-Za-z0-9_]{22,}`,
  String.raw`glpat-[A-Za-z0-9_-]{20,}`,
  String.raw`xox[abprs]-[A-Za-z0-9-]{10,}`,
  String.raw`AIza[0-9A-Za-z_-]{35}`,
  String.raw`(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}`,
  String.raw`hf_[A-Za-z0-9]{30,}`,
  String.raw`npm_[A-Za-z0-9]{36}`,
  String.raw`SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}`,
  String.raw`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
];

const EMAIL = /^[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}$/;
const isLocal = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
const isDomain = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45;

/** Expands around each '@': linear, where a regex would restart at every letter of the text. */
function emailCandidates(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let s = at;
    while (s > 0 && isLocal(text.charCodeAt(s - 1))) s--;
    let e = at + 1;
    while (e < text.length && isDomain(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--; // sentence punctuation
    while (s < at && !/[A-Za-z0-9]/.test(text[s] ?? '')) s++;
    if (s < at && e > at + 1) out.push([s, e]);
  }
  return out;
}

const isToken = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 43 || c === 47 || c === 61 || c === 45;

/** Runs of token characters at least 24 long, not glued to a path or a dotted name. */
function tokenRuns(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && isToken(text.charCodeAt(i))) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= 24 && text[start - 1] !== '.' && text[i] !== '.') out.push([start, i]);
      start = -1;
    }
  }
  return out;
}

export const PATTERN_RECOGNIZERS: readonly PatternRecognizer[] = [
  {
    entity: 'EMAIL_ADDRESS',
    candidates: emailCandidates,
    validate: (v) => EMAIL.test(v),
    score: 0.9,
    context: ['email', 'e-mail', 'mail', 'contact'],
  },
  {
    entity: 'CREDIT_CARD',
    pattern: /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g,
    score: 0.9,
    context: ['card', 'credit', 'visa', 'mastercard', 'amex', 'payment', 'cc', 'debit'],
    validate: (v) => {
      const d = digitsOf(v);
      return d.length >= 13 && d.length <= 19 && /^[2-6]/.test(d) && !/^(\d)\1+$/.test(d) && luhnValid(d);
    },
  },
  {
    entity: 'IBAN_CODE',
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    score: 1.0,
    context: ['iban', 'bank', 'account', 'transfer'],
    validate: ibanValid,
  },
  {
    entity: 'US_SSN',
    pattern: /(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])/g,
    score: 0.6,
    context: ['ssn', 'social security', 'social sec', 'ss#', 'ss #', 'taxpayer'],
    validate: (v) => {
      const d = digitsOf(v);
      if (!ssnValid(d)) return false;
      // Nine bare digits are too common (order ids) to be an SSN without context.
      return d.length === v.length ? 0.2 : true;
    },
  },
  {
    entity: 'PHONE_NUMBER',
    pattern: /(?<![\w+])(?:(?:\+|00)[1-9]\d{0,2}[ .-]?)(?:\(?\d{1,4}\)?[ .-]?){1,4}\d{2,4}(?![\w])/g,
    score: 0.75,
    context: ['phone', 'call', 'tel', 'mobile', 'cell', 'whatsapp', 'fax', 'text me', 'reach', 'number'],
    validate: (v) => {
      const n = digitsOf(v).length;
      return n >= 8 && n <= 15;
    },
  },
  {
    entity: 'PHONE_NUMBER',
    pattern: /(?<![\w+-])(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-])/g,
    score: 0.6,
    context: ['phone', 'call', 'tel', 'mobile', 'cell', 'whatsapp', 'fax', 'text me', 'reach', 'number'],
  },
  {
    entity: 'PHONE_NUMBER',
    pattern: /(?<![\w+-])0\d{2,4}[ /-]\d{3,4}[ -]?\d{3,4}(?![\w-])/g,
    score: 0.3,
    context: ['phone', 'call', 'tel', 'mobile', 'cell', 'whatsapp', 'fax', 'reach', 'number', 'telefon'],
  },
  {
    entity: 'IP_ADDRESS',
    pattern: /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)/g,
    score: 0.6,
    context: ['ip', 'server', 'host', 'address', 'connect', 'login', 'from'],
    validate: ipv4Valid,
  },
  {
    entity: 'IP_ADDRESS',
    prefilter: /:[0-9A-Fa-f]{0,4}:/,
    pattern: /(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,6}|[0-9A-Fa-f]{1,4})(?![\w:])/g,
    score: 0.6,
    context: ['ip', 'ipv6', 'server', 'host', 'address'],
    validate: (v) => isIP(v) === 6 && (v.match(/:/g)?.length ?? 0) >= 2,
  },
  { entity: 'API_KEY', pattern: new RegExp(String.raw`\b(?:${KEY_FORMATS.join('|')})(?![\w-])`, 'g'), score: 0.95 },
  {
    entity: 'API_KEY',
    prefilter: /-----BEGIN/,
    pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z]+ )?PRIVATE KEY-----/g,
    score: 1.0,
  },
  {
    // key = value assignments: the value is the secret whatever its shape.
    entity: 'API_KEY',
    pattern: /\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)["']?\s*[:=]\s*["']?([^\s"',;]{6,})/gi,
    group: 1,
    score: 0.8,
  },
  {
    // High-entropy tokens: mixed letters and digits, long, random-looking.
    entity: 'API_KEY',
    candidates: tokenRuns,
    score: 0.5,
    context: SECRET_CONTEXT,
    validate: (v) => {
      if (!/[0-9]/.test(v) || !/[A-Za-z]/.test(v)) return false;
      if (/^[0-9a-f]+$/.test(v) && [32, 40, 64].includes(v.length)) return 0.3; // looks like a digest, not a key
      const h = entropy(v);
      if (h < 3.6) return false;
      return /[a-z]/.test(v) && /[A-Z]/.test(v) && h >= 4.2 ? 0.6 : 0.45;
    },
  },
];
