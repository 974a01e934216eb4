// Reads keys, teams and users with their limits and spend, shaped as LiteLLM's admin API returns them.
import type { KeyGrant } from '@ai-gateway/kit';
import type { ScopeLimits, ScopeRef } from '../domain/reservation.ts';
import { readBudgetRow } from '../store/budgets-sql.ts';
import { grantGuardrails } from './guardrails.ts';
import { msOrNull, ms, num, numOrNull, str, strArray, strOrNull, type SqlRunner } from '../store/sql.ts';

const iso = (msValue: number | null): string | null => (msValue === null ? null : new Date(msValue).toISOString());
const meta = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export interface LimitView {
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_parallel_requests: number | null;
  spend: number;
}

const BUDGET_COLS = `b.label, b.max_budget, b.budget_duration, b.rpm_limit, b.tpm_limit, b.max_parallel_requests, b.spend, b.budget_reset_at`;

function limitView(r: Record<string, unknown>): LimitView {
  return {
    max_budget: numOrNull(r, 'max_budget'), budget_duration: strOrNull(r, 'budget_duration'), budget_reset_at: iso(msOrNull(r, 'budget_reset_at')),
    rpm_limit: numOrNull(r, 'rpm_limit'), tpm_limit: numOrNull(r, 'tpm_limit'), max_parallel_requests: numOrNull(r, 'max_parallel_requests'),
    spend: r['spend'] === null || r['spend'] === undefined ? 0 : num(r, 'spend'),
  };
}

export interface KeyView extends LimitView {
  token: string;
  token_id: string;
  key_name: string;
  key_alias: string | null;
  models: string[];
  team_id: string | null;
  user_id: string | null;
  metadata: Record<string, unknown>;
  expires: string | null;
  blocked: boolean;
  created_at: string;
}

function keyView(r: Record<string, unknown>): KeyView {
  return {
    token: str(r, 'key_hash'), token_id: str(r, 'key_id'), key_name: str(r, 'key_prefix'), key_alias: strOrNull(r, 'key_alias'),
    models: strArray(r, 'models'), team_id: strOrNull(r, 'team_id'), user_id: strOrNull(r, 'user_id'), metadata: meta(r['metadata']),
    expires: iso(msOrNull(r, 'expires_at')), blocked: r['blocked'] === true, created_at: new Date(ms(r, 'created_at')).toISOString(),
    ...limitView(r),
  };
}

const KEY_SELECT = `SELECT k.*, ${BUDGET_COLS} FROM keys k LEFT JOIN budgets b ON b.scope = 'key' AND b.scope_id = k.key_id`;

/** Finds a key by its secret's hash, its token (hash) or its id. */
export async function findKey(tx: SqlRunner, by: { hash?: string; id?: string; alias?: string }): Promise<KeyView | null> {
  const [col, val] = by.hash ? ['k.key_hash', by.hash] : by.id ? ['k.key_id', by.id] : ['k.key_alias', by.alias ?? ''];
  const rows = await tx.query(`${KEY_SELECT} WHERE ${col} = $1`, [val]);
  return rows[0] ? keyView(rows[0]) : null;
}

export async function listKeys(tx: SqlRunner, f: { teamId?: string; userId?: string; keyAlias?: string; offset: number; limit: number }): Promise<{ keys: KeyView[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.teamId) where.push(`k.team_id = $${params.push(f.teamId)}`);
  if (f.userId) where.push(`k.user_id = $${params.push(f.userId)}`);
  if (f.keyAlias) where.push(`k.key_alias = $${params.push(f.keyAlias)}`);
  const w = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  const total = num((await tx.query(`SELECT count(*)::int AS n FROM keys k${w}`, params))[0] ?? { n: 0 }, 'n');
  const rows = await tx.query(`${KEY_SELECT}${w} ORDER BY k.created_at, k.key_id LIMIT ${f.limit} OFFSET ${f.offset}`, params);
  return { keys: rows.map(keyView), total };
}

export interface TeamView extends LimitView {
  team_id: string;
  team_alias: string | null;
  models: string[];
  metadata: Record<string, unknown>;
  blocked: boolean;
  members_with_roles: { user_id: string; role: string }[];
  created_at: string;
}

