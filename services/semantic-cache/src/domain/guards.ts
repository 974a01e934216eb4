// Near-miss guards: facts in a prompt that cosine similarity blurs (numbers, names, negation, language, direction).
/** What must agree between two prompts before a semantic hit is allowed. Stored with each entry. */
export interface PromptSignature {
  numbers: string[];
  /** Capitalised or all-caps words that are not sentence starts, lowercased. */
  entities: string[];
  negated: boolean;
  lang: string;
  /** Canonical units in order of appearance and the unit a conversion goes to. */
  units: string[];
  target: string | null;
  /** Numbers bound to the unit right after them, e.g. '10 kg'. */
  bound: string[];
  /** Members of small noun categories (metals, animals, foods…), as 'category:member'. */
  kinds: string[];
  /** Poles of antonym pairs that appear (e.g. 'increase', 'min'). */
  poles: string[];
  /** Every lowercased word, to check that an entity of one prompt appears in the other. */
  words: string[];
}

const NUMBER_WORDS: Record<string, string> = {
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10',
  eleven: '11', twelve: '12', twenty: '20', thirty: '30', forty: '40', fifty: '50', hundred: '100', thousand: '1000',
  million: '1000000', billion: '1000000000', half: '0.5', dozen: '12', first: '#1', second: '#2', third: '#3',
};

const NEGATIONS = new Set(['not', 'no', 'never', 'without', 'none', 'nobody', 'nothing', 'neither', 'nor', 'cannot', 'cant', 'dont', 'doesnt', 'isnt', 'arent', 'wasnt', 'werent', 'wont', 'shouldnt', 'couldnt', 'wouldnt', 'didnt', 'hasnt', 'havent', 'except', 'excluding', 'ne', 'pas', 'nicht', 'kein', 'keine', 'nunca', 'sin']);

const UNITS: Record<string, string> = {
  celsius: 'C', centigrade: 'C', fahrenheit: 'F', kelvin: 'K',
  km: 'km', kms: 'km', kilometer: 'km', kilometers: 'km', kilometre: 'km', kilometres: 'km',
  mile: 'mi', miles: 'mi', mi: 'mi', meter: 'm', meters: 'm', metre: 'm', metres: 'm',
  foot: 'ft', feet: 'ft', ft: 'ft', inch: 'in', inches: 'in', cm: 'cm', centimeters: 'cm', centimetres: 'cm', mm: 'mm',
  yard: 'yd', yards: 'yd', kg: 'kg', kilogram: 'kg', kilograms: 'kg', kilo: 'kg', kilos: 'kg', pound: 'lb', pounds: 'lb', lb: 'lb', lbs: 'lb',
  gram: 'g', grams: 'g', ounce: 'oz', ounces: 'oz', oz: 'oz', liter: 'l', liters: 'l', litre: 'l', litres: 'l', gallon: 'gal', gallons: 'gal',
  cup: 'cup', cups: 'cup', ml: 'ml', milliliters: 'ml', usd: 'USD', dollar: 'USD', dollars: 'USD', eur: 'EUR', euro: 'EUR', euros: 'EUR',
  gbp: 'GBP', yen: 'JPY', jpy: 'JPY', second: 's', seconds: 's', minute: 'min', minutes: 'min', hour: 'h', hours: 'h',
  day: 'd', days: 'd', week: 'wk', weeks: 'wk', month: 'mo', months: 'mo', year: 'yr', years: 'yr',
  byte: 'B', bytes: 'B', kb: 'KB', kilobytes: 'KB', mb: 'MB', megabytes: 'MB', gb: 'GB', gigabytes: 'GB', tb: 'TB', terabytes: 'TB',
  mph: 'mph', kph: 'kph', binary: 'bin', decimal: 'dec', hex: 'hex', hexadecimal: 'hex', octal: 'oct',
};

