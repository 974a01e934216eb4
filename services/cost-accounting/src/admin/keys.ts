// /key/* admin endpoints: generate, info, update, delete, list, regenerate. Secrets are returned once, stored hashed.
import { randomBytes } from 'node:crypto';
import { generateKey, hashKey, keyPrefix } from '../domain/keys.ts';
import { upsertLimits } from '../store/budgets-sql.ts';
import type { SqlExecutor, SqlRunner } from '../store/sql.ts';
import {
  asBody, badInput, limitFields, notFound, optBool, optExpiry, optObject, optString, optStringList, queryInt, reqString, type Body,
} from './fields.ts';
import { metadataWithGuardrails } from './guardrails.ts';
import { findKey, findTeam, listKeys, mergedLimits, type KeyView } from './records.ts';
import { emptyChange, type AdminResult, type KeyChange } from './types.ts';

const HASH_RE = /^[0-9a-f]{64}$/;

/** A key named by its secret (`sk-…`), its token (sha256 hex) or its token_id. */
export async function resolveKey(tx: SqlRunner, ref: string): Promise<KeyView | null> {
  if (HASH_RE.test(ref)) return findKey(tx, { hash: ref });
  return (await findKey(tx, { hash: hashKey(ref) })) ?? (await findKey(tx, { id: ref }));
}

async function requireTeam(tx: SqlRunner, teamId: string | null | undefined): Promise<void> {
  if (teamId && !(await findTeam(tx, teamId))) throw badInput('team_id', `team "${teamId}" does not exist`);
}

async function aliasFree(tx: SqlRunner, alias: string | null | undefined, exceptKeyId?: string): Promise<void> {
  if (!alias) return;
  const rows = await tx.query('SELECT key_id FROM keys WHERE key_alias = $1', [alias]);
  const other = rows.find((r) => r['key_id'] !== exceptKeyId);
  if (other) throw badInput('key_alias', `a key with alias "${alias}" already exists`);
}

