// Built-in restricted-content categories for the output filter: small, precise patterns with bounded length.
import type { DenyPattern } from './stream-text.ts';

export const RESTRICTED_CATEGORIES: Readonly<Record<string, readonly DenyPattern[]>> = {
  weapons: [
    {
      label: 'weapons',
      regex: /\b(?:how to|steps to|instructions (?:for|to)) (?:make|build|assemble|synthesi[sz]e)\b[^.\n]{0,30}\b(?:pipe bomb|explosive device|nerve agent|sarin|ricin|napalm)/i,
      maxChars: 100,
    },
  ],
  self_harm: [{ label: 'self_harm', regex: /\b(?:best|easiest|painless) (?:way|method)s? to (?:kill|hurt|harm) (?:myself|yourself)\b/i, maxChars: 60 }],
  credentials: [
    {
      label: 'credentials',
      regex: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{30}/,
      maxChars: 40,
    },
  ],
  us_ssn: [{ label: 'us_ssn', regex: /(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)/, maxChars: 11 }],
};

export function isRestrictedCategory(s: string): boolean {
  return Object.hasOwn(RESTRICTED_CATEGORIES, s);
}
