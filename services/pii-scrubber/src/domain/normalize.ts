// Undoes common obfuscation before matching: NFKC, zero-width characters, homoglyphs, spacing.

const ZERO_WIDTH = /[\u200B-\u200F\u2060-\u2064\uFEFF\u00AD\u180E]|\u034F/g;

/** Look-alike letters (Cyrillic, Greek) folded to their Latin twins. */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ɡ: 'g', һ: 'h', ӏ: 'l', ԛ: 'q', ԝ: 'w',
  α: 'a', ε: 'e', ι: 'i', ο: 'o', ν: 'v', κ: 'k', τ: 't', ρ: 'p', υ: 'u', χ: 'x', ѵ: 'v',
  Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'i', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p', Τ: 't', Υ: 'y', Χ: 'x',
  А: 'a', В: 'b', Е: 'e', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p', С: 'c', Т: 't', Х: 'x', І: 'i',
};
const HOMOGLYPH_RE = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`, 'g');
const NON_LATIN = /[\u0370-\u052F]/;
const MIXED_WORD = /(?=[\p{L}]*\p{Script=Latin})(?=[\p{L}]*[\p{Script=Cyrillic}\p{Script=Greek}])[\p{L}]{2,}/u;

export interface Normalized {
  text: string;
  /** Zero-width characters removed. */
  zeroWidth: number;
  /** A word mixed Latin with Cyrillic/Greek letters (a homoglyph trick). */
  mixedScript: boolean;
  /** Leetspeak digits folded to letters, or letters spaced apart joined (an obfuscation trick). */
  folded: boolean;
}

const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };
/** A word of letters with leet digits inside (pr3v10us), not numbers, versions or codes like "b2b". */
const LEET_WORD = /\b(?=[a-z0-9@$]*[a-z])(?=(?:[a-z@$]*[013457]){2})[a-z0-9@$]{4,}\b/g;
/** Five or more single letters spaced apart: "i g n o r e". Words are separated by wider gaps. */
const SPACED = /\b(?:[a-z] ){4,}[a-z]\b/g;

function fold(text: string): string {
  return text.replace(LEET_WORD, (w) => w.replace(/[013457@$]/g, (c) => LEET[c] ?? c)).replace(SPACED, (run) => run.replace(/ /g, ''));
}

export function normalizeForMatching(raw: string): Normalized {
  // eslint-disable-next-line no-control-regex
  let text = /[^\x00-\x7f]/.test(raw) ? raw.normalize('NFKC') : raw;
  let zeroWidth = 0;
  // Typographic apostrophes (l’assistente, don’t) as the ASCII one the rules are written with.
  text = text.replace(/[\u2018\u2019\u02BC]/g, "'");
  text = text.replace(ZERO_WIDTH, () => {
    zeroWidth++;
    return '';
  });
  // The script-property regex is costly: run it only when Greek or Cyrillic letters are present at all.
  const mixedScript = NON_LATIN.test(text) && MIXED_WORD.test(text);
  if (mixedScript) text = text.replace(HOMOGLYPH_RE, (c) => HOMOGLYPHS[c] ?? c);
  const lower = text.toLowerCase();
  // Letter-by-letter spacing keeps its wide word gaps until the letters are joined.
  const unfolded = fold(lower);
  text = unfolded.replace(/[ \t]{2,}|\t/g, ' ');
  return { text, zeroWidth, mixedScript, folded: unfolded !== lower };
}
