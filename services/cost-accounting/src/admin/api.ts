// The admin API dispatcher: LiteLLM paths → handlers; every error becomes an OpenAI-shaped 4xx/5xx and changes nothing.
import { randomUUID } from 'node:crypto';
import { GatewayError, isGatewayError, type Logger, type VirtualKeyConfig } from '@ai-gateway/kit';
import { hashKey } from '../domain/keys.ts';
import type { SqlExecutor } from '../store/sql.ts';
import { keyDelete, keyGenerate, keyInfo, keyList, keyRegenerate, keyUpdate, generateKeyTx } from './keys.ts';
import { teamDelete, teamInfo, teamList, teamMemberAdd, teamMemberDelete, teamNew, teamUpdate, userInfo, userNew } from './teams.ts';
import type { AdminRequest, AdminResult } from './types.ts';

type Handler = (req: AdminRequest, nowMs: number) => Promise<AdminResult>;

export interface AdminApi {
  handle(req: AdminRequest): Promise<AdminResult>;
  /** Paths this API serves (the HTTP edge forwards exactly these). */
  readonly routes: readonly { method: 'GET' | 'POST'; path: string }[];
}

/** Postgres SQLSTATEs a concurrent admin call can cause; they are the caller's input problem, not a crash. */
function fromSqlError(err: unknown): GatewayError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '23505') return new GatewayError('invalid_request', { params: { detail: 'A key, alias or team with this value already exists' } });
  if (code === '23503') return new GatewayError('invalid_request', { params: { detail: 'A referenced team or user does not exist' } });
  return null;
}

export function createAdminApi(input: { deps: { sql: SqlExecutor; logger: Logger; now?: () => number } }): AdminApi {
  const { sql, logger } = input.deps;
  const now = input.deps.now ?? Date.now;
  const table: Record<string, Handler> = {
    'POST /key/generate': (r, t) => keyGenerate(sql, r.body, t),
    'GET /key/info': (r) => keyInfo(sql, r.query),
    'POST /key/update': (r, t) => keyUpdate(sql, r.body, t),
    'POST /key/delete': (r) => keyDelete(sql, r.body),
    'GET /key/list': (r) => keyList(sql, r.query),
    'POST /key/regenerate': (r, t) => keyRegenerate(sql, r.body, t),
    'POST /team/new': (r, t) => teamNew(sql, r.body, t),
    'POST /team/update': (r, t) => teamUpdate(sql, r.body, t),
    'POST /team/delete': (r) => teamDelete(sql, r.body),
    'GET /team/info': (r) => teamInfo(sql, r.query),
    'GET /team/list': () => teamList(sql),
    'POST /team/member_add': (r) => teamMemberAdd(sql, r.body),
    'POST /team/member_delete': (r) => teamMemberDelete(sql, r.body),
    'POST /user/new': (r, t) => userNew(sql, r.body, t),
    'GET /user/info': (r) => userInfo(sql, r.query),
  };
  const routes = Object.keys(table).map((k) => {
    const [method, path] = k.split(' ') as ['GET' | 'POST', string];
    return { method, path };
  });
  return {
    routes,
    async handle(req) {
      const regen = /^\/key\/([^/]+)\/regenerate$/.exec(req.path);
      const handler: Handler | undefined = regen && req.method === 'POST'
        ? (r, t) => keyRegenerate(sql, r.body, t, decodeURIComponent(regen[1] ?? ''))
        : table[`${req.method} ${req.path}`];
      try {
        if (!handler) throw new GatewayError('not_found', { params: { detail: `Unknown admin route ${req.method} ${req.path}` } });
        return await handler(req, now());
      } catch (err) {
        const known = isGatewayError(err) ? err : fromSqlError(err);
        if (known) return { status: known.status, body: known.toOpenAI() };
        const errorId = randomUUID();
        logger.error({ err, errorId, path: req.path }, 'admin request failed');
        const e = new GatewayError('internal_error', { params: { errorId } });
        return { status: e.status, body: e.toOpenAI() };
      }
    },
  };
}

/**
 * Creates the config's `virtual_keys` that do not exist yet (by secret hash, else by alias), and their teams.
 * Safe to run on every start and from several replicas at once. Returns how many keys were created.
 */
export async function importConfigKeys(input: { deps: { sql: SqlExecutor; logger: Logger }; keys: readonly VirtualKeyConfig[]; nowMs?: number }): Promise<number> {
  const { sql, logger } = input.deps;
  const nowMs = input.nowMs ?? Date.now();
  let created = 0;
  for (const k of input.keys) {
    const made = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7263542)');
      if (k.key && (await tx.query('SELECT 1 FROM keys WHERE key_hash = $1', [hashKey(k.key)])).length > 0) return false;
      if (!k.key && k.key_alias && (await tx.query('SELECT 1 FROM keys WHERE key_alias = $1', [k.key_alias])).length > 0) return false;
      if (k.team_id) await tx.query('INSERT INTO teams (team_id) VALUES ($1) ON CONFLICT (team_id) DO NOTHING', [k.team_id]);
      const body: Record<string, unknown> = {
        key: k.key, key_alias: k.key_alias, max_budget: k.max_budget, budget_duration: k.budget_duration, rpm_limit: k.rpm_limit,
        tpm_limit: k.tpm_limit, models: k.allowed_models, team_id: k.team_id, user_id: k.user_id, metadata: k.metadata,
      };
      const { view } = await generateKeyTx(tx, body, nowMs);
      if (!k.key) logger.warn({ keyAlias: k.key_alias, keyName: view.key_name }, 'virtual key generated without a secret in config: get one with /key/regenerate');
      return true;
    });
    if (made) created++;
  }
  return created;
}
