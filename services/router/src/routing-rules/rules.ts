// Routing rules: compiled once from router_settings.routing_rules; the first rule whose conditions all hold wins.
import type { RoutingRuleConfig } from '@ai-gateway/kit';
import type { RequestFacts } from './facts.ts';

export interface CompiledRule {
  name: string;
  routeTo: string;
  /** Virtual model names it serves; null = all. */
  models: ReadonlySet<string> | null;
  test(facts: RequestFacts): boolean;
}

const list = (v: string | string[] | undefined): string[] | null => (v === undefined ? null : (Array.isArray(v) ? v : [v]));

/** Compiles the rules; an invalid regular expression fails here (start-up), never per request. */
export function compileRules(rules: readonly RoutingRuleConfig[]): CompiledRule[] {
  return rules.map((rule, index) => {
    const m = rule.match;
    const tasks = list(m.task ?? m['metadata.task'])?.map((t) => t.toLowerCase()) ?? null;
    const keyAliases = list(m.key_alias);
    const keyIds = list(m.key_id);
    const teams = list(m.team_id);
    const regexes = (list(m.last_user_regex) ?? []).map((source) => {
      try {
        return new RegExp(source, 'i');
      } catch (err) {
        throw new Error(`router_settings.routing_rules[${index}].match.last_user_regex is not a valid regular expression: ${(err as Error).message}`);
      }
    });
    const checks: Array<(f: RequestFacts) => boolean> = [];
    if (tasks) checks.push((f) => f.task !== null && tasks.includes(f.task));
    if (keyAliases) checks.push((f) => f.tenant.keyAlias !== null && keyAliases.includes(f.tenant.keyAlias));
    if (keyIds) checks.push((f) => f.tenant.keyId !== null && keyIds.includes(f.tenant.keyId));
    if (teams) checks.push((f) => f.tenant.teamId !== null && teams.includes(f.tenant.teamId));
    if (m.has_tools !== undefined) checks.push((f) => f.hasTools === m.has_tools);
    if (regexes.length > 0) checks.push((f) => regexes.some((re) => re.test(f.lastUser)));
    // Token counts last: they are the only costly condition.
    if (m.min_prompt_tokens !== undefined) checks.push((f) => f.promptTokens() >= (m.min_prompt_tokens as number));
    if (m.max_prompt_tokens !== undefined) checks.push((f) => f.promptTokens() <= (m.max_prompt_tokens as number));
    return {
      name: rule.name ?? `rule${index}`,
      routeTo: rule.route_to,
      models: rule.models ? new Set(rule.models) : null,
      test: (f) => checks.every((c) => c(f)),
    };
  });
}

export function firstMatch(rules: readonly CompiledRule[], model: string, facts: RequestFacts, virtual: boolean): CompiledRule | null {
  for (const r of rules) {
    // Rules scoped to named virtual models never apply to an explicit model.
    if (r.models && !(virtual && r.models.has(model))) continue;
    if (r.test(facts)) return r;
  }
  return null;
}
