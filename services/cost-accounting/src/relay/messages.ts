// Outbox row → Kafka message: Avro value (JSON payloads from older writers are transcoded), schema fingerprint,
// idempotency key and trace context in headers, the tenant key as message key.
import { avroCodec, CONTRACT_NAMESPACE, schemaFingerprint, type AuditRecord, type BillingRecord, type RecordCodec } from '@ai-gateway/kit';
import type { OutboxRow } from '../store/port.ts';
import { AUDIT_TOPIC, BILLING_TOPIC, isJsonPayload } from '../store/spend-sql.ts';

export interface RelayMessage {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export const HEADER = {
  idempotencyKey: 'idempotency-key',
  fingerprint: 'schema-fingerprint',
  schema: 'schema-name',
  contentType: 'content-type',
  outboxId: 'outbox-id',
  /** W3C trace context of the request (or of the relay's publish span), when the row kept one. */
  traceparent: 'traceparent',
} as const;

export const AVRO_CONTENT_TYPE = 'avro/binary';

type RecordContract = 'BillingRecord' | 'AuditRecord';
const CONTRACTS: Readonly<Record<string, RecordContract>> = { [BILLING_TOPIC]: 'BillingRecord', [AUDIT_TOPIC]: 'AuditRecord' };

/** `billing:<requestId>` → `<requestId>`: downstream deduplicates on the request id within a topic. */
export function requestIdOf(idempotencyKey: string): string {
  const colon = idempotencyKey.indexOf(':');
  return colon >= 0 ? idempotencyKey.slice(colon + 1) : idempotencyKey;
}

/**
 * The payload as the current schema's Avro. JSON (older writers) is transcoded; Avro written under another known
 * version of the contract (`writer`, stored with the row) is read with that version and written with the current one,
 * so the fingerprint header always names the schema the bytes follow.
 */
function avroValue(contract: RecordContract, payload: Uint8Array, writer: string | null): Buffer {
  const codec: RecordCodec<BillingRecord | AuditRecord> = avroCodec.codecFor(contract);
  let value: BillingRecord | AuditRecord;
  if (isJsonPayload(payload)) value = JSON.parse(Buffer.from(payload).toString('utf8')) as BillingRecord | AuditRecord;
  else if (writer === null || writer === schemaFingerprint(contract)) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  else value = codec.decode(payload, writer);
  const bytes = codec.encode(value);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The message for one outbox row. A payload that cannot be made Avro (a bad row) still goes out, as JSON
 * without a fingerprint, rather than block its tenant's stream or be dropped.
 */
export function messageOf(row: OutboxRow, traceparent: string | null = row.traceparent ?? null): RelayMessage {
  const headers: Record<string, string> = { [HEADER.idempotencyKey]: requestIdOf(row.idempotencyKey), [HEADER.outboxId]: row.id };
  if (traceparent) headers[HEADER.traceparent] = traceparent;
  const contract = Object.hasOwn(CONTRACTS, row.topic) ? CONTRACTS[row.topic] : undefined;
  const raw = Buffer.from(row.payload.buffer, row.payload.byteOffset, row.payload.byteLength);
  if (!contract) return { topic: row.topic, key: row.key, value: raw, headers };
  try {
    const value = avroValue(contract, row.payload, row.schemaFingerprint ?? null);
    return {
      topic: row.topic, key: row.key, value,
      headers: { ...headers, [HEADER.contentType]: AVRO_CONTENT_TYPE, [HEADER.schema]: `${CONTRACT_NAMESPACE}.${contract}`, [HEADER.fingerprint]: schemaFingerprint(contract) },
    };
  } catch {
    return { topic: row.topic, key: row.key, value: raw, headers: { ...headers, [HEADER.contentType]: isJsonPayload(row.payload) ? 'application/json' : 'application/octet-stream' } };
  }
}
