// Post-call PII scrubbing of a streamed answer: findings may span chunk boundaries, so the tail is held back.
import type { Finding } from './recognizers.ts';

export interface PiiStreamOptions {
  /** Characters always held back: an entity may still grow into them (longer than any entity with spaces). */
  holdChars: number;
  /** Already-sent characters kept as context for the recognizers' context words ("call me at …"). */
  contextChars: number;
  /** A run without whitespace is held until it ends, up to this many characters. */
  maxHeldChars: number;
}

const DEFAULTS: PiiStreamOptions = { holdChars: 64, contextChars: 48, maxHeldChars: 2048 };
const SPACE = /\s/;

/**
 * One choice's stream. Text is sent only up to a cut that lies on whitespace, at least `holdChars` before the
 * end of what has arrived, and outside every finding; so a value is sent either whole and scrubbed or not yet.
 */
export class PiiStream {
  private held = '';
  private context = '';
  private readonly o: PiiStreamOptions;

  constructor(
    private readonly scan: (text: string) => Finding[],
    private readonly render: (text: string, findings: readonly Finding[]) => string,
    options: Partial<PiiStreamOptions> = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  /** Feeds a delta; returns the scrubbed text that can be sent now. `final` releases everything. */
  push(text: string, final = false): string {
    const buf = this.held + text;
    if (!final && buf.length <= this.o.holdChars) {
      this.held = buf;
      return '';
    }
    const ctx = this.context.length;
    // Findings inside the context were handled when it was sent; one reaching into `buf` is scrubbed from there on.
    const findings = this.scan(this.context + buf)
      .filter((f) => f.end > ctx)
      .map((f) => ({ ...f, start: Math.max(0, f.start - ctx), end: f.end - ctx }));
    const cut = final ? buf.length : this.cutOf(buf, findings);
    if (cut <= 0) {
      this.held = buf;
      return '';
    }
    const sent = buf.slice(0, cut);
    this.held = buf.slice(cut);
    this.context = (this.context + sent).slice(-this.o.contextChars);
    return this.render(sent, findings.filter((f) => f.end <= cut));
  }

  private cutOf(buf: string, findings: readonly Finding[]): number {
    let cut = -1;
    for (let i = buf.length - this.o.holdChars; i > 0; i--) {
      if (SPACE.test(buf[i] ?? '')) {
        cut = i;
        break;
      }
    }
    if (cut < 0) {
      if (buf.length <= this.o.maxHeldChars) return 0;
      cut = buf.length - this.o.holdChars;
    }
    // Never inside a finding: move the cut to its start (findings are sorted and do not overlap).
    for (let i = findings.length - 1; i >= 0; i--) {
      const f = findings[i] as Finding;
      if (f.start < cut && cut < f.end) cut = f.start;
    }
    return cut;
  }

  /** Characters currently held back (for tests). */
  get holding(): number {
    return this.held.length;
  }
}