const CATEGORIES: Record<string, readonly string[]> = {
  element: ['gold', 'silver', 'copper', 'iron', 'lead', 'zinc', 'tin', 'oxygen', 'hydrogen', 'nitrogen', 'carbon', 'helium', 'sodium', 'potassium', 'calcium', 'uranium', 'platinum', 'aluminum', 'aluminium', 'mercury'],
  animal: ['dog', 'cat', 'horse', 'cow', 'pig', 'sheep', 'goat', 'bird', 'fish', 'rabbit', 'hamster', 'parrot', 'snake', 'lizard', 'chicken', 'duck', 'lion', 'tiger', 'bear', 'wolf', 'fox', 'elephant', 'whale', 'shark', 'dolphin', 'puppy', 'kitten'],
  food: ['bread', 'cake', 'pizza', 'pasta', 'rice', 'cookie', 'cookies', 'pie', 'soup', 'salad', 'steak', 'chicken', 'fish', 'muffin', 'muffins', 'pancake', 'pancakes', 'waffle', 'waffles', 'brownie', 'brownies', 'tea', 'coffee', 'beer', 'wine', 'milk', 'egg', 'eggs', 'cheese'],
  color: ['red', 'blue', 'green', 'yellow', 'black', 'white', 'orange', 'purple', 'pink', 'brown', 'grey', 'gray'],
  fixture: ['faucet', 'toilet', 'sink', 'shower', 'bathtub', 'pipe', 'drain', 'roof', 'window', 'door'],
  ailment: ['cold', 'flu', 'allergy', 'allergies', 'covid', 'migraine', 'headache', 'fever', 'diabetes', 'asthma'],
  feeling: ['love', 'loss', 'hate', 'joy', 'grief', 'hope', 'fear', 'anger'],
  weekday: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
  season: ['spring', 'summer', 'autumn', 'fall', 'winter'],
};
const KIND_OF: Record<string, string> = {};
for (const [cat, members] of Object.entries(CATEGORIES)) for (const m of members) KIND_OF[m] = KIND_OF[m] ? KIND_OF[m] : `${cat}:${m.replace(/(ies|s)$/, (x) => (x === 'ies' ? 'y' : ''))}`;

const DIRECTION_WORDS = new Set(['to', 'into', 'in', 'as']);

/** Antonym pairs: each word maps to its pole; prompts must share the same poles. */
const POLES: Record<string, string> = {};
for (const [a, b] of [
  ['increase', 'decrease'], ['increases', 'decreases'], ['raise', 'lower'], ['more', 'less'], ['most', 'least'], ['max', 'min'],
  ['maximum', 'minimum'], ['before', 'after'], ['above', 'below'], ['higher', 'lower'], ['larger', 'smaller'], ['bigger', 'smaller'],
  ['largest', 'smallest'], ['biggest', 'smallest'], ['fastest', 'slowest'], ['faster', 'slower'], ['best', 'worst'], ['better', 'worse'],
  ['buy', 'sell'], ['add', 'remove'], ['enable', 'disable'], ['encrypt', 'decrypt'], ['import', 'export'], ['upload', 'download'],
  ['push', 'pull'], ['start', 'stop'], ['open', 'close'], ['north', 'south'], ['east', 'west'], ['up', 'down'], ['left', 'right'],
  ['win', 'lose'], ['pros', 'cons'], ['advantages', 'disadvantages'], ['benefits', 'drawbacks'], ['true', 'false'], ['oldest', 'newest'],
  ['older', 'newer'], ['first', 'last'], ['hot', 'cold'], ['long', 'short'], ['longest', 'shortest'], ['cheap', 'expensive'],
  ['cheapest', 'most expensive'], ['easy', 'hard'], ['positive', 'negative'], ['input', 'output'], ['compress', 'decompress'],
  ['serialize', 'deserialize'], ['encode', 'decode'], ['ascending', 'descending'], ['lowercase', 'uppercase'], ['male', 'female'],
  ['past', 'future'], ['inside', 'outside'], ['ahead', 'behind'], ['morning', 'evening'], ['summer', 'winter'], ['sunrise', 'sunset'],
  ['heat', 'cool'], ['expand', 'shrink'], ['join', 'split'], ['merge', 'split'], ['create', 'delete'], ['install', 'uninstall'],
  ['lock', 'unlock'], ['connect', 'disconnect'], ['allow', 'deny'], ['accept', 'reject'], ['rise', 'fall'], ['gain', 'lose'],
  ['vegan', 'meat'], ['vegetarian', 'meat'], ['sweet', 'savory'], ['beginner', 'advanced'], ['beginners', 'experts'],
]) {
  POLES[a as string] = `${a}/${b}:a`;
  POLES[b as string] = POLES[b as string] ?? `${a}/${b}:b`;
}

