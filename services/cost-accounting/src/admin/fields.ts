// Admin API input readers: each LiteLLM field is checked for type and range, and a bad one is a 400 naming it.
import { GatewayError } from '@ai-gateway/kit';
import { parseBudgetDuration } from '../domain/budget.ts';

export type Body = Record<string, unknown>;

export function badInput(param: string, detail: string): GatewayError {
  return new GatewayError('invalid_request', { params: { detail: `${param}: ${detail}` }, param });
}

export function notFound(detail: string): GatewayError {
  return new GatewayError('not_found', { params: { detail } });
}

export function asBody(value: unknown): Body {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badInput('body', 'must be a JSON object');
  return value as Body;
}

/** undefined = field absent (leave as is); null = explicitly cleared. */
export function optString(b: Body, name: string, max = 256): string | null | undefined {
  const v = b[name];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string') throw badInput(name, `must be a string, got ${typeof v}`);
  if (v.length === 0 || v.length > max) throw badInput(name, `must be 1 to ${max} characters`);
  return v;
}

export function reqString(b: Body, name: string): string {
  const v = optString(b, name);
  if (v === undefined || v === null) throw badInput(name, 'is required');
  return v;
}

export function optMoney(b: Body, name: string): number | null | undefined {
  const v = b[name];
  if (v === undefined || v === null) return v;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(name, `must be a number, got ${JSON.stringify(v)}`);
  if (v < 0) throw badInput(name, `must not be negative, got ${v}`);
  return v;
}

export function optCount(b: Body, name: string): number | null | undefined {
  const v = b[name];
  if (v === undefined || v === null) return v;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badInput(name, `must be an integer, got ${JSON.stringify(v)}`);
  if (v < 0 || v > 2_000_000_000) throw badInput(name, `must be between 0 and 2000000000, got ${v}`);
  return v;
}

export function optDuration(b: Body, name: string): string | null | undefined {
  const v = optString(b, name, 16);
  if (v === undefined || v === null) return v;
  try {
    parseBudgetDuration(v);
  } catch {
    throw badInput(name, `"${v}" is not a duration: use a number followed by s, m, h, d, w or mo (e.g. 30s, 1h, 7d, 1mo)`);
  }
  return v.trim();
}

export function optStringList(b: Body, name: string): string[] | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 256)) {
    throw badInput(name, 'must be a list of non-empty strings');
  }
  if (v.length > 1000) throw badInput(name, 'has more than 1000 entries');
  return [...new Set(v as string[])];
}

export function optObject(b: Body, name: string): Record<string, unknown> | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw badInput(name, 'must be a JSON object');
  if (JSON.stringify(v).length > 16_384) throw badInput(name, 'is larger than 16 KiB');
  return v as Record<string, unknown>;
}

export function optBool(b: Body, name: string): boolean | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badInput(name, 'must be true or false');
  return v;
}

/** `duration` of a key: a budget-style duration from now, or null / "permanent" for no expiry. */
export function optExpiry(b: Body, name: string, nowMs: number): number | null | undefined {
  const v = b[name];
  if (v === undefined) return undefined;
  if (v === null || v === 'permanent' || v === '-1') return null;
  const d = optDuration(b, name);
  if (d === undefined || d === null) return null;
  const p = parseBudgetDuration(d);
  if (p.unit === 'seconds') return nowMs + p.seconds * 1000;
  const t = new Date(nowMs);
  return Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + p.months, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds());
}

/** Query-string integer (page, size). */
export function queryInt(q: Record<string, string>, name: string, dflt: number, min: number, max: number): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw badInput(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/** Limit fields shared by keys, teams and users. */
export interface LimitFields {
  max_budget?: number | null;
  budget_duration?: string | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  max_parallel_requests?: number | null;
}

export function limitFields(b: Body): LimitFields {
  const out: LimitFields = {};
  const mb = optMoney(b, 'max_budget');
  if (mb !== undefined) out.max_budget = mb;
  const bd = optDuration(b, 'budget_duration');
  if (bd !== undefined) out.budget_duration = bd;
  // LiteLLM accepts `rpm`/`tpm` in some clients; the documented names win.
  const rpm = optCount(b, 'rpm_limit') ?? optCount(b, 'rpm');
  if (rpm !== undefined) out.rpm_limit = rpm;
  const tpm = optCount(b, 'tpm_limit') ?? optCount(b, 'tpm');
  if (tpm !== undefined) out.tpm_limit = tpm;
  const par = optCount(b, 'max_parallel_requests');
  if (par !== undefined) out.max_parallel_requests = par;
  return out;
}
