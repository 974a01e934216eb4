// What cost accounting tells an ingress about a key over the bus (JSON, request/reply): cached per key.

/** Who a key is, what it may call (its own models and its team's; empty list = every model), until when. */
export interface KeyGrant {
  keyId: string;
  keyAlias: string | null;
  teamId: string | null;
  userId: string | null;
  keyModels: string[];
  teamModels: string[];
  expiresAtMs: number | null;
  blocked: boolean;
  /** Guardrail settings of the key and its team; absent = none (config defaults apply). */
  guardrails?: GrantGuardrails;
}

/**
 * Guardrails a key and its team switch on or off by name (admin API `guardrails: [...]` and
 * `metadata.guardrails`). The key's own entries win over its team's.
 */
export interface GrantGuardrails {
  switches: Record<string, boolean>;
  /** False when the key or its team sets `modify_guardrails: false`: requests may not switch guardrails. */
  requestMayModify: boolean;
}

/** Envelope metadata the ingress sets from the grant (clients cannot set it: only allow-listed headers are copied). */
export const TENANT_GUARDRAILS_METADATA = 'x-gateway-tenant-guardrails';

/** `name,-name,...` plus `!lock` when requests may not modify guardrails; '' when there is nothing to say. */
export function encodeGrantGuardrails(g: GrantGuardrails | undefined): string {
  if (!g) return '';
  const parts = Object.entries(g.switches).map(([name, on]) => (on ? name : `-${name}`));
  if (!g.requestMayModify) parts.push('!lock');
  return parts.join(',');
}

export function decodeGrantGuardrails(raw: string | undefined): GrantGuardrails | null {
  if (!raw) return null;
  const switches: Record<string, boolean> = {};
  let requestMayModify = true;
  for (const part of raw.split(',')) {
    const item = part.trim();
    if (item === '!lock') requestMayModify = false;
    else if (item.startsWith('-') && item.length > 1) switches[item.slice(1)] = false;
    else if (item) switches[item] = true;
  }
  return { switches, requestMayModify };
}