export async function findTeam(tx: SqlRunner, teamId: string): Promise<TeamView | null> {
  const rows = await tx.query(`SELECT t.*, ${BUDGET_COLS} FROM teams t LEFT JOIN budgets b ON b.scope = 'team' AND b.scope_id = t.team_id WHERE t.team_id = $1`, [teamId]);
  const r = rows[0];
  if (!r) return null;
  const members = await tx.query('SELECT user_id, role FROM team_members WHERE team_id = $1 ORDER BY user_id', [teamId]);
  return {
    team_id: str(r, 'team_id'), team_alias: strOrNull(r, 'team_alias'), models: strArray(r, 'models'), metadata: meta(r['metadata']),
    blocked: r['blocked'] === true, members_with_roles: members.map((m) => ({ user_id: str(m, 'user_id'), role: str(m, 'role') })),
    created_at: new Date(ms(r, 'created_at')).toISOString(), ...limitView(r),
  };
}

export async function listTeamIds(tx: SqlRunner): Promise<string[]> {
  return (await tx.query('SELECT team_id FROM teams ORDER BY created_at, team_id LIMIT 1000')).map((r) => str(r, 'team_id'));
}

export interface UserView extends LimitView {
  user_id: string;
  user_email: string | null;
  metadata: Record<string, unknown>;
  teams: string[];
  created_at: string;
}

export async function findUser(tx: SqlRunner, userId: string): Promise<UserView | null> {
  const rows = await tx.query(`SELECT u.*, ${BUDGET_COLS} FROM users u LEFT JOIN budgets b ON b.scope = 'user' AND b.scope_id = u.user_id WHERE u.user_id = $1`, [userId]);
  const r = rows[0];
  if (!r) return null;
  const teams = await tx.query('SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id', [userId]);
  return {
    user_id: str(r, 'user_id'), user_email: strOrNull(r, 'user_email'), metadata: meta(r['metadata']), teams: teams.map((t) => str(t, 'team_id')),
    created_at: new Date(ms(r, 'created_at')).toISOString(), ...limitView(r),
  };
}

export type { KeyGrant };

export async function grantByHash(tx: SqlRunner, keyHash: string): Promise<KeyGrant | null> {
  const rows = await tx.query(
    `SELECT k.key_id, k.key_alias, k.team_id, k.user_id, k.models, k.expires_at, k.blocked, k.metadata, t.models AS team_models, t.blocked AS team_blocked,
       t.metadata AS team_metadata
     FROM keys k LEFT JOIN teams t ON t.team_id = k.team_id WHERE k.key_hash = $1`,
    [keyHash],
  );
  const r = rows[0];
  if (!r) return null;
  const guardrails = grantGuardrails(r['metadata'], r['team_metadata']);
  return {
    ...(guardrails ? { guardrails } : {}),
    keyId: str(r, 'key_id'), keyAlias: strOrNull(r, 'key_alias'), teamId: strOrNull(r, 'team_id'), userId: strOrNull(r, 'user_id'),
    keyModels: strArray(r, 'models'), teamModels: r['team_models'] === null ? [] : strArray(r, 'team_models'),
    expiresAtMs: msOrNull(r, 'expires_at'), blocked: r['blocked'] === true || r['team_blocked'] === true,
  };
}

/** The scope's limits with `patch` applied (absent fields keep their value). */
export async function mergedLimits(tx: SqlRunner, ref: ScopeRef, patch: Partial<Record<keyof LimitView, unknown>> & { label?: string | null }): Promise<ScopeLimits> {
  const cur = (await readBudgetRow(tx, ref))?.limits ?? { label: null, maxBudgetUsd: null, budgetDuration: null, rpmLimit: null, tpmLimit: null, maxParallelRequests: null };
  const pick = <T>(v: unknown, old: T): T => (v === undefined ? old : (v as T));
  return {
    label: pick(patch.label, cur.label),
    maxBudgetUsd: pick(patch.max_budget, cur.maxBudgetUsd),
    budgetDuration: pick(patch.budget_duration, cur.budgetDuration),
    rpmLimit: pick(patch.rpm_limit, cur.rpmLimit),
    tpmLimit: pick(patch.tpm_limit, cur.tpmLimit),
    maxParallelRequests: pick(patch.max_parallel_requests, cur.maxParallelRequests),
  };
}
