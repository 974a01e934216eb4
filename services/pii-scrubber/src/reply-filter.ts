// The post-call side, run where replies are made: scrubs PII of post_call guardrails, restores pseudonyms and
// applies output filters, to whole answers and to streams (across chunk boundaries).
import { GatewayError, type FilterOutcome, type GuardrailVerdict, type ReplyFilter, type ReplyFilterFactory } from '@ai-gateway/kit';
import { analyze } from './domain/analyzer.ts';
import { Pseudonyms, anonymize, type PiiAction } from './domain/anonymize.ts';
import { PiiStream } from './domain/pii-stream.ts';
import { guardrailsFor, isPostCall, type GuardrailPolicy, type OutputGuardrail, type PiiGuardrail, type TenantGuardrails } from './domain/policy.ts';
import type { EntityType, Finding } from './domain/recognizers.ts';
import { DenyStream, PlaceholderRestorer } from './domain/stream-text.ts';
import { PII_MAP_METADATA } from './stage.ts';

/** One post_call PII guardrail of one request: what it found (for its verdict) and how it renders findings. */
class ResponseScrubber {
  readonly found = new Map<EntityType, number>();
  blocked: EntityType | null = null;
  private readonly ctx: { actionOf: (e: EntityType) => PiiAction; pseudonyms: Pseudonyms; hashKey: string };

  constructor(readonly guardrail: PiiGuardrail) {
    // Nobody restores a pseudonym in the answer: post-call it is a mask.
    const actionOf = (e: EntityType): PiiAction => {
      const a = guardrail.actions[e] ?? guardrail.defaultAction;
      return a === 'pseudonymize' ? 'mask' : a;
    };
    this.ctx = { actionOf, pseudonyms: new Pseudonyms(), hashKey: guardrail.hashKey };
  }

  readonly scan = (text: string): Finding[] => analyze(text, { entities: this.guardrail.entities, thresholds: this.guardrail.thresholds });

  readonly render = (text: string, findings: readonly Finding[]): string => {
    for (const f of findings) {
      this.found.set(f.entity, Math.max(this.found.get(f.entity) ?? 0, f.score));
      if (this.ctx.actionOf(f.entity) === 'block') this.blocked ??= f.entity;
    }
    return anonymize(text, findings, this.ctx);
  };

  verdict(): GuardrailVerdict {
    const categories = [...this.found.keys()];
    const action = this.blocked ? 'block' : categories.length > 0 ? 'mask' : 'pass';
    return { guardrail: this.guardrail.name, action, categories, score: Math.max(0, ...this.found.values()) };
  }
}

interface ChoiceState {
  pii: PiiStream[];
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

function blockedBy(name: string, label: string, what: string): FilterOutcome<string> & { ok: false } {
  const verdict: GuardrailVerdict = { guardrail: name, action: 'block', categories: [label], score: 1 };
  const error = new GatewayError('guardrail_violation', { params: { detail: `The response was blocked by guardrail "${name}" (${what})` } });
  return { ok: false, error, verdict };
}

export function createGuardrailReplyFilter({ deps }: { deps: { policy: GuardrailPolicy; tenantGuardrails?: TenantGuardrails } }): ReplyFilterFactory {
  return (env) => {
    const map = parseMap(env.metadata[PII_MAP_METADATA]);
    const post = deps.policy.hasPostCall ? guardrailsFor(deps.policy, env, deps.tenantGuardrails).filter(isPostCall) : [];
    if (!map && post.length === 0) return null;
    const outputs = post.filter((g): g is OutputGuardrail => g.kind === 'output_filter');
    const scrubbers = post.filter((g): g is PiiGuardrail => g.kind === 'pii').map((g) => new ResponseScrubber(g));
    const choices = new Map<number, ChoiceState>();
    const verdicts: GuardrailVerdict[] = [];
    const stateOf = (i: number): ChoiceState => {
      let s = choices.get(i);
      if (!s) {
        s = {
          pii: scrubbers.map((sc) => new PiiStream(sc.scan, sc.render)),
          restorer: map ? new PlaceholderRestorer(map) : null,
          filters: outputs.map((g) => ({ guardrail: g, stream: new DenyStream(g.matcher) })),
        };
        choices.set(i, s);
      }
      return s;
    };
    const fail = (b: FilterOutcome<string> & { ok: false }): FilterOutcome<string> => {
      verdicts.push(b.verdict);
      return b;
    };
    // Order: scrub what the provider wrote, then restore the user's own values, then the output filters.
    const run = (i: number, text: string, final: boolean): FilterOutcome<string> => {
      const s = stateOf(i);
      let out = text;
      for (const [k, p] of s.pii.entries()) {
        out = p.push(out, final);
        const sc = scrubbers[k] as ResponseScrubber;
        if (sc.blocked) return fail(blockedBy(sc.guardrail.name, sc.blocked, `it contains ${sc.blocked}`));
      }
      if (s.restorer) out = s.restorer.push(out, final);
      for (const f of s.filters) {
        const r = f.stream.push(out, final);
        if (typeof r !== 'string') return fail(blockedBy(f.guardrail.name, r.blocked, r.blocked));
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
      verdicts: () => [...scrubbers.filter((sc) => !sc.blocked).map((sc) => sc.verdict()), ...verdicts],
    };
    return filter;
  };
}
