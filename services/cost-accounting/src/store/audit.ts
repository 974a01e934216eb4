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

/** The hashed fields of an audit record, in canonicalJson's (sorted) key order. */
const BODY_KEYS = ['action', 'keyId', 'model', 'occurredAtMs', 'outcome', 'promptDigest', 'requestId', 'seq', 'teamId', 'userId', 'verdicts'] as const;

/**
 * canonicalJson of a record's hashed fields, spelled in their known order: the same text, without sorting and
 * rebuilding every record (about half of a batch's audit work). Null when the record has other keys or an undefined
 * value, whose canonical form the general path decides.
 */
function canonicalBody(record: Omit<AuditRecord, 'hash'>): string | null {
  let n = 0;
  for (const _ in record) n++;
  if (n !== BODY_KEYS.length + 1) return null;
  let out = '{';
  for (const k of BODY_KEYS) {
    const v: unknown = record[k];
    if (v === undefined) return null;
    out += `${out.length > 1 ? ',' : ''}"${k}":${k === 'verdicts' ? canonicalJson(v) : (JSON.stringify(v) ?? 'null')}`;
  }
  return `${out}}`;
}

export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  let text = canonicalBody(record);
  if (text === null) {
    const { prevHash: _, ...body } = record;
    text = canonicalJson(body);
  }
  return createHash('sha256').update(record.prevHash).update(text).digest('hex');
}

export type ChainVerdict = { ok: true; count: number; headHash: string } | { ok: false; count: number; firstBrokenSeq: number; reason: string };
