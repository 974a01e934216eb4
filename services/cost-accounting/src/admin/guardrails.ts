// Guardrail settings of keys and teams: LiteLLM's `guardrails: [...]` field, kept in `metadata.guardrails`
// (a list of names switched on, or `{name: true|false, modify_guardrails: false}`), and read into the grant.
import type { GrantGuardrails } from '@ai-gateway/kit';
import { badInput, optStringList, type Body } from './fields.ts';

/** Reserved entry: false = requests of this key/team may not switch guardrails (LiteLLM's name). */
const MODIFY = 'modify_guardrails';

type Stored = string[] | Record<string, boolean>;

function stored(v: unknown, param: string): Stored | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) {
    if (!v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 256)) throw badInput(param, 'must be a list of guardrail names');
    return [...new Set(v as string[])];
  }
  if (typeof v === 'object') {
    const out: Record<string, boolean> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x !== 'boolean') throw badInput(`${param}.${k}`, 'must be true or false');
      out[k] = x;
    }
    return out;
  }
  throw badInput(param, 'must be a list of guardrail names or an object {name: true|false}');
}

/**
 * The metadata to store for an admin call: `metadata` as given (or the current one when only `guardrails` is
 * given), with the top-level `guardrails` names switched on in `metadata.guardrails`. undefined = unchanged.
 */
export function metadataWithGuardrails(b: Body, given: Record<string, unknown> | undefined, current: Record<string, unknown>): Record<string, unknown> | undefined {
  const names = optStringList(b, 'guardrails');
  if (given === undefined && names === undefined) return undefined;
  const meta = { ...(given ?? current) };
  const prior = stored(meta['guardrails'], 'metadata.guardrails');
  if (names === undefined) return meta;
  if (prior === undefined || Array.isArray(prior)) meta['guardrails'] = given === undefined ? names : [...new Set([...(prior ?? []), ...names])];
  else meta['guardrails'] = { ...(given === undefined ? Object.fromEntries(Object.entries(prior).filter(([k, on]) => k === MODIFY || !on)) : prior), ...Object.fromEntries(names.map((n) => [n, true])) };
  return meta;
}

function settingsOf(metadata: unknown): { switches: Record<string, boolean>; modify: boolean | undefined } {
  const m = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
  const g = m['guardrails'];
  const switches: Record<string, boolean> = {};
  let modify: boolean | undefined;
  if (Array.isArray(g)) for (const n of g) if (typeof n === 'string') switches[n] = true;
  if (g !== null && typeof g === 'object' && !Array.isArray(g)) {
    for (const [k, v] of Object.entries(g as Record<string, unknown>)) {
      if (typeof v !== 'boolean') continue;
      if (k === MODIFY) modify = v;
      else switches[k] = v;
    }
  }
  return { switches, modify };
}

/** The grant's guardrail settings from the key's and its team's metadata; undefined when neither has any. */
export function grantGuardrails(keyMetadata: unknown, teamMetadata: unknown): GrantGuardrails | undefined {
  const team = settingsOf(teamMetadata);
  const key = settingsOf(keyMetadata);
  const switches = { ...team.switches, ...key.switches };
  const requestMayModify = team.modify !== false && key.modify !== false;
  if (Object.keys(switches).length === 0 && requestMayModify) return undefined;
  return { switches, requestMayModify };
}
