// Per-replica slices: a replica takes a slice of each scope's budget/rate/parallel room from the shared
// authority (one conditional UPDATE), then admits requests locally from it, refilling when it runs out.
// Most reserves need no round trip; what other replicas cannot use is bounded by the slices held.
import type { Hold, ReservationAuthority } from './ledger.ts';
import { MINUTE_MS, minuteStart, scopeKey, type Actual, type Amount, type Denial, type ScopeRef } from './reservation.ts';

export interface SliceOptions {
  replicaId: string;
  /**
   * Size of a slice; a request bigger than a slice gets a slice of its own size. A function sizes it from the
   * request that asks for it (e.g. N requests' worth), so small budgets are not stranded in oversized slices.
   */
  slice: Amount | ((request: Amount) => Amount);
  /** How long a member request may live; a slice's upstream hold expires at its minute's end plus this. */
  maxRequestTtlMs: number;
}

interface Slice {
  id: string;
  scope: ScopeRef;
  grant: Amount;
  /** Consumed cost/requests/tokens (estimates); released members give theirs back. */
  used: Amount;
  members: number;
  actualTokens: number;
  minuteMs: number;
  expiresAtMs: number;
  retired: boolean;
}

type LocalHold = { hold: Hold; direct: true } | { hold: Hold; direct: false; slices: Slice[] };

export interface SliceAuthority extends ReservationAuthority {
  /** Upstream round trips made so far (slice grants, direct holds, slice returns). */
  readonly upstreamCalls: number;
  /** Upstream ids of the slices a request was admitted from (empty for a direct hold or an unknown id). */
  slicesOf(id: string): string[];
}

const fits = (s: Slice | undefined, h: Hold, nowMs: number): s is Slice =>
  s !== undefined && !s.retired && s.minuteMs === minuteStart(nowMs) && s.minuteMs === h.heldInMinuteMs &&
  h.expiresAtMs <= s.expiresAtMs && s.used.costUsd + h.amount.costUsd <= s.grant.costUsd + 1e-12 &&
  s.used.requests + h.amount.requests <= s.grant.requests && s.used.tokens + h.amount.tokens <= s.grant.tokens &&
  s.members + h.amount.parallel <= s.grant.parallel;

const maxAmount = (a: Amount, b: Amount): Amount => ({
  costUsd: Math.max(a.costUsd, b.costUsd), requests: Math.max(a.requests, b.requests),
  tokens: Math.max(a.tokens, b.tokens), parallel: Math.max(a.parallel, b.parallel),
});

