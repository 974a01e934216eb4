// Keys, teams, users and team membership rows.
import { msOrNull, ms, str, strArray, strOrNull, type SqlRunner } from './sql.ts';

export interface TeamInput { teamId: string; teamAlias?: string | null; models?: string[]; metadata?: Record<string, unknown> }
export interface UserInput { userId: string; userEmail?: string | null; metadata?: Record<string, unknown> }
export interface KeyInput {
  keyId: string;
  keyHash: string;
  keyPrefix: string;
  keyAlias?: string | null;
  teamId?: string | null;
  userId?: string | null;
  models?: string[];
  metadata?: Record<string, unknown>;
  expiresAtMs?: number | null;
}

export interface KeyRecord {
  keyId: string;
  keyHash: string;
  keyPrefix: string;
  keyAlias: string | null;
  teamId: string | null;
  userId: string | null;
  models: string[];
  metadata: Record<string, unknown>;
  expiresAtMs: number | null;
  blocked: boolean;
  createdAtMs: number;
}

export async function insertTeam(tx: SqlRunner, t: TeamInput): Promise<void> {
  await tx.query('INSERT INTO teams (team_id, team_alias, models, metadata) VALUES ($1, $2, $3, $4)', [
    t.teamId, t.teamAlias ?? null, t.models ?? [], JSON.stringify(t.metadata ?? {}),
  ]);
}

export async function insertUser(tx: SqlRunner, u: UserInput): Promise<void> {
  await tx.query('INSERT INTO users (user_id, user_email, metadata) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING', [
    u.userId, u.userEmail ?? null, JSON.stringify(u.metadata ?? {}),
  ]);
}

export async function insertTeamMember(tx: SqlRunner, teamId: string, userId: string, role: string): Promise<void> {
  await tx.query(
    'INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (team_id, user_id) DO UPDATE SET role = EXCLUDED.role',
    [teamId, userId, role],
  );
}

export async function insertKey(tx: SqlRunner, k: KeyInput): Promise<void> {
  await tx.query(
    `INSERT INTO keys (key_id, key_hash, key_prefix, key_alias, team_id, user_id, models, metadata, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [k.keyId, k.keyHash, k.keyPrefix, k.keyAlias ?? null, k.teamId ?? null, k.userId ?? null, k.models ?? [],
      JSON.stringify(k.metadata ?? {}), k.expiresAtMs == null ? null : new Date(k.expiresAtMs)],
  );
}

function toKey(r: Record<string, unknown>): KeyRecord {
  const meta = r['metadata'];
  return {
    keyId: str(r, 'key_id'), keyHash: str(r, 'key_hash'), keyPrefix: str(r, 'key_prefix'), keyAlias: strOrNull(r, 'key_alias'),
    teamId: strOrNull(r, 'team_id'), userId: strOrNull(r, 'user_id'), models: strArray(r, 'models'),
    metadata: meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>) : {},
    expiresAtMs: msOrNull(r, 'expires_at'), blocked: r['blocked'] === true, createdAtMs: ms(r, 'created_at'),
  };
}

export async function selectKeyByHash(tx: SqlRunner, keyHash: string): Promise<KeyRecord | null> {
  const rows = await tx.query('SELECT * FROM keys WHERE key_hash = $1', [keyHash]);
  return rows[0] ? toKey(rows[0]) : null;
}

export async function selectTeamMembers(tx: SqlRunner, teamId: string): Promise<{ userId: string; role: string }[]> {
  const rows = await tx.query('SELECT user_id, role FROM team_members WHERE team_id = $1 ORDER BY user_id', [teamId]);
  return rows.map((r) => ({ userId: str(r, 'user_id'), role: str(r, 'role') }));
}
