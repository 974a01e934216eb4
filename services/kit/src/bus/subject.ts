// Subject syntax shared by the adapters: dot-separated tokens, `*` matches one token, `>` the rest.

export function isWildcard(subject: string): boolean {
  return subject.includes('*') || subject.includes('>');
}

/** Throws on an empty subject, empty tokens, whitespace or a misplaced wildcard. */
export function assertValidSubject(subject: string, allowWildcards: boolean): void {
  const tokens = subject.split('.');
  const bad =
    subject.length === 0 ||
    /\s/.test(subject) ||
    tokens.some(
      (t, i) =>
        t.length === 0 ||
        (t !== '*' && t !== '>' && (t.includes('*') || t.includes('>'))) ||
        ((t === '*' || t === '>') && !allowWildcards) ||
        (t === '>' && i !== tokens.length - 1),
    );
  if (bad) throw new TypeError(`invalid bus subject "${subject}"`);
}

/** True when `subject` (split into tokens) matches the wildcard `pattern` (split into tokens). */
export function matchTokens(pattern: readonly string[], subject: readonly string[]): boolean {
  const n = pattern.length;
  for (let i = 0; i < n; i++) {
    const p = pattern[i];
    if (p === '>') return subject.length > i;
    if (i >= subject.length) return false;
    if (p !== '*' && p !== subject[i]) return false;
  }
  return subject.length === n;
}
