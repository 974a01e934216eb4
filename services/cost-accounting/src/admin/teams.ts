// /team/* and /user/* admin endpoints: teams with models and limits, members, users with budgets.
import { randomBytes } from 'node:crypto';
import { upsertLimits } from '../store/budgets-sql.ts';
import type { SqlExecutor, SqlRunner } from '../store/sql.ts';
import { asBody, badInput, limitFields, notFound, optBool, optObject, optString, optStringList, reqString, type Body } from './fields.ts';
import { metadataWithGuardrails } from './guardrails.ts';
import { generateKeyTx } from './keys.ts';
import { findTeam, findUser, listKeys, listTeamIds, mergedLimits } from './records.ts';
import { emptyChange, type AdminResult } from './types.ts';

interface Member {
  user_id: string;
  role: string;
  user_email: string | null;
}

function members(v: unknown, param: string): Member[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.map((m, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw badInput(`${param}[${i}]`, 'must be an object with user_id and role');
    const b = m as Body;
    const userId = optString(b, 'user_id') ?? optString(b, 'user_email');
    if (!userId) throw badInput(`${param}[${i}].user_id`, 'is required');
    const role = optString(b, 'role') ?? 'user';
    if (role !== 'admin' && role !== 'user') throw badInput(`${param}[${i}].role`, 'must be "admin" or "user"');
    return { user_id: userId, role, user_email: optString(b, 'user_email') ?? null };
  });
}

