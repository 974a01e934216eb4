// In-process reservation authority: counters in a Map, for the embedded mode (one process owns every key).
// Durable spend is written behind by the store (recordCompleted); `loadScope` seeds counters at boot.
import type { Hold, ReservationAuthority } from './ledger.ts';
import {
  admit,
  applyHold,
  dropHold,
  emptyCounters,
  rollCounters,
  scopeKey,
  type Actual,
  type ScopeCounters,
  type ScopeLimits,
  type ScopeRef,
} from './reservation.ts';

interface ScopeState {
  limits: ScopeLimits;
  counters: ScopeCounters;
}

export interface MemoryAuthority extends ReservationAuthority {
  /** Registers or updates a scope's limits; `seed` restores spend/period from the store. Unregistered scopes are unlimited. */
  loadScope(ref: ScopeRef, limits: ScopeLimits, nowMs: number, seed?: Partial<ScopeCounters>): void;
  removeScope(ref: ScopeRef): void;
  counters(ref: ScopeRef, nowMs: number): ScopeCounters | null;
  readonly holdCount: number;
}

export function createMemoryAuthority(): MemoryAuthority {
  const scopes = new Map<string, ScopeState>();
  const holds = new Map<string, Hold>();
  // Expired holds booked their estimate as spend; a late settle corrects it to the actual cost.
  const expired = new Map<string, { hold: Hold; atMs: number }>();
  const EXPIRED_KEEP_MS = 60 * 60_000;

  function rolled(ref: ScopeRef, nowMs: number): ScopeState | undefined {
    const s = scopes.get(scopeKey(ref));
    if (s) s.counters = rollCounters(s.counters, s.limits, nowMs);
    return s;
  }

  function drop(id: string, nowMs: number, actual: Actual | null): boolean {
    const hold = holds.get(id);
    if (!hold) return false;
    holds.delete(id);
    for (const ref of hold.scopes) {
      const s = rolled(ref, nowMs);
      if (s) s.counters = dropHold(s.counters, hold.amount, hold.heldInMinuteMs, actual);
    }
    return true;
  }

  return {
    loadScope(ref, limits, nowMs, seed) {
      const prev = scopes.get(scopeKey(ref));
      const counters = { ...(prev?.counters ?? emptyCounters(nowMs, limits)), ...seed };
      scopes.set(scopeKey(ref), { limits, counters: rollCounters(counters, limits, nowMs) });
    },
    removeScope(ref) {
      scopes.delete(scopeKey(ref));
    },
    counters(ref, nowMs) {
      return rolled(ref, nowMs)?.counters ?? null;
    },
    get holdCount() {
      return holds.size;
    },
    async acquire(hold, nowMs) {
      if (holds.has(hold.id)) return null;
      const states: ScopeState[] = [];
      for (const ref of hold.scopes) {
        const s = rolled(ref, nowMs);
        if (!s) continue;
        const denial = admit(ref, s.limits, s.counters, hold.amount, nowMs);
        if (denial) return denial;
        states.push(s);
      }
      for (const s of states) s.counters = applyHold(s.counters, hold.amount);
      holds.set(hold.id, hold);
      return null;
    },
    async settle(id, actual, nowMs) {
      if (drop(id, nowMs, actual)) return true;
      const late = expired.get(id);
      if (!late) return false;
      expired.delete(id);
      for (const ref of late.hold.scopes) {
        const s = rolled(ref, nowMs);
        if (s) s.counters = { ...s.counters, spendUsd: Math.max(0, s.counters.spendUsd + actual.costUsd - late.hold.amount.costUsd) };
      }
      return true;
    },
    async release(id, nowMs) {
      return drop(id, nowMs, null);
    },
    async expire(nowMs) {
      let n = 0;
      for (const [id, hold] of holds) {
        if (hold.expiresAtMs > nowMs) continue;
        drop(id, nowMs, { costUsd: hold.amount.costUsd, tokens: hold.amount.tokens });
        expired.set(id, { hold, atMs: nowMs });
        n++;
      }
      for (const [id, e] of expired) if (nowMs - e.atMs > EXPIRED_KEEP_MS) expired.delete(id);
      return n;
    },
  };
}
