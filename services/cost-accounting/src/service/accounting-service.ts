// The accounting service: records completed events (spend + outbox + audit, one transaction) then settles their
// holds, sweeps expired holds and ended budget periods, and answers holds, key lookups and admin calls on the bus.
import { type Bus, type BusMessage, type CompletedEvent, type Logger, type Subjects } from '@ai-gateway/kit';
import { createAdminApi, type AdminApi } from '../admin/api.ts';
import { grantByHash } from '../admin/records.ts';
import { isEmptyChange, type AdminRequest, type KeyChange } from '../admin/types.ts';
import type { ReservationAuthority } from '../domain/ledger.ts';
import type { MemoryAuthority } from '../domain/memory-authority.ts';
import type { ScopeRef } from '../domain/reservation.ts';
import type { Store } from '../store/port.ts';
import type { SqlExecutor } from '../store/sql.ts';
import { HOLDER_METADATA, SLICES_METADATA, accountingSubjects, decodeSlices, errorHeaders, fromBytes, toBytes, type HoldOp, type Settled } from './protocol.ts';
import { shrinkSlices } from './slice-sql.ts';
import { createCompletedBatcher } from './completed-batcher.ts';

export interface AccountingServiceDeps {
  bus: Bus;
  subjects: Subjects;
  store: Store;
  sql: SqlExecutor;
  logger: Logger;
  /** The authority holds are taken from: the in-memory one (embedded) or the store's Postgres one. */
  authority: ReservationAuthority;
  /** Embedded mode: the in-memory authority, kept in step with limit changes. */
  memory?: MemoryAuthority;
  now?: () => number;
}

export interface AccountingServiceOptions {
  /** Durable consumer name of the completed stream, shared by every replica. */
  durableName: string;
  sweepEveryMs: number;
  /** Serve hold requests on the bus (distributed mode); embedded callers use the authority directly. */
  serveHolds: boolean;
}

export interface AccountingService {
  readonly admin: AdminApi;
  /** Applies a key/team/user change locally and tells every ingress (cache invalidation). */
  publishChange(change: KeyChange): Promise<void>;
  /** Completed events recorded by this replica so far. */
  readonly recorded: number;
  close(): Promise<void>;
}

const MAX_DELIVERIES = 5;

/** SQLSTATE class 22 (data exception, e.g. a NUL byte in text): retrying the same input cannot succeed. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** Text fields without NUL bytes (Postgres text cannot hold them); everything else unchanged. */
function withoutNul(evt: CompletedEvent): CompletedEvent {
  return JSON.parse(JSON.stringify(evt).replaceAll('\\u0000', '')) as CompletedEvent;
}