export function createSliceAuthority(input: { deps: { upstream: ReservationAuthority }; options: SliceOptions }): SliceAuthority {
  const { upstream } = input.deps;
  const opts = input.options;
  const current = new Map<string, Slice>();
  const refilling = new Map<string, Promise<Denial | null>>();
  // Scopes whose limits refused a full slice this minute: ask for exactly what a request needs.
  const exactUntil = new Map<string, number>();
  const local = new Map<string, LocalHold>();
  let seq = 0;
  let calls = 0;

  async function close(s: Slice, nowMs: number): Promise<void> {
    calls++;
    // Frees the slice's money and parallel room; the minute keeps what members actually used.
    await upstream.settle(s.id, { costUsd: 0, tokens: s.actualTokens, requests: s.used.requests }, nowMs);
  }

  function retire(s: Slice, nowMs: number, pending: Promise<void>[]): void {
    if (s.retired) return;
    s.retired = true;
    if (current.get(scopeKey(s.scope)) === s) current.delete(scopeKey(s.scope));
    if (s.members === 0) pending.push(close(s, nowMs));
  }

  async function grantSlice(scope: ScopeRef, h: Hold, nowMs: number): Promise<Denial | null> {
    const k = scopeKey(scope);
    const old = current.get(k);
    const pending: Promise<void>[] = [];
    if (old) retire(old, nowMs, pending);
    await Promise.all(pending);
    const minute = minuteStart(nowMs);
    const sizes = (exactUntil.get(k) ?? 0) > nowMs ? [h.amount] : [maxAmount(typeof opts.slice === 'function' ? opts.slice(h.amount) : opts.slice, h.amount), h.amount];
    let denial: Denial | null = null;
    for (const grant of sizes) {
      const slice: Slice = {
        id: `slice:${opts.replicaId}:${k}:${++seq}`, scope, grant, used: { costUsd: 0, requests: 0, tokens: 0, parallel: 0 },
        members: 0, actualTokens: 0, minuteMs: minute, expiresAtMs: minute + MINUTE_MS + opts.maxRequestTtlMs, retired: false,
      };
      calls++;
      denial = await upstream.acquire({ id: slice.id, scopes: [scope], amount: grant, heldInMinuteMs: minute, expiresAtMs: slice.expiresAtMs }, nowMs);
      if (!denial) {
        current.set(k, slice);
        return null;
      }
      exactUntil.set(k, minute + MINUTE_MS);
    }
    return denial;
  }

  function refill(scope: ScopeRef, h: Hold, nowMs: number): Promise<Denial | null> {
    const k = scopeKey(scope);
    const inProgress = refilling.get(k);
    if (inProgress) return inProgress;
    const p = grantSlice(scope, h, nowMs).finally(() => refilling.delete(k));
    refilling.set(k, p);
    return p;
  }

  async function direct(h: Hold, nowMs: number): Promise<Denial | null> {
    calls++;
    const denial = await upstream.acquire(h, nowMs);
    if (!denial) local.set(h.id, { hold: h, direct: true });
    return denial;
  }

  async function finish(id: string, nowMs: number, actual: Actual | null): Promise<boolean> {
    const l = local.get(id);
    if (!l) return false;
    local.delete(id);
    if (l.direct) {
      calls++;
      return actual ? upstream.settle(id, actual, nowMs) : upstream.release(id, nowMs);
    }
    const a = l.hold.amount;
    const pending: Promise<void>[] = [];
    for (const s of l.slices) {
      s.members -= a.parallel;
      if (actual) s.actualTokens += actual.tokens;
      else s.used = { ...s.used, costUsd: s.used.costUsd - a.costUsd, requests: s.used.requests - a.requests, tokens: s.used.tokens - a.tokens };
      if (s.retired && s.members === 0) pending.push(close(s, nowMs));
    }
    await Promise.all(pending);
    return true;
  }

  return {
    get upstreamCalls() {
      return calls;
    },
    slicesOf(id) {
      const l = local.get(id);
      return l && !l.direct ? l.slices.map((s) => s.id) : [];
    },
    async acquire(h, nowMs) {
      if (local.has(h.id)) return null;
      // A request outliving any slice of this minute cannot be covered by one.
      if (h.expiresAtMs > minuteStart(nowMs) + MINUTE_MS + opts.maxRequestTtlMs) return direct(h, nowMs);
      for (let attempt = 0; attempt < 3; attempt++) {
        for (const scope of h.scopes) {
          if (fits(current.get(scopeKey(scope)), h, nowMs)) continue;
          const denial = await refill(scope, h, nowMs);
          if (denial) return denial;
        }
        // Check and take synchronously: nothing can interleave between the two.
        const slices = h.scopes.map((s) => current.get(scopeKey(s)));
        if (slices.every((s) => fits(s, h, nowMs))) {
          const taken = slices as Slice[];
          const none: Promise<void>[] = [];
          for (const s of taken) {
            s.used = { costUsd: s.used.costUsd + h.amount.costUsd, requests: s.used.requests + h.amount.requests, tokens: s.used.tokens + h.amount.tokens, parallel: 0 };
            s.members += h.amount.parallel;
            // A used-up slice is retired at once, so it closes (returning its room) as its last member settles,
            // instead of lingering while its members' recorded spend is counted a second time.
            if (s.used.requests >= s.grant.requests) retire(s, nowMs, none);
          }
          local.set(h.id, { hold: h, direct: false, slices: taken });
          return null;
        }
      }
      return direct(h, nowMs); // heavy contention on this replica: fall back to a per-request hold
    },
    settle: (id, actual, nowMs) => finish(id, nowMs, actual),
    release: (id, nowMs) => finish(id, nowMs, null),
    async expire(nowMs) {
      let n = 0;
      for (const [id, l] of local) {
        if (l.hold.expiresAtMs > nowMs) continue;
        await finish(id, nowMs, { costUsd: l.hold.amount.costUsd, tokens: l.hold.amount.tokens });
        n++;
      }
      // Return idle slices of past minutes so their unused room goes back to the other replicas.
      const pending: Promise<void>[] = [];
      for (const s of [...current.values()]) if (s.minuteMs !== minuteStart(nowMs) || s.expiresAtMs <= nowMs) retire(s, nowMs, pending);
      await Promise.all(pending);
      calls++;
      return n + (await upstream.expire(nowMs));
    },
  };
}
