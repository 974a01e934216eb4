// Moves a finished slice member's estimate out of its slice's reservation once its spend is booked, so a slice
// that is still open does not count that member twice (reserved and spent) against its budget.
import type { SqlExecutor } from '../store/sql.ts';

// Locks the slice row first, then its scope rows: the same order as dropping a hold.
const SHRINK_SQL = `
  WITH old AS (
    SELECT id, scopes, cost FROM reservations WHERE id = $1 FOR UPDATE
  ), upd AS (
    UPDATE reservations r SET cost = GREATEST(0, old.cost - $2::float8)
    FROM old WHERE r.id = old.id
    RETURNING old.scopes AS scopes, LEAST(old.cost, $2::float8) AS moved
  ), s AS (
    SELECT split_part(x, ':', 1) AS scope, substr(x, strpos(x, ':') + 1) AS scope_id, upd.moved FROM upd, unnest(upd.scopes) AS x
  )
  UPDATE budgets b SET reserved = GREATEST(0, b.reserved - s.moved), updated_at = now()
  FROM s WHERE b.scope = s.scope AND b.scope_id = s.scope_id`;

export async function shrinkSlices(sql: SqlExecutor, ids: readonly string[], costUsd: number): Promise<void> {
  for (const id of ids) await sql.query(SHRINK_SQL, [id, costUsd]);
}
