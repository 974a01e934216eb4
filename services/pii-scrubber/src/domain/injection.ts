// Prompt-injection detection: weighted rules over normalised text (zero-width, homoglyphs, base64 undone).
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

interface Rule {
  category: InjectionCategory;
  weight: number;
  pattern: RegExp;
}

const W = String.raw`[^.\n]`;
const OVERRIDE_TARGET = String.raw`(?:instructions?|prompts?|rules|directions|directives|guidelines|constraints|guardrails|polic(?:y|ies)|programming|training)`;
const SECRET_TARGET = String.raw`(?:system prompt|system message|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|secret instructions|developer (?:message|prompt)|pre-?prompt|instructions you (?:were|have been) given)`;
const RULES: readonly Rule[] = [
  { category: 'instruction_override', weight: 0.9, pattern: new RegExp(String.raw`\b(?:ignore|disregard|forget|override|bypass|skip|abandon|drop)\b${W}{0,20}\b(?:previous|prior|above|earlier|preceding|initial|original|system|your|all)\b${W}{0,20}\b${OVERRIDE_TARGET}\b`) },
  { category: 'instruction_override', weight: 0.7, pattern: /\b(?:bypass|disable|turn off|circumvent|evade|get around)\b[^.\n]{0,15}\b(?:guardrails|safety (?:filters?|checks)|content (?:filters?|polic(?:y|ies))|safeguards|moderation)\b/ },
  { category: 'instruction_override', weight: 0.85, pattern: /\b(?:forget|ignore|disregard) (?:everything|all) (?:you (?:were|have been|'ve been) told|above|before|that came before)/ },
  { category: 'instruction_override', weight: 0.85, pattern: /\b(?:do not|don't|stop) (?:follow(?:ing)?|obey(?:ing)?|adher(?:e|ing) to) (?:your|the|any|those) (?:rules|instructions|guidelines|policies|system prompt)/ },
  { category: 'instruction_override', weight: 0.6, pattern: /\b(?:new|updated|revised|real|actual) (?:instructions?|rules|system prompt|directives?)\s*(?::|-|are\b|is\b)/ },
  { category: 'instruction_override', weight: 0.55, pattern: /\bfrom now on,? (?:you (?:will|are|must|shall)|respond|act|answer|ignore|only)/ },
  { category: 'instruction_override', weight: 0.6, pattern: /\byou are no longer (?:an? |bound|restricted|chatgpt|claude|an ai|the assistant)/ },
  { category: 'system_prompt_exfiltration', weight: 0.85, pattern: new RegExp(String.raw`\b(?:reveal|show|print|output|repeat|display|tell me|give me|leak|dump|recite|share|disclose)\b${W}{0,30}\b(?:${SECRET_TARGET.slice(3, -1)}|your (?:instructions|prompt|rules and guidelines|configuration))`) },
  { category: 'system_prompt_exfiltration', weight: 0.8, pattern: new RegExp(String.raw`\bwhat (?:is|are|was|were|would)\b${W}{0,30}\b${SECRET_TARGET}`) },
  { category: 'system_prompt_exfiltration', weight: 0.85, pattern: /\brepeat (?:everything|the text|all (?:of the )?text|the words|all of the above|the above)\b(?: (?:above|before|verbatim|starting))?/ },
  { category: 'role_play_jailbreak', weight: 0.9, pattern: new RegExp(String.raw`\b(?:act as|acting as|pretend (?:to be|you are|you're)|you are now|you're now|roleplay(?: as)?|role-play(?: as)?|simulate|become)\b${W}{0,50}\b(?:unrestricted|unfiltered|uncensored|no (?:rules|restrictions|limits|filters|guidelines|morals)|without (?:any )?(?:rules|restrictions|limits|filters|ethics|guidelines|censorship)|jailbroken|evil|dan\b|developer mode|an ai with no)`) },
  { category: 'role_play_jailbreak', weight: 0.85, pattern: /\byou are an? (?:uncensored|unfiltered|unrestricted|jailbroken|amoral)\b/ },
  { category: 'role_play_jailbreak', weight: 0.85, pattern: /\b(?:developer|dan|god|jailbreak|unrestricted|debug) mode(?: is)?(?: now)? (?:enabled|activated|engaged)\b|\b(?:enable|enter|activate) (?:developer|dan|god|jailbreak|debug) mode\b|\byou are (?:now )?in (?:developer|dan|god|jailbreak) mode\b/ },
  { category: 'role_play_jailbreak', weight: 0.8, pattern: /\b(?:you|dan|it|which)\b[^.\n]{0,30}\bdo(?:es)? anything now\b|\bjailbreak(?:ed)? (?:yourself|the model|prompt)\b|\bdan\b[^.\n]{0,30}\bno (?:rules|restrictions|limits)\b/ },
  { category: 'role_play_jailbreak', weight: 0.5, pattern: /\b(?:no|without|free (?:of|from)) (?:ethical|moral|content|safety) (?:guidelines|restrictions|filters|limits|constraints|rules)/ },
  { category: 'role_play_jailbreak', weight: 0.35, pattern: /\b(?:stay in character|never break character|you have no (?:rules|restrictions|limits))\b/ },
  { category: 'delimiter_injection', weight: 0.9, pattern: /<\|\s*(?:im_start|im_end|system)\s*\|>\s*(?:system|assistant|user)?\s*\w+[^<]{8,}/ },
  { category: 'delimiter_injection', weight: 0.7, pattern: /<\|\s*endoftext\s*\|>\s*\w[^\n]{8,}/ },
  { category: 'delimiter_injection', weight: 0.85, pattern: /\[inst\][\s\S]{10,}\[\/inst\]|<<sys>>[\s\S]{5,}|\[(system|sys)\][\s\S]{5,}\[\/\1\]/ },
  { category: 'delimiter_injection', weight: 0.75, pattern: /<(system|instructions?|admin|developer)(?:_prompt)?>[^<]{5,}<\/\1(?:_prompt)?>/ },
  { category: 'delimiter_injection', weight: 0.6, pattern: /(?:^|\n)\s*(?:#{2,}\s*)?(?:system|admin|developer)\s*(?:message|prompt|override)?\s*:[^\n]{0,40}\b(?:ignore|disregard|must|new|override|reveal|you are|the assistant|comply|policy|polic(?:y|ies))\b/ },
  { category: 'delimiter_injection', weight: 0.7, pattern: /\b(?:end of (?:user )?(?:input|prompt|conversation|document)|begin (?:system|admin|new) (?:prompt|instructions?|session))\b[^\n]{0,20}[\s\S]{0,80}\b(?:instructions?|prompt|ignore|reveal|exfiltrate)\b/ },
  { category: 'data_exfiltration', weight: 0.7, pattern: new RegExp(String.raw`\b(?:send|forward|email|exfiltrate|post|upload|transmit|leak)\b${W}{0,40}\b(?:conversation|chat history|credentials|api keys?|passwords?|secrets?|tokens?|user data|system prompt|emails)\b${W}{0,40}\b(?:to|at|into)\b${W}{0,20}(?:https?:|@|\burl\b|\bserver\b|\bendpoint\b)`) },
  { category: 'tool_result_injection', weight: 0.6, pattern: new RegExp(String.raw`\b(?:ai|assistant|llm|model|agent|chatbot)s?\b${W}{0,30}\b(?:must|should|shall|need to)\b${W}{0,50}\b(?:now|instead|immediately|first)\b`) },
  { category: 'encoded_payload', weight: 0.75, pattern: /\bdecode (?:this|the following|it)\b[^\n]{0,40}\b(?:and|then) (?:follow|execute|do|run|obey|apply|act on)/ },
];

/** Wrapped in quotes or code: read as discussed, not as instructed, when the text talks about security. */
const QUOTED = /"[^"\n]{4,}"|“[^”]{4,}”|'[^'\n]{8,}'|`[^`\n]+`|```[\s\S]*?```/g;
/** In tool results double quotes are JSON structure, not quotation. */
const QUOTED_TOOL = /“[^”]{4,}”|'[^'\n]{8,}'|`[^`\n]+`|```[\s\S]*?```/g;
const DISCUSSION = /\b(?:explain|meme|detect|prevent|protect|defend|mitigat|review|classif|example|explain|what is|is this|why does|flag|sanitiz|filter|test case|unit test|regex|pattern|paper|research|attack(?:s|ers)?|injection|blog|training)/;

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

interface Fired {
  category: InjectionCategory;
  weight: number;
}

function fire(text: string, dampen: boolean, source: 'user' | 'tool' = 'user'): Fired[] {
  const spans = dampen ? quotedSpans(text, source === 'tool' ? QUOTED_TOOL : QUOTED) : [];
  const fired: Fired[] = [];
  for (const r of RULES) {
    const m = r.pattern.exec(text);
    if (!m) continue;
    const quoted = spans.some(([s, e]) => m.index >= s && m.index < e);
    fired.push({ category: r.category, weight: quoted ? r.weight * 0.25 : r.weight });
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
  const { text, zeroWidth, mixedScript } = normalizeForMatching(raw);
  const discussion = DISCUSSION.test(text);
  const fired = fire(text, discussion, source);
  if (fired.length > 0 && (zeroWidth || mixedScript)) fired.push({ category: 'obfuscation', weight: 0.5 });
  else if (zeroWidth >= 3) fired.push({ category: 'obfuscation', weight: 0.3 });
  for (const payload of decodedPayloads(raw)) {
    const inner = fire(payload, false);
    if (inner.length > 0) fired.push({ category: 'encoded_payload', weight: 0.9 }, ...inner);
  }
  // In a tool result an instruction to the model is never legitimate: a firm rule counts extra there.
  if (source === 'tool' && fired.some((f) => f.weight >= 0.5)) fired.push({ category: 'tool_result_injection', weight: 0.5 });
  return combine(fired);
}
