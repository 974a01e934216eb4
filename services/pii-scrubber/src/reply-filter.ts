// The post-call side, run where replies are made: restores pseudonyms and applies output filters, streams included.
import { GatewayError, type FilterOutcome, type GuardrailVerdict, type ReplyFilter, type ReplyFilterFactory } from '@ai-gateway/kit';
import { GUARDRAILS_METADATA, activeGuardrails, parseOverrides, type GuardrailPolicy, type OutputGuardrail, type TenantGuardrails } from './domain/policy.ts';
import { DenyStream, PlaceholderRestorer } from './domain/stream-text.ts';
import { PII_MAP_METADATA } from './stage.ts';

interface ChoiceState {
  restorer: PlaceholderRestorer | null;
  filters: Array<{ guardrail: OutputGuardrail; stream: DenyStream }>;
}

function parseMap(raw: string | undefined): Record<string, string> | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== 'object') return null;
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x;
    return Object.keys(out).length > 0 ? out : null;
  } catch {
    return null;
  }
}

function blocked(g: OutputGuardrail, label: string): FilterOutcome<string> {
  const verdict: GuardrailVerdict = { guardrail: g.name, action: 'block', categories: [label], score: 1 };
  const error = new GatewayError('guardrail_violation', { params: { detail: `The response was blocked by guardrail "${g.name}" (${label})` } });
  return { ok: false, error, verdict };
}

export function createGuardrailReplyFilter({ deps }: { deps: { policy: GuardrailPolicy; tenantGuardrails?: TenantGuardrails } }): ReplyFilterFactory {
  return (env) => {
    const map = parseMap(env.metadata[PII_MAP_METADATA]);
    const outputs = deps.policy.hasPostCall
      ? activeGuardrails(deps.policy, deps.tenantGuardrails?.({ keyId: env.tenant.keyId, teamId: env.tenant.teamId }) ?? {}, parseOverrides(env.metadata[GUARDRAILS_METADATA])).filter(
          (g): g is OutputGuardrail => g.kind === 'output_filter',
        )
      : [];
    if (!map && outputs.length === 0) return null;
    const choices = new Map<number, ChoiceState>();
    const verdicts: GuardrailVerdict[] = [];
    const stateOf = (i: number): ChoiceState => {
      let s = choices.get(i);
      if (!s) choices.set(i, (s = { restorer: map ? new PlaceholderRestorer(map) : null, filters: outputs.map((g) => ({ guardrail: g, stream: new DenyStream(g.matcher) })) }));
      return s;
    };
    const run = (i: number, text: string, final: boolean): FilterOutcome<string> => {
      const s = stateOf(i);
      let out = s.restorer ? s.restorer.push(text, final) : text;
      for (const f of s.filters) {
        const r = f.stream.push(out, final);
        if (typeof r !== 'string') {
          const b = blocked(f.guardrail, r.blocked);
          if (!b.ok) verdicts.push(b.verdict);
          return b;
        }
        out = r;
      }
      return { ok: true, value: out };
    };
    const filter: ReplyFilter = {
      text: (i, text) => {
        choices.delete(i);
        const r = run(i, text, true);
        choices.delete(i);
        return r;
      },
      delta: (i, text) => run(i, text, false),
      flush: (i) => run(i, '', true),
      verdicts: () => verdicts,
    };
    return filter;
  };
}
