// The Store port: everything cost accounting persists. One contract test suite runs against every adapter.
import type { CompletedEvent } from '@ai-gateway/kit';
import type { ReservationAuthority } from '../domain/ledger.ts';
import type { ScopeLimits, ScopeRef } from '../domain/reservation.ts';
import type { ChainVerdict } from './audit.ts';
import type { BudgetRow } from './budgets-sql.ts';
import type { RecordResult } from './spend-sql.ts';
import type { KeyInput, KeyRecord, TeamInput, UserInput } from './tenants-sql.ts';
import type { OutboxBacklog, OutboxClaim } from './outbox-sql.ts';
import type { SpendLogEntry, SpendLogFilter, SpendTotalsRow } from './reports-sql.ts';

export type { ChainVerdict } from './audit.ts';
export type { BudgetRow } from './budgets-sql.ts';
export type { RecordResult, RecordEncoders } from './spend-sql.ts';
export type { KeyInput, KeyRecord, TeamInput, UserInput } from './tenants-sql.ts';
export type { OutboxBacklog, OutboxClaim } from './outbox-sql.ts';
export type { SpendLogEntry, SpendLogFilter, SpendTotalsRow } from './reports-sql.ts';

export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: Uint8Array;
  idempotencyKey: string;
  createdAtMs: number;
  /** W3C traceparent of the request the record belongs to (null: none carried, or a row older than it). */
  traceparent?: string | null;
  /** Fingerprint of the schema that wrote an Avro payload (null: JSON, or a row older than it: the current schema). */
  schemaFingerprint?: string | null;
}

/** A completed event with the trace context it arrived with; the store keeps `traceparent` on its outbox rows. */
export type TracedCompletedEvent = CompletedEvent & { traceparent?: string | null };

export interface SpendLogRow {
  requestId: string;
  keyId: string | null;
  teamId: string | null;
  userId: string | null;
  model: string;
  costUsd: number;
  totalTokens: number;
  cacheStatus: string;
  outcome: string;
}

export interface Store {
  readonly dialect: 'pglite' | 'postgres';
  /** Applies pending migrations; returns the versions applied now. */
  migrate(): Promise<number[]>;

  createTeam(team: TeamInput): Promise<void>;
  createUser(user: UserInput): Promise<void>;
  addTeamMember(teamId: string, userId: string, role?: string): Promise<void>;
  teamMembers(teamId: string): Promise<{ userId: string; role: string }[]>;
  /** Fails (unique violation) when the hash or the alias is taken. */
  createKey(key: KeyInput): Promise<void>;
  findKeyByHash(keyHash: string): Promise<KeyRecord | null>;

  setLimits(scope: ScopeRef, limits: ScopeLimits, nowMs?: number): Promise<void>;
  getBudget(scope: ScopeRef): Promise<BudgetRow | null>;
  listBudgets(): Promise<BudgetRow[]>;
  rollDueBudgets(nowMs?: number): Promise<number>;

  /** The Postgres reservation authority over this store's budgets (holder = replica id, for slices). */
  authority(options?: { holder?: string }): ReservationAuthority;
  reservationCount(): Promise<number>;

  /** Spend log + counters + billing and audit outbox rows + audit link in one transaction; idempotent on requestId. */
  recordCompleted(event: TracedCompletedEvent, nowMs?: number): Promise<RecordResult>;
  /**
   * Many events in one transaction (set-based SQL); results in input order. Ends in the same rows, counters and
   * audit chain as recording them one by one in that order; an id already recorded or repeated yields `recorded: false`.
   */
  recordCompletedBatch(events: readonly TracedCompletedEvent[], nowMs?: number): Promise<RecordResult[]>;
  getSpendLog(requestId: string): Promise<SpendLogRow | null>;

  pendingOutbox(limit: number): Promise<OutboxRow[]>;
  markPublished(ids: readonly string[], nowMs?: number): Promise<void>;
  /**
   * Relay claim: hands one shard's oldest pending rows to `publish` and marks them published when it resolves
   * (a throw leaves them pending). Null when another relay holds the shard.
   */
  publishOutbox(claim: OutboxClaim, publish: (rows: readonly OutboxRow[]) => Promise<void>): Promise<number | null>;
  outboxBacklog(): Promise<OutboxBacklog>;

  /** Spend log rows, newest first (reports). */
  querySpendLogs(filter: SpendLogFilter): Promise<SpendLogEntry[]>;
  /** Per day/key/team/user/requested model/served model/cache-hit sums over [fromMs, toMs). */
  spendTotals(range: { fromMs: number; toMs: number }): Promise<SpendTotalsRow[]>;

  /**
   * Retention: deletes up to `limit` spend logs that finished before `beforeMs`; returns how many. Replicas pruning
   * at once share the work (rows another one is deleting are skipped). Audit rows are never deleted.
   */
  pruneSpendLogs(beforeMs: number, limit: number): Promise<number>;
  /** Deletes up to `limit` outbox rows published before `beforeMs`; pending rows are never touched. */
  prunePublishedOutbox(beforeMs: number, limit: number): Promise<number>;
  /** Makes the space of deleted rows reusable where nothing else does (PGlite runs no autovacuum). */
  reclaimSpace(): Promise<void>;

  verifyAuditChain(): Promise<ChainVerdict>;
  close(): Promise<void>;
}