const STOPWORDS: Record<string, readonly string[]> = {
  en: ['the', 'is', 'what', 'how', 'and', 'of', 'to', 'a', 'in', 'do', 'i', 'you', 'can', 'are', 'my', 'for', 'with', 'it', 'does', 'why', 'which'],
  fr: ['le', 'la', 'les', 'est', 'quel', 'quelle', 'comment', 'et', 'de', 'des', 'un', 'une', 'je', 'vous', 'pour', 'avec', 'du', 'que', 'qui', 'en'],
  de: ['der', 'die', 'das', 'ist', 'was', 'wie', 'und', 'von', 'ein', 'eine', 'ich', 'sie', 'für', 'mit', 'welche', 'welcher', 'kann', 'den', 'zu'],
  es: ['el', 'la', 'los', 'las', 'es', 'qué', 'que', 'cómo', 'como', 'y', 'de', 'un', 'una', 'yo', 'para', 'con', 'cuál', 'cual', 'del', 'por'],
  it: ['il', 'lo', 'la', 'gli', 'è', 'che', 'come', 'e', 'di', 'un', 'una', 'io', 'per', 'con', 'qual', 'quale', 'del', 'della'],
  pt: ['o', 'a', 'os', 'as', 'é', 'que', 'como', 'e', 'de', 'um', 'uma', 'eu', 'para', 'com', 'qual', 'do', 'da', 'em'],
  nl: ['de', 'het', 'is', 'wat', 'hoe', 'en', 'van', 'een', 'ik', 'je', 'voor', 'met', 'welke', 'kan', 'zijn'],
};

/** Language by script, then by stopword counts among Latin-script languages. */
export function languageOf(text: string): string {
  if (/[\u3040-\u30ff]/.test(text)) return 'ja';
  if (/[\u4e00-\u9fff]/.test(text)) return 'zh';
  if (/[\uac00-\ud7af]/.test(text)) return 'ko';
  if (/[\u0400-\u04ff]/.test(text)) return 'cyrillic';
  if (/[\u0600-\u06ff]/.test(text)) return 'ar';
  if (/[\u0590-\u05ff]/.test(text)) return 'he';
  if (/[\u0900-\u097f]/.test(text)) return 'hi';
  if (/[\u0370-\u03ff]/.test(text)) return 'el';
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  let best = 'en';
  let bestScore = 0;
  for (const [lang, list] of Object.entries(STOPWORDS)) {
    const set = new Set(list);
    const score = words.filter((w) => set.has(w)).length;
    if (score > bestScore) {
      best = lang;
      bestScore = score;
    }
  }
  return best;
}

function normaliseNumber(raw: string): string {
  const n = Number(raw.replace(/,/g, ''));
  return Number.isFinite(n) ? String(n) : raw;
}