async function ensureUser(tx: SqlRunner, userId: string | null | undefined): Promise<void> {
  if (userId) await tx.query('INSERT INTO users (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [userId]);
}

/** Creates a key; `secret` given = import it (config virtual_keys, custom key), else a new one is generated. */
export async function generateKeyTx(tx: SqlRunner, raw: unknown, nowMs: number): Promise<{ view: KeyView; secret: string }> {
  const b = asBody(raw);
  const given = optString(b, 'key', 512);
  const alias = optString(b, 'key_alias');
  const models = optStringList(b, 'models') ?? optStringList(b, 'allowed_models') ?? [];
  const teamId = optString(b, 'team_id');
  const userId = optString(b, 'user_id');
  const metadata = metadataWithGuardrails(b, optObject(b, 'metadata'), {}) ?? {};
  const expiresAt = optExpiry(b, 'duration', nowMs) ?? null;
  const blocked = optBool(b, 'blocked') ?? false;
  const limits = limitFields(b);
  if (given && !given.startsWith('sk-')) throw badInput('key', 'a custom key must start with "sk-"');
  await requireTeam(tx, teamId);
  await aliasFree(tx, alias);
  const secret = given ?? generateKey();
  const keyHash = hashKey(secret);
  if ((await tx.query('SELECT 1 FROM keys WHERE key_hash = $1', [keyHash])).length > 0) throw badInput('key', 'this key already exists');
  await ensureUser(tx, userId);
  const keyId = `key_${randomBytes(12).toString('hex')}`;
  await tx.query(
    `INSERT INTO keys (key_id, key_hash, key_prefix, key_alias, team_id, user_id, models, metadata, expires_at, blocked)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [keyId, keyHash, keyPrefix(secret), alias ?? null, teamId ?? null, userId ?? null, models, JSON.stringify(metadata),
      expiresAt === null ? null : new Date(expiresAt), blocked],
  );
  await upsertLimits(tx, { kind: 'key', id: keyId }, await mergedLimits(tx, { kind: 'key', id: keyId }, { ...limits, label: alias ?? null }), nowMs);
  const view = await findKey(tx, { id: keyId });
  if (!view) throw new Error('key vanished inside its transaction');
  return { view, secret };
}

const withSecret = (view: KeyView, secret: string) => ({ key: secret, ...view, key_alias: view.key_alias, token: view.token });

export async function keyGenerate(sql: SqlExecutor, raw: unknown, nowMs: number): Promise<AdminResult> {
  const { view, secret } = await sql.transaction((tx) => generateKeyTx(tx, raw, nowMs));
  return { status: 200, body: withSecret(view, secret), change: { ...emptyChange(), keyIds: [view.token_id], keyHashes: [view.token] } };
}

export async function keyInfo(sql: SqlExecutor, query: Record<string, string>): Promise<AdminResult> {
  const ref = query['key'];
  if (!ref) throw badInput('key', 'query parameter is required');
  const view = await resolveKey(sql, ref);
  if (!view) throw notFound('Key not found');
  return { status: 200, body: { key: view.token, info: view } };
}

export async function keyUpdate(sql: SqlExecutor, raw: unknown, nowMs: number): Promise<AdminResult> {
  const b = asBody(raw);
  const ref = reqString(b, 'key');
  return sql.transaction(async (tx) => {
    const cur = await resolveKey(tx, ref);
    if (!cur) throw notFound('Key not found');
    const alias = optString(b, 'key_alias');
    const models = optStringList(b, 'models') ?? optStringList(b, 'allowed_models');
    const teamId = optString(b, 'team_id');
    const userId = optString(b, 'user_id');
    const metadata = metadataWithGuardrails(b, optObject(b, 'metadata'), cur.metadata);
    const expiresAt = optExpiry(b, 'duration', nowMs);
    const blocked = optBool(b, 'blocked');
    const limits = limitFields(b);
    await requireTeam(tx, teamId);
    await aliasFree(tx, alias, cur.token_id);
    await ensureUser(tx, userId);
    const sets: string[] = [];
    const params: unknown[] = [cur.token_id];
    const set = (col: string, v: unknown) => sets.push(`${col} = $${params.push(v)}`);
    if (alias !== undefined) set('key_alias', alias);
    if (models !== undefined) set('models', models);
    if (teamId !== undefined) set('team_id', teamId);
    if (userId !== undefined) set('user_id', userId);
    if (metadata !== undefined) set('metadata', JSON.stringify(metadata));
    if (expiresAt !== undefined) set('expires_at', expiresAt === null ? null : new Date(expiresAt));
    if (blocked !== undefined) set('blocked', blocked);
    if (sets.length) await tx.query(`UPDATE keys SET ${sets.join(', ')} WHERE key_id = $1`, params);
    const ref2 = { kind: 'key' as const, id: cur.token_id };
    await upsertLimits(tx, ref2, await mergedLimits(tx, ref2, { ...limits, ...(alias !== undefined ? { label: alias } : {}) }), nowMs);
    const view = await findKey(tx, { id: cur.token_id });
    const change: KeyChange = { ...emptyChange(), keyIds: [cur.token_id], keyHashes: [cur.token] };
    return { status: 200, body: view, change };
  });
}

export async function keyDelete(sql: SqlExecutor, raw: unknown): Promise<AdminResult> {
  const b = asBody(raw);
  const refs = optStringList(b, 'keys') ?? [];
  const aliases = optStringList(b, 'key_aliases') ?? [];
  if (refs.length === 0 && aliases.length === 0) throw badInput('keys', 'give keys or key_aliases to delete');
  return sql.transaction(async (tx) => {
    const found: KeyView[] = [];
    for (const r of refs) {
      const v = await resolveKey(tx, r);
      if (!v) throw notFound(`Key not found: ${r.startsWith('sk-') ? keyPrefix(r) : r}; nothing was deleted`);
      found.push(v);
    }
    for (const a of aliases) {
      const v = await findKey(tx, { alias: a });
      if (!v) throw notFound(`No key with alias "${a}"; nothing was deleted`);
      found.push(v);
    }
    const ids = [...new Set(found.map((v) => v.token_id))];
    await tx.query('DELETE FROM keys WHERE key_id = ANY($1)', [ids]);
    await tx.query(`DELETE FROM budgets WHERE scope = 'key' AND scope_id = ANY($1)`, [ids]);
    const change: KeyChange = { ...emptyChange(), keyIds: ids, keyHashes: found.map((v) => v.token), deleted: true };
    return { status: 200, body: { deleted_keys: refs.length ? refs : aliases }, change };
  });
}

export async function keyList(sql: SqlExecutor, query: Record<string, string>): Promise<AdminResult> {
  const page = queryInt(query, 'page', 1, 1, 1_000_000);
  const size = queryInt(query, 'size', 10, 1, 100);
  const { keys, total } = await listKeys(sql, {
    ...(query['team_id'] ? { teamId: query['team_id'] } : {}),
    ...(query['user_id'] ? { userId: query['user_id'] } : {}),
    ...(query['key_alias'] ? { keyAlias: query['key_alias'] } : {}),
    offset: (page - 1) * size,
    limit: size,
  });
  const full = query['return_full_object'] === 'true';
  return { status: 200, body: { keys: full ? keys : keys.map((k) => k.token), total_count: total, current_page: page, total_pages: Math.ceil(total / size) } };
}

/** New secret, same key id: limits, spend and team stay; the old secret stops working at once. */
export async function keyRegenerate(sql: SqlExecutor, raw: unknown, nowMs: number, pathKey?: string): Promise<AdminResult> {
  const b = asBody(raw);
  const ref = pathKey ?? reqString(b, 'key');
  const given = optString(b, 'new_key', 512);
  if (given && !given.startsWith('sk-')) throw badInput('new_key', 'must start with "sk-"');
  const rest = { ...b };
  delete rest['key'];
  delete rest['new_key'];
  const hasUpdates = Object.keys(rest).length > 0;
  return sql.transaction(async (tx) => {
    const cur = await resolveKey(tx, ref);
    if (!cur) throw notFound('Key not found');
    const secret = given ?? generateKey();
    await tx.query('UPDATE keys SET key_hash = $2, key_prefix = $3 WHERE key_id = $1', [cur.token_id, hashKey(secret), keyPrefix(secret)]);
    if (hasUpdates) await keyUpdateInTx(tx, cur.token_id, rest, nowMs);
    const view = await findKey(tx, { id: cur.token_id });
    if (!view) throw new Error('key vanished inside its transaction');
    const change: KeyChange = { ...emptyChange(), keyIds: [cur.token_id], keyHashes: [cur.token, view.token] };
    return { status: 200, body: withSecret(view, secret), change };
  });
}

async function keyUpdateInTx(tx: SqlRunner, keyId: string, b: Body, nowMs: number): Promise<void> {
  const limits = limitFields(b);
  const ref = { kind: 'key' as const, id: keyId };
  await upsertLimits(tx, ref, await mergedLimits(tx, ref, limits), nowMs);
  const models = optStringList(b, 'models');
  if (models !== undefined) await tx.query('UPDATE keys SET models = $2 WHERE key_id = $1', [keyId, models]);
}
