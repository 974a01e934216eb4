// Streaming text transforms that must see across chunk boundaries: pseudonym restore and deny-pattern matching.

/** Restores `<ENTITY_n>` placeholders to their originals, holding back only a possible placeholder prefix. */
export class PlaceholderRestorer {
  private readonly map: ReadonlyMap<string, string>;
  private readonly maxLen: number;
  private held = '';

  constructor(map: Record<string, string>) {
    this.map = new Map(Object.entries(map));
    this.maxLen = Math.max(0, ...[...this.map.keys()].map((k) => k.length));
  }

  private isPrefix(tail: string): boolean {
    if (tail.length >= this.maxLen) return false;
    for (const k of this.map.keys()) if (k.startsWith(tail)) return true;
    return false;
  }

  /** Feeds text; returns what can be sent now. `final` releases everything. */
  push(text: string, final = false): string {
    const buf = this.held + text;
    this.held = '';
    let out = '';
    let i = 0;
    for (;;) {
      const lt = buf.indexOf('<', i);
      if (lt < 0) return out + buf.slice(i);
      out += buf.slice(i, lt);
      const gt = buf.indexOf('>', lt);
      if (gt < 0) {
        const tail = buf.slice(lt);
        if (!final && this.isPrefix(tail)) {
          this.held = tail;
          return out;
        }
      } else {
        const original = this.map.get(buf.slice(lt, gt + 1));
        if (original !== undefined) {
          out += original;
          i = gt + 1;
          continue;
        }
      }
      out += '<';
      i = lt + 1;
    }
  }

  /** Characters currently held back (for tests). */
  get holding(): number {
    return this.held.length;
  }
}

export interface DenyPattern {
  /** What the verdict reports: a category name or `custom`. */
  label: string;
  /** Literal term (matched case-insensitively on word boundaries) or a regex. */
  term?: string;
  regex?: RegExp;
  /** Longest text a regex can match; bounds what a stream holds back for it. */
  maxChars?: number;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD = String.raw`[\p{L}\p{N}_]`;

/** Compiled deny list shared by all requests of one guardrail. */
export class DenyMatcher {
  private readonly open: RegExp | null;
  private readonly closed: RegExp | null;
  private readonly termLabels: Map<string, string>;
  private readonly terms: string[];
  private readonly regexes: Array<{ re: RegExp; label: string }>;
  /** Longest literal term, and the hold-back a regex needs (its maxChars − 1). */
  readonly longestTerm: number;
  private readonly regexHold: number;

  constructor(patterns: readonly DenyPattern[]) {
    this.terms = patterns.filter((p) => p.term).map((p) => (p.term ?? '').toLowerCase());
    this.termLabels = new Map(patterns.filter((p) => p.term).map((p) => [(p.term ?? '').toLowerCase(), p.label]));
    const alt = this.terms.map(esc).join('|');
    // `open` needs a real character after the term (mid-stream); `closed` also accepts the end of the text.
    this.open = alt ? new RegExp(`(?<!${WORD})(?:${alt})(?=[^\\p{L}\\p{N}_])`, 'iu') : null;
    this.closed = alt ? new RegExp(`(?<!${WORD})(?:${alt})(?!${WORD})`, 'iu') : null;
    this.regexes = patterns.filter((p) => p.regex).map((p) => ({ re: p.regex as RegExp, label: p.label }));
    this.longestTerm = Math.max(0, ...this.terms.map((t) => t.length));
    this.regexHold = Math.max(0, ...patterns.filter((p) => p.regex).map((p) => (p.maxChars ?? 64) - 1));
  }

  /** The label of the first pattern found in `text`, or null. `final` when no more text follows. */
  find(text: string, final: boolean): string | null {
    const re = final ? this.closed : this.open;
    const m = re?.exec(text);
    if (m) return this.termLabels.get(m[0].toLowerCase()) ?? 'custom';
    for (const r of this.regexes) if (r.re.test(text)) return r.label;
    return null;
  }

  /** How many trailing characters of `text` might still become a match once more text arrives. */
  holdBack(text: string): number {
    let hold = Math.min(this.regexHold, text.length);
    const lower = text.slice(-this.longestTerm).toLowerCase();
    for (let n = Math.min(this.longestTerm, lower.length); n > hold; n--) {
      const tail = lower.slice(lower.length - n);
      if (this.terms.some((t) => t.startsWith(tail))) {
        hold = n;
        break;
      }
    }
    return hold;
  }
}

/** One choice's stream through a DenyMatcher. */
export class DenyStream {
  private held = '';
  /** The tail of what was already sent (longest term + 1 chars): a term may start there and a boundary is known. */
  private before = '';

  constructor(private readonly matcher: DenyMatcher) {}

  /** Returns the text to send, or `{ blocked: label }`. */
  push(text: string, final = false): string | { blocked: string } {
    const buf = this.before + this.held + text;
    const hit = this.matcher.find(buf, final);
    if (hit !== null) return { blocked: hit };
    const body = buf.slice(this.before.length);
    const hold = final ? 0 : this.matcher.holdBack(body);
    const send = body.slice(0, body.length - hold);
    this.held = body.slice(body.length - hold);
    if (send.length > 0) this.before = (this.before + send).slice(-(this.matcher.longestTerm + 1));
    return send;
  }

  get holding(): number {
    return this.held.length;
  }
}