export async function startAccountingService(input: { deps: AccountingServiceDeps; options?: Partial<AccountingServiceOptions> }): Promise<AccountingService> {
  const { bus, store, sql, logger, authority, memory } = input.deps;
  const now = input.deps.now ?? Date.now;
  const opts: AccountingServiceOptions = { durableName: 'accounting', sweepEveryMs: 5_000, serveHolds: false, ...input.options };
  const subjects = accountingSubjects(input.deps.subjects);
  const admin = createAdminApi({ deps: { sql, logger, now } });
  const subs: { unsubscribe(): void }[] = [];
  let recorded = 0;

  async function record(evt: CompletedEvent) {
    try {
      return await store.recordCompleted(evt);
    } catch (err) {
      if (!isDataError(err)) throw err;
      return store.recordCompleted(withoutNul(evt));
    }
  }

  async function reloadScope(ref: ScopeRef, deleted: boolean): Promise<void> {
    if (!memory) return;
    const row = deleted ? null : await store.getBudget(ref);
    if (!row) memory.removeScope(ref);
    else memory.loadScope(ref, row.limits, now(), { periodStartMs: row.counters.periodStartMs, budgetResetAtMs: row.counters.budgetResetAtMs });
  }

  async function publishChange(change: KeyChange): Promise<void> {
    for (const id of change.keyIds) await reloadScope({ kind: 'key', id }, change.deleted === true);
    for (const id of change.teamIds) await reloadScope({ kind: 'team', id }, false);
    for (const id of change.userIds) await reloadScope({ kind: 'user', id }, false);
    bus.publish(subjects.keyChanges, toBytes(change));
  }

  function serve(subject: string, handler: (m: BusMessage) => Promise<unknown>): void {
    const sub = bus.subscribe(subject, { queue: 'accounting' });
    subs.push(sub);
    void (async () => {
      for await (const m of sub) {
        // Each request runs on its own; a slow one never holds up the next.
        void handler(m).then(
          (reply) => m.respond(toBytes(reply)),
          (err: unknown) => {
            logger.warn({ err, subject }, 'accounting request failed');
            m.respond(new Uint8Array(0), errorHeaders(err));
          },
        );
      }
    })();
  }

  serve(subjects.keyLookup, async (m) => ({ grant: await grantByHash(sql, fromBytes<{ keyHash: string }>(m.data).keyHash) }));
  serve(subjects.admin, async (m) => {
    const res = await admin.handle(fromBytes<AdminRequest>(m.data));
    if (res.change && !isEmptyChange(res.change)) await publishChange(res.change);
    return { status: res.status, body: res.body };
  });
  if (opts.serveHolds) {
    serve(subjects.holds, async (m) => {
      const op = fromBytes<HoldOp>(m.data);
      if (op.op === 'acquire') return { denial: await authority.acquire(op.hold, op.nowMs) };
      if (op.op === 'settle') return { dropped: await authority.settle(op.id, op.actual, op.nowMs) };
      return { dropped: await authority.release(op.id, op.nowMs) };
    });
  }

  // Spend is committed first; only then is the hold dropped, so no replica sees room the spend has not taken yet.
  // Events are recorded in batches (one transaction each, acked after commit); a poison event is dead-lettered.
  const batcher = createCompletedBatcher({
    deps: { store, logger, recordOne: record, afterRecord: async (evt, isNew) => {
      if (isNew) {
        recorded++;
        // Only on first recording: a redelivery must not take the estimate out twice (skipping it is conservative).
        const slices = decodeSlices(evt.metadata[SLICES_METADATA]);
        if (slices && !memory) await shrinkSlices(sql, slices.ids, slices.costUsd);
      }
      const actual = { costUsd: evt.costUsd, tokens: evt.usage.totalTokens };
      if (memory) await memory.settle(evt.requestId, actual, now());
      const holder = evt.metadata[HOLDER_METADATA];
      if (holder && /^[A-Za-z0-9_-]{1,128}$/.test(holder)) {
        bus.publish(subjects.settled(holder), toBytes({ requestId: evt.requestId, ...actual } satisfies Settled));
      }
    } },
    // Embedded (PGlite runs on the gateway's own event loop): a batch's fixed statements dominate its cost, so
    // wait longer and write bigger batches; reservations stay held until then, which only errs on the safe side.
    options: { deadLetterAfterDeliveries: MAX_DELIVERIES, ...(memory ? { maxDelayMs: 100, maxBatch: 500 } : {}) },
  });
  // In flight: two batches' worth, so the next batch fills while one commits.
  const consumer = await bus.consumeDurable(input.deps.subjects.completed, opts.durableName, (msg) => batcher.handle(msg), { ackWaitMs: 30_000, maxInFlight: 512 });

  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    const t = now();
    Promise.all([authority.expire(t), store.rollDueBudgets(t)])
      .catch((err: unknown) => logger.warn({ err }, 'accounting sweep failed'))
      .finally(() => {
        sweeping = false;
      });
  }, opts.sweepEveryMs);
  timer.unref();

  await bus.flush();
  return {
    admin,
    publishChange,
    get recorded() {
      return recorded;
    },
    async close() {
      clearInterval(timer);
      for (const s of subs) s.unsubscribe();
      await consumer.stop();
    },
  };
}