async function addMembers(tx: SqlRunner, teamId: string, list: Member[]): Promise<void> {
  for (const m of list) {
    await tx.query('INSERT INTO users (user_id, user_email) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [m.user_id, m.user_email]);
    await tx.query(
      'INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (team_id, user_id) DO UPDATE SET role = EXCLUDED.role',
      [teamId, m.user_id, m.role],
    );
  }
}

async function teamAliasFree(tx: SqlRunner, alias: string | null | undefined, except?: string): Promise<void> {
  if (!alias) return;
  const rows = await tx.query('SELECT team_id FROM teams WHERE team_alias = $1', [alias]);
  if (rows.some((r) => r['team_id'] !== except)) throw badInput('team_alias', `a team with alias "${alias}" already exists`);
}

export async function teamNew(sql: SqlExecutor, raw: unknown, nowMs: number): Promise<AdminResult> {
  const b = asBody(raw);
  const teamId = optString(b, 'team_id') ?? `team_${randomBytes(8).toString('hex')}`;
  const alias = optString(b, 'team_alias');
  const models = optStringList(b, 'models') ?? [];
  const metadata = metadataWithGuardrails(b, optObject(b, 'metadata'), {}) ?? {};
  const blocked = optBool(b, 'blocked') ?? false;
  const limits = limitFields(b);
  const list = members(b['members_with_roles'], 'members_with_roles');
  return sql.transaction(async (tx) => {
    if (await findTeam(tx, teamId)) throw badInput('team_id', `team "${teamId}" already exists`);
    await teamAliasFree(tx, alias);
    await tx.query('INSERT INTO teams (team_id, team_alias, models, metadata, blocked) VALUES ($1, $2, $3, $4, $5)', [
      teamId, alias ?? null, models, JSON.stringify(metadata), blocked,
    ]);
    const ref = { kind: 'team' as const, id: teamId };
    await upsertLimits(tx, ref, await mergedLimits(tx, ref, { ...limits, label: alias ?? null }), nowMs);
    await addMembers(tx, teamId, list);
    return { status: 200, body: await findTeam(tx, teamId), change: { ...emptyChange(), teamIds: [teamId] } };
  });
}

export async function teamUpdate(sql: SqlExecutor, raw: unknown, nowMs: number): Promise<AdminResult> {
  const b = asBody(raw);
  const teamId = reqString(b, 'team_id');
  const alias = optString(b, 'team_alias');
  const models = optStringList(b, 'models');
  const givenMetadata = optObject(b, 'metadata');
  const blocked = optBool(b, 'blocked');
  const limits = limitFields(b);
  return sql.transaction(async (tx) => {
    const cur = await findTeam(tx, teamId);
    if (!cur) throw notFound(`Team not found: ${teamId}`);
    const metadata = metadataWithGuardrails(b, givenMetadata, cur.metadata);
    await teamAliasFree(tx, alias, teamId);
    const sets: string[] = [];
    const params: unknown[] = [teamId];
    const set = (col: string, v: unknown) => sets.push(`${col} = $${params.push(v)}`);
    if (alias !== undefined) set('team_alias', alias);
    if (models !== undefined) set('models', models);
    if (metadata !== undefined) set('metadata', JSON.stringify(metadata));
    if (blocked !== undefined) set('blocked', blocked);
    if (sets.length) await tx.query(`UPDATE teams SET ${sets.join(', ')} WHERE team_id = $1`, params);
    const ref = { kind: 'team' as const, id: teamId };
    await upsertLimits(tx, ref, await mergedLimits(tx, ref, { ...limits, ...(alias !== undefined ? { label: alias } : {}) }), nowMs);
    return { status: 200, body: { team_id: teamId, data: await findTeam(tx, teamId) }, change: { ...emptyChange(), teamIds: [teamId] } };
  });
}

export async function teamDelete(sql: SqlExecutor, raw: unknown): Promise<AdminResult> {
  const b = asBody(raw);
  const ids = optStringList(b, 'team_ids');
  if (!ids || ids.length === 0) throw badInput('team_ids', 'is required (a list of team ids)');
  return sql.transaction(async (tx) => {
    for (const id of ids) if (!(await findTeam(tx, id))) throw notFound(`Team not found: ${id}; nothing was deleted`);
    await tx.query('DELETE FROM teams WHERE team_id = ANY($1)', [ids]);
    await tx.query(`DELETE FROM budgets WHERE scope = 'team' AND scope_id = ANY($1)`, [ids]);
    return { status: 200, body: { deleted_teams: ids }, change: { ...emptyChange(), teamIds: ids } };
  });
}

export async function teamInfo(sql: SqlExecutor, query: Record<string, string>): Promise<AdminResult> {
  const teamId = query['team_id'];
  if (!teamId) throw badInput('team_id', 'query parameter is required');
  const team = await findTeam(sql, teamId);
  if (!team) throw notFound(`Team not found: ${teamId}`);
  const { keys } = await listKeys(sql, { teamId, offset: 0, limit: 1000 });
  return { status: 200, body: { team_id: teamId, team_info: team, keys, team_memberships: team.members_with_roles } };
}

export async function teamList(sql: SqlExecutor): Promise<AdminResult> {
  const teams = [];
  for (const id of await listTeamIds(sql)) teams.push(await findTeam(sql, id));
  return { status: 200, body: teams.filter((t) => t !== null) };
}

export async function teamMemberAdd(sql: SqlExecutor, raw: unknown): Promise<AdminResult> {
  const b = asBody(raw);
  const teamId = reqString(b, 'team_id');
  const list = members(b['member'], 'member');
  if (list.length === 0) throw badInput('member', 'is required');
  return sql.transaction(async (tx) => {
    if (!(await findTeam(tx, teamId))) throw notFound(`Team not found: ${teamId}`);
    await addMembers(tx, teamId, list);
    return { status: 200, body: await findTeam(tx, teamId), change: { ...emptyChange(), teamIds: [teamId] } };
  });
}

export async function teamMemberDelete(sql: SqlExecutor, raw: unknown): Promise<AdminResult> {
  const b = asBody(raw);
  const teamId = reqString(b, 'team_id');
  const userId = optString(b, 'user_id') ?? optString(b, 'user_email');
  if (!userId) throw badInput('user_id', 'is required');
  return sql.transaction(async (tx) => {
    if (!(await findTeam(tx, teamId))) throw notFound(`Team not found: ${teamId}`);
    const gone = await tx.query('DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 RETURNING 1 AS ok', [teamId, userId]);
    if (gone.length === 0) throw notFound(`User ${userId} is not a member of team ${teamId}`);
    return { status: 200, body: await findTeam(tx, teamId), change: { ...emptyChange(), teamIds: [teamId] } };
  });
}

export async function userNew(sql: SqlExecutor, raw: unknown, nowMs: number): Promise<AdminResult> {
  const b = asBody(raw);
  const userId = optString(b, 'user_id') ?? `user_${randomBytes(8).toString('hex')}`;
  const email = optString(b, 'user_email');
  const metadata = optObject(b, 'metadata') ?? {};
  const teams = optStringList(b, 'teams') ?? [];
  const autoKey = optBool(b, 'auto_create_key') ?? true;
  const limits = limitFields(b);
  const models = optStringList(b, 'models');
  return sql.transaction(async (tx) => {
    if (await findUser(tx, userId)) throw badInput('user_id', `user "${userId}" already exists`);
    for (const t of teams) if (!(await findTeam(tx, t))) throw badInput('teams', `team "${t}" does not exist`);
    await tx.query('INSERT INTO users (user_id, user_email, metadata) VALUES ($1, $2, $3)', [userId, email ?? null, JSON.stringify(metadata)]);
    const ref = { kind: 'user' as const, id: userId };
    await upsertLimits(tx, ref, await mergedLimits(tx, ref, { ...limits, label: email ?? null }), nowMs);
    for (const t of teams) await addMembers(tx, t, [{ user_id: userId, role: 'user', user_email: email ?? null }]);
    const user = await findUser(tx, userId);
    let key: { key: string; token: string; id: string } | null = null;
    if (autoKey) {
      const made = await generateKeyTx(tx, { user_id: userId, ...(models ? { models } : {}) }, nowMs);
      key = { key: made.secret, token: made.view.token, id: made.view.token_id };
    }
    const change = { ...emptyChange(), userIds: [userId], keyHashes: key ? [key.token] : [], keyIds: key ? [key.id] : [] };
    return { status: 200, body: { ...user, ...(key ? { key: key.key, token: key.token } : {}) }, change };
  });
}

export async function userInfo(sql: SqlExecutor, query: Record<string, string>): Promise<AdminResult> {
  const userId = query['user_id'];
  if (!userId) throw badInput('user_id', 'query parameter is required');
  const user = await findUser(sql, userId);
  if (!user) throw notFound(`User not found: ${userId}`);
  const { keys } = await listKeys(sql, { userId, offset: 0, limit: 1000 });
  const teams = [];
  for (const t of user.teams) teams.push(await findTeam(sql, t));
  return { status: 200, body: { user_id: userId, user_info: user, keys, teams: teams.filter((t) => t !== null) } };
}

export type { Body };
