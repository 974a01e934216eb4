// The guardrails of a gateway, from the LiteLLM-style `guardrails:` list, and which of them apply to a request.
import { TENANT_GUARDRAILS_METADATA, decodeGrantGuardrails, type GuardrailConfig } from '@ai-gateway/kit';
import { PII_ACTIONS, type PiiAction } from './anonymize.ts';
import { RESTRICTED_CATEGORIES, isRestrictedCategory } from './categories.ts';
import { ENTITY_TYPES, isEntityType, type EntityType } from './recognizers.ts';
import { DenyMatcher, type DenyPattern } from './stream-text.ts';

interface GuardrailBase {
  name: string;
  defaultOn: boolean;
  /** `enforced: true`: a request cannot switch it off (key/team settings still can). */
  enforced: boolean;
}
export interface PiiGuardrail extends GuardrailBase {
  kind: 'pii';
  entities: ReadonlySet<EntityType>;
  actions: Readonly<Partial<Record<EntityType, PiiAction>>>;
  defaultAction: PiiAction;
  thresholds: Partial<Record<EntityType | 'default', number>>;
  hashKey: string;
  /** `mode` pre_call/during_call: the request is scrubbed; post_call: the response is (both when listed). */
  preCall: boolean;
  postCall: boolean;
}
export interface InjectionGuardrail extends GuardrailBase {
  kind: 'prompt_injection';
  action: 'block' | 'flag';
  /** null: the detector's own threshold (rules 0.5; the learned heads carry theirs). */
  threshold: number | null;
  /** `rules`, or a learned head over the local embedding model (`hybrid` by default; rules when it is absent). */
  detector: 'rules' | 'embedding' | 'hybrid';
  /** Local embedding model directory (default: the cache's `embedding_model_dir`, then the default model). */
  embeddingModelDir: string | null;
}
export interface OutputGuardrail extends GuardrailBase {
  kind: 'output_filter';
  matcher: DenyMatcher;
}
export type Guardrail = PiiGuardrail | InjectionGuardrail | OutputGuardrail;

export interface GuardrailPolicy {
  readonly guardrails: readonly Guardrail[];
  /** True when some guardrail runs before the call (the `pii` stage belongs on the slip). */
  readonly hasPreCall: boolean;
  readonly hasPostCall: boolean;
}

const PII_VENDORS = ['presidio', 'pii', 'pii_masking'];
const SECRET_VENDORS = ['hide-secrets', 'hide_secrets'];
const INJECTION_VENDORS = ['prompt_injection', 'detect_prompt_injection'];
const OUTPUT_VENDORS = ['output_filter', 'content_filter', 'litellm_content_filter'];
/** Every vendor name this package implements (kit's IMPLEMENTED_GUARDRAILS must list them). */
export const GUARDRAIL_VENDORS: readonly string[] = [...PII_VENDORS, ...SECRET_VENDORS, ...INJECTION_VENDORS, ...OUTPUT_VENDORS];

/** Presidio entity names we accept as aliases of ours. */
const ENTITY_ALIASES: Readonly<Record<string, EntityType>> = { IBAN: 'IBAN_CODE', SSN: 'US_SSN', PHONE: 'PHONE_NUMBER', EMAIL: 'EMAIL_ADDRESS', IP: 'IP_ADDRESS', SECRET: 'API_KEY', ADDRESS: 'STREET_ADDRESS', DOB: 'DATE_OF_BIRTH' };

