// Bounded label values: each label dimension admits a fixed number of distinct values, the rest become 'other'.

export const OTHER_LABEL = 'other';
const MAX_VALUE_LENGTH = 64;

export interface LabelLimiter {
  /** The value to export for `raw`: itself while there is room (or already seen), else 'other'. */
  value(raw: string): string;
  readonly size: number;
}

export function createLabelLimiter({ options }: { options: { maxValues: number } }): LabelLimiter {
  const seen = new Set<string>();
  return {
    value(raw) {
      const v = raw.length > MAX_VALUE_LENGTH ? raw.slice(0, MAX_VALUE_LENGTH) : raw;
      if (seen.has(v)) return v;
      if (seen.size >= options.maxValues) return OTHER_LABEL;
      seen.add(v);
      return v;
    },
    get size() {
      return seen.size;
    },
  };
}
