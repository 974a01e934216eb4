// Replaces findings in a text by the configured action: mask, redact, hash or a consistent pseudonym.
import { createHmac } from 'node:crypto';
import type { EntityType, Finding } from './recognizers.ts';

export const PII_ACTIONS = ['mask', 'redact', 'hash', 'pseudonymize', 'block'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

/** One request's pseudonyms: the same value always gets the same placeholder, across all its messages. */
export class Pseudonyms {
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<EntityType, number>();

  placeholderFor(entity: EntityType, value: string): string {
    const key = `${entity}\u0000${value}`;
    let p = this.byValue.get(key);
    if (p === undefined) {
      const n = (this.counters.get(entity) ?? 0) + 1;
      this.counters.set(entity, n);
      p = `<${entity}_${n}>`;
      this.byValue.set(key, p);
    }
    return p;
  }

  get size(): number {
    return this.byValue.size;
  }

  /** placeholder → original value, for restoring the answer. */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, p] of this.byValue) out[p] = key.slice(key.indexOf('\u0000') + 1);
    return out;
  }
}

export interface AnonymizeContext {
  actionOf(entity: EntityType): PiiAction;
  pseudonyms: Pseudonyms;
  /** HMAC key for `hash`, so hashes of short values (phone numbers) cannot be looked up in a table. */
  hashKey: string;
}

function replacement(f: Finding, value: string, ctx: AnonymizeContext): string {
  switch (ctx.actionOf(f.entity)) {
    case 'redact':
      return '';
    case 'hash':
      return `<${f.entity}:${createHmac('sha256', ctx.hashKey).update(value).digest('hex').slice(0, 16)}>`;
    case 'pseudonymize':
      return ctx.pseudonyms.placeholderFor(f.entity, value);
    default:
      return `<${f.entity}>`;
  }
}

/** Applies the findings (sorted, non-overlapping) to the text. */
export function anonymize(text: string, findings: readonly Finding[], ctx: AnonymizeContext): string {
  if (findings.length === 0) return text;
  let out = '';
  let at = 0;
  for (const f of findings) {
    out += text.slice(at, f.start) + replacement(f, text.slice(f.start, f.end), ctx);
    at = f.end;
  }
  return out + text.slice(at);
}
