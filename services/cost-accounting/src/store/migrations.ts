// Versioned, idempotent schema migrations recorded in schema_migrations; safe when replicas start together.
import type { SqlExecutor } from './sql.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenants: teams, users, team members, keys',
    sql: `
      CREATE TABLE teams (
        team_id     text PRIMARY KEY,
        team_alias  text UNIQUE,
        models      text[] NOT NULL DEFAULT '{}',
        metadata    jsonb NOT NULL DEFAULT '{}',
        blocked     boolean NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE users (
        user_id     text PRIMARY KEY,
        user_email  text,
        metadata    jsonb NOT NULL DEFAULT '{}',
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE team_members (
        team_id     text NOT NULL REFERENCES teams(team_id) ON DELETE CASCADE,
        user_id     text NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
        role        text NOT NULL DEFAULT 'user',
        PRIMARY KEY (team_id, user_id)
      );
      CREATE TABLE keys (
        key_id      text PRIMARY KEY,
        key_hash    text NOT NULL UNIQUE,          -- sha256 hex of the secret; the secret is never stored
        key_prefix  text NOT NULL,                 -- e.g. "sk-abcd…" for display
        key_alias   text UNIQUE,
        team_id     text REFERENCES teams(team_id) ON DELETE SET NULL,
        user_id     text REFERENCES users(user_id) ON DELETE SET NULL,
        models      text[] NOT NULL DEFAULT '{}',
        metadata    jsonb NOT NULL DEFAULT '{}',
        expires_at  timestamptz,
        blocked     boolean NOT NULL DEFAULT false,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX keys_team_idx ON keys (team_id);
      CREATE INDEX keys_user_idx ON keys (user_id);
    `,
  },
  {
    version: 2,
    name: 'budgets and reservations',
    sql: `
      -- One row per key/team/user with limits: limits, spend in the current period, and live reservations.
      CREATE TABLE budgets (
        scope                 text NOT NULL CHECK (scope IN ('key', 'team', 'user')),
        scope_id              text NOT NULL,
        label                 text,
        max_budget            double precision,
        budget_duration       text,
        rpm_limit             integer,
        tpm_limit             integer,
        max_parallel_requests integer,
        spend                 double precision NOT NULL DEFAULT 0,
        reserved              double precision NOT NULL DEFAULT 0,
        in_flight             integer NOT NULL DEFAULT 0,
        period_start          timestamptz NOT NULL DEFAULT now(),
        budget_reset_at       timestamptz,
        window_start          timestamptz NOT NULL DEFAULT to_timestamp(0),
        window_requests       integer NOT NULL DEFAULT 0,
        window_tokens         integer NOT NULL DEFAULT 0,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, scope_id)
      );
      CREATE INDEX budgets_reset_idx ON budgets (budget_reset_at) WHERE budget_reset_at IS NOT NULL;
      CREATE TABLE reservations (
        id            text PRIMARY KEY,
        scopes        text[] NOT NULL,           -- 'key:<id>', 'team:<id>', 'user:<id>'
        cost          double precision NOT NULL,
        requests      integer NOT NULL,
        tokens        integer NOT NULL,
        parallel      integer NOT NULL,
        held_minute   timestamptz NOT NULL,
        expires_at    timestamptz NOT NULL,
        holder        text,                      -- replica id for slices, null for per-request holds
        created_at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX reservations_expiry_idx ON reservations (expires_at);
    `,
  },
  {
    version: 3,
    name: 'spend logs, outbox, append-only hash-chained audit log',
    sql: `
      CREATE TABLE spend_logs (
        request_id        text PRIMARY KEY,
        key_id            text,
        team_id           text,
        user_id           text,
        project_id        text,
        requested_model   text NOT NULL,
        model_group       text,
        deployment_id     text,
        provider          text,
        provider_model    text,
        prompt_tokens     integer NOT NULL,
        completion_tokens integer NOT NULL,
        cached_tokens     integer NOT NULL,
        total_tokens      integer NOT NULL,
        usage_estimated   boolean NOT NULL,
        cost_usd          double precision NOT NULL,
        saved_usd         double precision NOT NULL,
        cache_status      text NOT NULL,
        outcome           text NOT NULL,
        http_status       integer NOT NULL,
        error_code        text,
        latency_ms        integer NOT NULL,
        ttft_ms           integer,
        attempts          integer NOT NULL,
        started_at        timestamptz NOT NULL,
        finished_at       timestamptz NOT NULL
      );
      CREATE INDEX spend_logs_key_idx ON spend_logs (key_id, finished_at);
      CREATE INDEX spend_logs_team_idx ON spend_logs (team_id, finished_at);
      CREATE INDEX spend_logs_user_idx ON spend_logs (user_id, finished_at);

      CREATE TABLE outbox (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        topic            text NOT NULL,
        msg_key          text NOT NULL,
        payload          bytea NOT NULL,
        idempotency_key  text NOT NULL UNIQUE,
        created_at       timestamptz NOT NULL DEFAULT now(),
        published_at     timestamptz
      );
      CREATE INDEX outbox_pending_idx ON outbox (id) WHERE published_at IS NULL;

      CREATE TABLE audit_log (
        seq            bigint PRIMARY KEY,
        request_id     text NOT NULL,
        occurred_at_ms bigint NOT NULL,
        key_id         text,
        team_id        text,
        user_id        text,
        action         text NOT NULL,
        model          text NOT NULL,
        outcome        text NOT NULL,
        verdicts       jsonb NOT NULL,
        prompt_digest  text,
        prev_hash      text NOT NULL,
        hash           text NOT NULL
      );
      -- The chain head: one row, locked by each append so seq/prev_hash are assigned in order.
      CREATE TABLE audit_head (
        id    integer PRIMARY KEY CHECK (id = 1),
        seq   bigint NOT NULL,
        hash  text NOT NULL
      );
      INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');

      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
    `,
  },
  {
    version: 4,
    name: 'outbox rows keep the W3C traceparent of their request',
    sql: `
      -- Null for rows written before this migration and for requests that carried no trace context.
      ALTER TABLE outbox ADD COLUMN traceparent text;
    `,
  },
  {
    version: 5,
    name: "spend logs keep the client's own x-request-id beside the gateway's request id",
    sql: `
      -- The client's correlation id (null when it sent none); the request id stays the gateway's, unique per request.
      ALTER TABLE spend_logs ADD COLUMN client_request_id text;
      CREATE INDEX spend_logs_client_request_idx ON spend_logs (client_request_id) WHERE client_request_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'outbox rows keep the fingerprint of the schema that wrote their Avro payload',
    sql: `
      -- Null: a JSON payload, or a row older than this migration (relayed as the current schema, as before).
      ALTER TABLE outbox ADD COLUMN schema_fingerprint text;
    `,
  },
];

/** Applies missing migrations in order, each in its own transaction under an advisory lock. Returns versions applied. */
export async function migrate(sql: SqlExecutor, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  // Concurrent CREATE TABLE IF NOT EXISTS can still collide, so even this runs under the lock.
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7263541)');
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7263541)');
      const rows = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (rows.length > 0) return false;
      for (const stmt of splitStatements(m.sql)) await tx.query(stmt);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Splits on semicolons outside $$-quoted bodies and comments (our migrations only use those forms). */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inDollar = false;
  for (const line of text.split('\n')) {
    const code = line.replace(/--.*$/, '');
    for (let i = 0; i < code.length; i++) {
      if (code.startsWith('$$', i)) {
        inDollar = !inDollar;
        cur += '$$';
        i++;
        continue;
      }
      const ch = code[i] as string;
      if (ch === ';' && !inDollar) {
        if (cur.trim()) out.push(cur.trim());
        cur = '';
      } else cur += ch;
    }
    cur += '\n';
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
