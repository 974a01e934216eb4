// Audit hash chain: hash = sha256(prev_hash + canonical JSON of the record without its hash).
import { createHash } from 'node:crypto';
import type { AuditRecord } from '@ai-gateway/kit';

/** JSON with object keys sorted at every depth, so the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  const { prevHash, ...body } = record;
  return createHash('sha256').update(prevHash).update(canonicalJson(body)).digest('hex');
}

export type ChainVerdict = { ok: true; count: number; headHash: string } | { ok: false; count: number; firstBrokenSeq: number; reason: string };