class GuardrailConfigError extends Error {
  constructor(name: string, detail: string) {
    super(`guardrails: "${name}": ${detail}`);
    this.name = 'GuardrailConfigError';
  }
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

function entityOf(name: string, raw: string): EntityType {
  const up = raw.toUpperCase();
  const e = isEntityType(up) ? up : ENTITY_ALIASES[up];
  if (!e) throw new GuardrailConfigError(name, `unknown entity "${raw}" (known: ${ENTITY_TYPES.join(', ')})`);
  return e;
}

function actionOf(name: string, raw: unknown): PiiAction {
  const a = String(raw).toLowerCase().replace('pseudonymise', 'pseudonymize');
  if (!(PII_ACTIONS as readonly string[]).includes(a)) throw new GuardrailConfigError(name, `unknown action "${String(raw)}" (use ${PII_ACTIONS.join(', ')})`);
  return a as PiiAction;
}

function piiFrom(g: GuardrailConfig, secretsOnly: boolean): PiiGuardrail {
  const p = g.litellm_params as Record<string, unknown>;
  const name = g.guardrail_name;
  const defaultAction = actionOf(name, p['default_action'] ?? p['pii_default_action'] ?? 'mask');
  const actions: Partial<Record<EntityType, PiiAction>> = {};
  for (const [k, v] of Object.entries(obj(p['pii_entities_config']))) actions[entityOf(name, k)] = actionOf(name, v);
  const listed = Object.keys(actions) as EntityType[];
  const entities = new Set<EntityType>(secretsOnly ? ['API_KEY'] : listed.length > 0 ? listed : ENTITY_TYPES);
  const thresholds: Partial<Record<EntityType | 'default', number>> = {};
  for (const [k, v] of Object.entries({ ...obj(p['presidio_score_thresholds']), ...obj(p['pii_score_thresholds']) })) {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new GuardrailConfigError(name, `threshold of ${k} must be between 0 and 1`);
    thresholds[k === 'ALL' || k === 'default' ? 'default' : entityOf(name, k)] = n;
  }
  const hashKey = typeof p['hash_key'] === 'string' ? p['hash_key'] : `ai-gateway:${name}`;
  const modes = strings(g.litellm_params.mode);
  for (const m of modes) if (!['pre_call', 'during_call', 'post_call'].includes(m)) throw new GuardrailConfigError(name, `unknown mode "${m}" (use pre_call, during_call or post_call)`);
  const postCall = modes.includes('post_call');
  const preCall = !postCall || modes.some((m) => m !== 'post_call');
  return { kind: 'pii', name, defaultOn: g.litellm_params.default_on, enforced: p['enforced'] === true, entities, actions, defaultAction, thresholds, hashKey, preCall, postCall };
}

function injectionFrom(g: GuardrailConfig): InjectionGuardrail {
  const p = g.litellm_params as Record<string, unknown>;
  const action = String(p['action'] ?? 'block');
  if (action !== 'block' && action !== 'flag') throw new GuardrailConfigError(g.guardrail_name, `action must be block or flag, got "${action}"`);
  const threshold = p['threshold'] === undefined || p['threshold'] === null ? null : Number(p['threshold']);
  if (threshold !== null && !(threshold > 0 && threshold <= 1)) throw new GuardrailConfigError(g.guardrail_name, 'threshold must be in (0, 1]');
  const detector = String(p['detector'] ?? 'hybrid');
  if (detector !== 'rules' && detector !== 'embedding' && detector !== 'hybrid') throw new GuardrailConfigError(g.guardrail_name, `detector must be rules, embedding or hybrid, got "${detector}"`);
  const dir = p['embedding_model_dir'];
  const embeddingModelDir = typeof dir === 'string' && dir ? dir : null;
  return { kind: 'prompt_injection', name: g.guardrail_name, defaultOn: g.litellm_params.default_on, enforced: p['enforced'] === true, action, threshold, detector, embeddingModelDir };
}

function outputFrom(g: GuardrailConfig): OutputGuardrail {
  const p = g.litellm_params as Record<string, unknown>;
  const name = g.guardrail_name;
  const patterns: DenyPattern[] = [];
  for (const t of [...strings(p['deny_terms']), ...strings(p['blocked_words'])]) if (t.trim()) patterns.push({ label: 'custom', term: t.trim() });
  for (const raw of [...(Array.isArray(p['deny_patterns']) ? p['deny_patterns'] : []), ...(Array.isArray(p['patterns']) ? p['patterns'] : [])]) {
    const spec = typeof raw === 'string' ? { regex: raw } : obj(raw);
    const source = String(spec['regex'] ?? spec['pattern'] ?? '');
    try {
      const maxChars = Number(spec['max_chars'] ?? 64);
      patterns.push({ label: String(spec['name'] ?? 'custom'), regex: new RegExp(source, 'iu'), maxChars });
    } catch (err) {
      throw new GuardrailConfigError(name, `invalid regex ${JSON.stringify(source)}: ${(err as Error).message}`);
    }
  }
  for (const c of strings(p['categories'])) {
    if (!isRestrictedCategory(c)) throw new GuardrailConfigError(name, `unknown category "${c}" (known: ${Object.keys(RESTRICTED_CATEGORIES).join(', ')})`);
    patterns.push(...(RESTRICTED_CATEGORIES[c] ?? []));
  }
  if (patterns.length === 0) throw new GuardrailConfigError(name, 'an output_filter needs deny_terms, deny_patterns or categories');
  return { kind: 'output_filter', name, defaultOn: g.litellm_params.default_on, enforced: p['enforced'] === true, matcher: new DenyMatcher(patterns) };
}

/** Runs on the request (the `pii` stage). */
export const isPreCall = (g: Guardrail): boolean => (g.kind === 'pii' ? g.preCall : g.kind === 'prompt_injection');
/** Runs on the response (the reply filter). */
export const isPostCall = (g: Guardrail): boolean => (g.kind === 'pii' ? g.postCall : g.kind === 'output_filter');

/** Builds the policy once at boot; throws on a bad option. Vendors we do not implement are skipped (config warns). */
export function buildGuardrailPolicy(list: readonly GuardrailConfig[]): GuardrailPolicy {
  const guardrails: Guardrail[] = [];
  for (const g of list) {
    const v = g.litellm_params.guardrail;
    if (PII_VENDORS.includes(v)) guardrails.push(piiFrom(g, false));
    else if (SECRET_VENDORS.includes(v)) guardrails.push(piiFrom(g, true));
    else if (INJECTION_VENDORS.includes(v)) guardrails.push(injectionFrom(g));
    else if (OUTPUT_VENDORS.includes(v)) guardrails.push(outputFrom(g));
  }
  return Object.freeze({
    guardrails,
    hasPreCall: guardrails.some(isPreCall),
    hasPostCall: guardrails.some(isPostCall),
  });
}

/** On/off switches by guardrail name. */
export type GuardrailOverrides = Readonly<Record<string, boolean>>;

/**
 * A seam for per key/team settings resolved in-process (tests, custom deployments). Virtual keys do not need
 * it: their settings arrive on the envelope (TENANT_GUARDRAILS_METADATA, set by the ingress from the grant).
 */
export type TenantGuardrails = (tenant: { keyId: string | null; teamId: string | null }) => GuardrailOverrides;

/** Envelope metadata (from the `x-gateway-guardrails` header): `name`, `name=on`, `-name` or `name=off`, comma-separated. */
export const GUARDRAILS_METADATA = 'x-gateway-guardrails';

export function parseOverrides(header: string | undefined): GuardrailOverrides {
  const out: Record<string, boolean> = {};
  for (const part of (header ?? '').split(',')) {
    const item = part.trim();
    if (!item) continue;
    const m = /^(-?)([^=\s]+)(?:=(on|off|true|false))?$/i.exec(item);
    if (!m || !m[2]) continue;
    const off = m[1] === '-' || /^(off|false)$/i.test(m[3] ?? '');
    out[m[2]] = !off;
  }
  return out;
}

/** The inverse of parseOverrides (the stage hands body switches on to the reply filter this way). */
export function formatOverrides(o: GuardrailOverrides): string {
  return Object.entries(o).map(([name, on]) => (on ? name : `-${name}`)).join(',');
}

/**
 * The guardrails in force for one request: default_on, then the tenant's switches (its team's, then the key's),
 * then the request's own (which may switch an `enforced` guardrail on but never off).
 */
export function activeGuardrails(policy: GuardrailPolicy, tenant: GuardrailOverrides, ...request: GuardrailOverrides[]): Guardrail[] {
  return policy.guardrails.filter((g) => {
    let on = Object.hasOwn(tenant, g.name) ? tenant[g.name] === true : g.defaultOn;
    for (const o of request) if (Object.hasOwn(o, g.name) && (o[g.name] === true || !(on && g.enforced))) on = o[g.name] === true;
    return on;
  });
}

export interface RequestScope {
  tenant: { keyId: string | null; teamId: string | null };
  metadata: Readonly<Record<string, string>>;
}

/**
 * activeGuardrails for an envelope: the seam's switches, the key/team switches the ingress put on the envelope,
 * then the request's (header, and `body` when the caller parsed it), unless the key or team locks them.
 */
export function guardrailsFor(policy: GuardrailPolicy, env: RequestScope, seam: TenantGuardrails | undefined, ...body: GuardrailOverrides[]): Guardrail[] {
  const grant = decodeGrantGuardrails(env.metadata[TENANT_GUARDRAILS_METADATA]);
  const fromSeam = seam?.({ keyId: env.tenant.keyId, teamId: env.tenant.teamId }) ?? {};
  const tenant = grant ? { ...fromSeam, ...grant.switches } : fromSeam;
  if (grant && !grant.requestMayModify) return activeGuardrails(policy, tenant);
  return activeGuardrails(policy, tenant, ...body, parseOverrides(env.metadata[GUARDRAILS_METADATA]));
}
