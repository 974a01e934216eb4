// The reservation ledger: reserve before dispatch, settle or release after, against a pluggable authority
// (in-process memory, Postgres conditional updates, or per-replica slices of either).
import type { Tenant } from '@ai-gateway/kit';
import { denialError, type Actual, type Amount, type Denial, type ScopeRef, minuteStart } from './reservation.ts';

/** One reservation as an authority stores it. `heldInMinuteMs` is the rate-limit minute it counts against. */
export interface Hold {
  id: string;
  scopes: ScopeRef[];
  amount: Amount;
  heldInMinuteMs: number;
  expiresAtMs: number;
}

/** Where the counters live. Every method is idempotent on the hold id. */
export interface ReservationAuthority {
  /** Applies the hold to every scope atomically, or to none and says which limit refused it. */
  acquire(hold: Hold, nowMs: number): Promise<Denial | null>;
  /** Drops the hold and books what was actually used. False when the hold is unknown (already settled/expired). */
  settle(id: string, actual: Actual, nowMs: number): Promise<boolean>;
  /** Drops the hold of a request that was never dispatched, giving its requests/tokens back. */
  release(id: string, nowMs: number): Promise<boolean>;
  /** Drops holds past their expiry (e.g. of a crashed replica); returns how many. */
  expire(nowMs: number): Promise<number>;
}

export interface Reservation {
  id: string;
  scopes: ScopeRef[];
  amount: Amount;
  expiresAtMs: number;
}

export interface ReserveRequest {
  /** The request id: settle/release and the completed event find the reservation by it. */
  id: string;
  tenant: Pick<Tenant, 'keyId' | 'teamId' | 'userId'>;
  amount: Amount;
  /** The request's deadline; the reservation lives until it plus slack. */
  deadlineMs?: number;
}

export interface Ledger {
  /** Resolves with the reservation or rejects with budget_exceeded / rate_limited. */
  reserve(req: ReserveRequest): Promise<Reservation>;
  settle(id: string, actual: Actual): Promise<boolean>;
  release(id: string): Promise<boolean>;
  expire(): Promise<number>;
}

export interface LedgerOptions {
  /** Lifetime of a reservation without a deadline. */
  defaultTtlMs: number;
  /** Added to the deadline so a slow settle is not mistaken for a crash. */
  slackMs: number;
}

export const DEFAULT_LEDGER_OPTIONS: Readonly<LedgerOptions> = Object.freeze({ defaultTtlMs: 10 * 60_000, slackMs: 30_000 });

export function scopesOf(tenant: ReserveRequest['tenant']): ScopeRef[] {
  const scopes: ScopeRef[] = [];
  if (tenant.keyId) scopes.push({ kind: 'key', id: tenant.keyId });
  if (tenant.teamId) scopes.push({ kind: 'team', id: tenant.teamId });
  if (tenant.userId) scopes.push({ kind: 'user', id: tenant.userId });
  return scopes;
}

export function createLedger(input: {
  deps: { authority: ReservationAuthority; now?: () => number };
  options?: Partial<LedgerOptions>;
}): Ledger {
  const { authority } = input.deps;
  const now = input.deps.now ?? Date.now;
  const opts = { ...DEFAULT_LEDGER_OPTIONS, ...input.options };
  return {
    async reserve(req) {
      const t = now();
      const expiresAtMs = (req.deadlineMs ?? t + opts.defaultTtlMs) + opts.slackMs;
      const hold: Hold = { id: req.id, scopes: scopesOf(req.tenant), amount: req.amount, heldInMinuteMs: minuteStart(t), expiresAtMs };
      const denial = await authority.acquire(hold, t);
      if (denial) throw denialError(denial, t);
      return { id: hold.id, scopes: hold.scopes, amount: hold.amount, expiresAtMs };
    },
    settle: (id, actual) => authority.settle(id, actual, now()),
    release: (id) => authority.release(id, now()),
    expire: () => authority.expire(now()),
  };
}
