// Public surface of @ai-gateway/cost-accounting: pricing, token estimation, budgets, the reservation
// ledger (memory / Postgres / slices) and the Store (PGlite or PostgreSQL).
// Pricing and token counting live in @ai-gateway/kit (shared with the router and the cache).

export {
  parseBudgetDuration,
  nextResetAt,
  openWindow,
  rollWindow,
  checkBudget,
  budgetExceededError,
  type BudgetPeriod,
  type BudgetWindow,
  type BudgetState,
  type BudgetExceeded,
  type ScopeKind,
} from './domain/budget.ts';
export {
  admit,
  applyHold,
  dropHold,
  rollCounters,
  emptyCounters,
  denialError,
  estimateAmount,
  minuteStart,
  scopeKey,
  MINUTE_MS,
  type ScopeRef,
  type ScopeLimits,
  type ScopeCounters,
  type Amount,
  type Actual,
  type Denial,
  type LimitName,
} from './domain/reservation.ts';
export {
  createLedger,
  scopesOf,
  DEFAULT_LEDGER_OPTIONS,
  type Ledger,
  type LedgerOptions,
  type Hold,
  type Reservation,
  type ReserveRequest,
  type ReservationAuthority,
} from './domain/ledger.ts';
export { estimateChatReservation, type ChatReservationEstimate } from './domain/estimate.ts';
export { createMemoryAuthority, type MemoryAuthority } from './domain/memory-authority.ts';
export { createSliceAuthority, type SliceAuthority, type SliceOptions } from './domain/slices.ts';
export { generateKey, hashKey, keyPrefix } from './domain/keys.ts';
export type { Store, OutboxRow, SpendLogRow, ChainVerdict, BudgetRow, RecordResult, RecordEncoders, KeyInput, KeyRecord, TeamInput, UserInput } from './store/port.ts';
export type { SqlExecutor, SqlRunner } from './store/sql.ts';
export { createSqlStore } from './store/store.ts';
export { seedMemoryAuthority } from './store/seed.ts';
export { createPgliteExecutor, type PgliteOptions } from './store/pglite.ts';
export { createPostgresExecutor, type PostgresOptions } from './store/postgres.ts';
export { MIGRATIONS, migrate, GENESIS_HASH, type Migration } from './store/migrations.ts';
export { canonicalJson, auditHash } from './store/audit.ts';
export { BILLING_TOPIC, AUDIT_TOPIC, billingRecordOf, jsonEncoders } from './store/spend-sql.ts';
// Outbox relay to Kafka and the spend reports.
export { createOutboxRelay, backoffDelay, DEFAULT_RELAY_OPTIONS, type OutboxRelay, type RecordSink, type RelayOptions, type RelayStats } from './relay/relay.ts';
export { createKafkaSink, type KafkaSinkOptions } from './relay/kafka-sink.ts';
export { messageOf, requestIdOf, HEADER as RELAY_HEADERS, AVRO_CONTENT_TYPE, type RelayMessage } from './relay/messages.ts';
export { createSpendReports, type SpendReports, type SpendReportOptions, type ReportCall } from './reports/api.ts';
export { builtinRequestedPrice, requestedPriceOf, savingsReport, type RequestedPrice, type PricedDeployment, type SavingsReport, type SavingsLine } from './reports/savings.ts';
export { parsePeriod, type Period } from './reports/period.ts';
export type { OutboxClaim, OutboxBacklog, SpendLogEntry, SpendLogFilter, SpendTotalsRow } from './store/port.ts';
// Admin API (LiteLLM-compatible, transport-free) and the accounting service with its bus protocol.
export { createAdminApi, importConfigKeys, type AdminApi } from './admin/api.ts';
export type { AdminRequest, AdminResponse, KeyChange } from './admin/types.ts';
export type { KeyGrant } from './admin/records.ts';
export { startAccountingService, type AccountingService, type AccountingServiceDeps, type AccountingServiceOptions } from './service/accounting-service.ts';
export { startRetention, defaultRetentionOptions, type Retention, type RetentionOptions, type RetentionRun } from './service/retention.ts';
export {
  HOLDER_METADATA, SLICES_METADATA, encodeSlices, accountingSubjects, createBusAuthority, createBusKeyDirectory, createBusAdmin, watchKeyChanges, watchSettled,
  type AccountingSubjects, type KeyDirectoryClient, type Settled,
} from './service/protocol.ts';
export { openAccountingStore, type OpenedStore, type StoreLocation } from './service/open-store.ts';
