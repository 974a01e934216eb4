// Prompt-injection detection: weighted rules over normalised text (zero-width, homoglyphs, base64 undone).
import { RULES } from './injection-rules.ts';
import { I18N_RULES } from './injection-rules-i18n.ts';
import { normalizeForMatching } from './normalize.ts';

export type InjectionCategory =
  | 'instruction_override'
  | 'system_prompt_exfiltration'
  | 'role_play_jailbreak'
  | 'delimiter_injection'
  | 'data_exfiltration'
  | 'encoded_payload'
  | 'obfuscation'
  | 'tool_result_injection';

export interface InjectionResult {
  /** 0..1, combined as 1 − Π(1 − weight) over the rules that fired. */
  score: number;
  categories: InjectionCategory[];
}

/** Wrapped in quotes or code: read as discussed, not as instructed, when the text talks about security. */
// A single quote between letters is an apostrophe (l'assistente, don't), never the start or end of a quotation.
const QUOTED = /"[^"\n]{4,}"|“[^”]{4,}”|(?<!\p{L})'[^'\n]{8,}'(?!\p{L})|`[^`\n]+`|```[\s\S]*?```/gu;
/** In tool results double quotes are mostly JSON structure: only prose quotes ("such as "…" is") count, not keys or values. */
const QUOTED_TOOL = /(?<![:[,{]\s*)(?<=[\s(])"[^"\n]{4,}"(?!\s*[:,}\]])|“[^”]{4,}”|(?<!\p{L})'[^'\n]{8,}'(?!\p{L})|`[^`\n]+`|```[\s\S]*?```/gu;
// "example" as a word, not the example.com domains of test data.
const DISCUSSION = /\b(?:explain|meme|detect|prevent|protect|defend|mitigat|review|classif|(?<![.@/-])example(?![.-])|what is|is this|why does|flag|sanitiz|filter|test case|unit test|regex|pattern|paper|research|attack(?:s|ers)?|injection|blog|training)/;

function quotedSpans(text: string, re: RegExp): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

const isB64 = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47;

/** Base64 runs (24+ chars, optional padding) decoded to printable text: a linear scan, not a regex per position. */
function decodedPayloads(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length && out.length < 8; i++) {
    if (i < text.length && isB64(text.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= 24) {
      const decoded = Buffer.from(text.slice(start, i), 'base64').toString('utf8');
      if (/^[\x20-\x7e\n\r\t]{12,}$/.test(decoded)) out.push(decoded.toLowerCase());
    }
    start = -1;
  }
  return out;
}

const ALL_RULES = [...RULES, ...I18N_RULES];

interface Fired {
  category: InjectionCategory;
  weight: number;
}

function fire(text: string, dampen: boolean, source: 'user' | 'tool' = 'user'): Fired[] {
  const spans = dampen ? quotedSpans(text, source === 'tool' ? QUOTED_TOOL : QUOTED) : [];
  const fired: Fired[] = [];
  for (const r of ALL_RULES) {
    const m = r.pattern.exec(text);
    if (!m) continue;
    // Discussed, not instructed: the match lies mostly inside quotes or code.
    const end = m.index + m[0].length;
    const quoted = spans.some(([s, e]) => Math.min(end, e) - Math.max(m.index, s) >= Math.min(m[0].length, e - s) / 2);
    fired.push({ category: r.category, weight: quoted ? r.weight * 0.2 : r.weight });
  }
  return fired;
}

function combine(fired: readonly Fired[]): InjectionResult {
  let keep = 1;
  const categories = new Set<InjectionCategory>();
  for (const f of fired) {
    keep *= 1 - f.weight;
    if (f.weight >= 0.3) categories.add(f.category);
  }
  return { score: Math.round((1 - keep) * 1000) / 1000, categories: [...categories] };
}

/** Scores one message. `source` 'tool' marks text returned by a tool (instructions there are never legitimate). */
export function detectInjection(raw: string, source: 'user' | 'tool' = 'user'): InjectionResult {
  const { text, zeroWidth, mixedScript, folded } = normalizeForMatching(raw);
  const discussion = DISCUSSION.test(text);
  const fired = fire(text, discussion, source);
  if (fired.length > 0 && (zeroWidth || mixedScript || folded)) fired.push({ category: 'obfuscation', weight: 0.5 });
  else if (zeroWidth >= 3) fired.push({ category: 'obfuscation', weight: 0.3 });
  for (const payload of decodedPayloads(raw)) {
    const inner = fire(payload, false);
    if (inner.length > 0) fired.push({ category: 'encoded_payload', weight: 0.9 }, ...inner);
  }
  // In a tool result an instruction to the model is never legitimate: a firm rule counts extra there.
  if (source === 'tool' && fired.some((f) => f.weight >= 0.5)) fired.push({ category: 'tool_result_injection', weight: 0.5 });
  return combine(fired);
}