export function signatureOf(text: string): PromptSignature {
  const tokens = text.match(/[\p{L}\p{N}][\p{L}\p{N}'’.,-]*[\p{L}\p{N}]|[\p{L}\p{N}]|[.!?]/gu) ?? [];
  const numbers: string[] = [];
  const entities = new Set<string>();
  const units: string[] = [];
  const poles = new Set<string>();
  const bound: string[] = [];
  const kinds = new Set<string>();
  let lastNumber: string | null = null;
  const words = new Set<string>();
  let negated = false;
  let target: string | null = null;
  let sentenceStart = true;
  let prev = '';
  for (const raw of tokens) {
    if (raw === '.' || raw === '!' || raw === '?') {
      sentenceStart = true;
      continue;
    }
    const tok = raw.replace(/[.,]+$/, '');
    const lower = tok.toLowerCase().replace(/['’]/g, '');
    const bare = lower.replace(/s$/, '');
    words.add(lower);
    words.add(bare);
    const numberHere = numbers.length;
    if (/^\d[\d,]*(\.\d+)?$/.test(tok)) numbers.push(normaliseNumber(tok));
    else if (/\d/.test(tok)) {
      for (const m of tok.match(/\d+(\.\d+)?/g) ?? []) numbers.push(normaliseNumber(m));
      entities.add(lower);
    } else if (NUMBER_WORDS[lower]) numbers.push(NUMBER_WORDS[lower] as string);
    if (NEGATIONS.has(lower) || /n['’]t$/i.test(tok)) negated = true;
    const unit = UNITS[lower];
    if (unit) {
      units.push(unit);
      if (DIRECTION_WORDS.has(prev)) target = unit;
      if (lastNumber !== null) bound.push(`${lastNumber} ${unit}`);
    }
    lastNumber = numbers.length > numberHere ? (numbers[numbers.length - 1] as string) : null;
    const kind = KIND_OF[lower];
    if (kind) kinds.add(kind);
    const pole = POLES[lower];
    if (pole) poles.add(pole);
    const capitalised = /^\p{Lu}/u.test(tok) && tok !== 'I';
    const allCaps = tok.length > 1 && /^[\p{Lu}\d]+$/u.test(tok);
    if ((capitalised && !sentenceStart) || allCaps) entities.add(lower);
    sentenceStart = false;
    prev = lower;
  }
  return {
    numbers: numbers.sort(),
    entities: [...entities].sort(),
    negated,
    lang: languageOf(text),
    units: [...new Set(units)].sort(),
    target: units.length > 1 ? target : null,
    bound: bound.sort(),
    kinds: [...kinds].sort(),
    poles: [...poles].sort(),
    words: [...words].sort(),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Both prompts name one side of the same antonym pair, but not the same side. */
function opposed(a: readonly string[], b: readonly string[]): boolean {
  const pairOf = (p: string) => p.slice(0, p.lastIndexOf(':'));
  const sb = new Set(b);
  return a.some((p) => !sb.has(p) && b.some((q) => pairOf(q) === pairOf(p)));
}

/** Both prompts name a member of the same category, and the members differ (gold vs silver). */
function substituted(a: readonly string[], b: readonly string[]): boolean {
  const catOf = (k: string) => k.slice(0, k.indexOf(':'));
  for (const cat of new Set([...a, ...b].map(catOf))) {
    const ma = a.filter((k) => catOf(k) === cat);
    const mb = b.filter((k) => catOf(k) === cat);
    if (ma.length > 0 && mb.length > 0 && !sameList(ma, mb)) return true;
  }
  return false;
}

/** Each entity of one prompt appears, in any case, in the other (so "france" matches "France"). */
function entitiesShared(a: PromptSignature, b: PromptSignature): boolean {
  const wa = new Set(a.words);
  const wb = new Set(b.words);
  return a.entities.every((e) => wb.has(e) || wb.has(e.replace(/s$/, ''))) && b.entities.every((e) => wa.has(e) || wa.has(e.replace(/s$/, '')));
}

export type GuardVerdict = { ok: true } | { ok: false; reason: 'number' | 'entity' | 'negation' | 'language' | 'unit' | 'polarity' };

/** Whether a cached prompt may answer a new one that is semantically close: every guarded fact must agree. */
export function compatible(a: PromptSignature, b: PromptSignature): GuardVerdict {
  if (a.lang !== b.lang) return { ok: false, reason: 'language' };
  if (!sameList(a.numbers, b.numbers)) return { ok: false, reason: 'number' };
  if (a.negated !== b.negated) return { ok: false, reason: 'negation' };
  if (!sameList(a.bound, b.bound) || a.target !== b.target) return { ok: false, reason: 'unit' };
  if ((a.numbers.length > 0 || a.target !== null) && !sameList(a.units, b.units)) return { ok: false, reason: 'unit' };
  if (opposed(a.poles, b.poles)) return { ok: false, reason: 'polarity' };
  if (substituted(a.kinds, b.kinds)) return { ok: false, reason: 'entity' };
  if (!entitiesShared(a, b)) return { ok: false, reason: 'entity' };
  return { ok: true };
}
