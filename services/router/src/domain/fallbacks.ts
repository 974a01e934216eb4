// Which model groups to try after a group failed, by error kind, from LiteLLM-shaped router_settings.
import type { ProviderErrorKind } from '../providers/types.ts';

/** LiteLLM shape: `[{ "gpt-4o": ["claude-sonnet", "gpt-4o-mini"] }, { "*": ["gpt-4o-mini"] }]`. */
export type FallbackList = ReadonlyArray<Readonly<Record<string, readonly string[]>>>;

/** The fallback part of router_settings, keys as written in config.yaml. */
export interface FallbackSettings {
  fallbacks?: FallbackList | null;
  context_window_fallbacks?: FallbackList | null;
  content_policy_fallbacks?: FallbackList | null;
  /** Used for groups without their own entry (LiteLLM turns it into a `"*"` entry). */
  default_fallbacks?: readonly string[] | null;
  /** How many fallback groups one request may try in total (LiteLLM default 5). */
  max_fallbacks?: number | null;
}

export const DEFAULT_MAX_FALLBACKS = 5;

/** The entry for `group` (exact match wins over `"*"`), or null. */
export function lookupFallbacks(list: FallbackList | null | undefined, group: string): readonly string[] | null {
  if (!list) return null;
  let wildcard: readonly string[] | null = null;
  for (const entry of list) {
    const exact = entry[group];
    if (exact) return exact;
    const star = entry['*'];
    if (star && wildcard === null) wildcard = star;
  }
  return wildcard;
}

/**
 * The model groups to try next after `group` failed with an error of `kind` (null: not a
 * provider error), in order, without groups in `visited` (cycle protection; the failed group
 * itself is always excluded) and without duplicates.
 *
 * - context_window: context_window_fallbacks first, then the general ones;
 * - content_policy: content_policy_fallbacks first, then the general ones;
 * - anything else: the group's `fallbacks` entry, else the `"*"` entry, else default_fallbacks.
 */
export function fallbackGroups(
  group: string,
  kind: ProviderErrorKind | null,
  settings: FallbackSettings,
  visited: ReadonlySet<string> = new Set(),
): string[] {
  const general = lookupFallbacks(settings.fallbacks, group) ?? settings.default_fallbacks ?? [];
  const specific =
    kind === 'context_window'
      ? lookupFallbacks(settings.context_window_fallbacks, group)
      : kind === 'content_policy'
        ? lookupFallbacks(settings.content_policy_fallbacks, group)
        : null;
  const out: string[] = [];
  const seen = new Set<string>([...visited, group]);
  for (const g of [...(specific ?? []), ...general]) {
    if (seen.has(g)) continue;
    seen.add(g);
    out.push(g);
  }
  return out;
}
