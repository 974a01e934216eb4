import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AuditRecord } from '@ai-gateway/kit';
import { auditHash, canonicalJson } from '../src/store/audit.ts';

/** The chain's definition: sha256(prev_hash + canonical JSON of every other field). */
function reference(record: Record<string, unknown>): string {
  const { prevHash, ...body } = record;
  return createHash('sha256').update(String(prevHash)).update(canonicalJson(body)).digest('hex');
}

const texts = ['', 'plain', 'with "quotes" and \\ backslash', 'line\nbreak\ttab', 'naïve – 東京 🚀', '\u0000\u001f', 'a,b;c'];

function record(i: number): Omit<AuditRecord, 'hash'> {
  const pick = (k: number): string => texts[(i + k) % texts.length] as string;
  return {
    seq: i + 1,
    requestId: `req-${pick(0)}-${i}`,
    occurredAtMs: 1_790_000_000_000 + i * 7919,
    keyId: i % 3 === 0 ? null : pick(1),
    teamId: i % 4 === 0 ? null : pick(2),
    userId: i % 5 === 0 ? null : pick(3),
    action: i % 2 === 0 ? 'chat' : 'embedding',
    model: pick(4),
    outcome: (['success', 'error', 'blocked', 'cancelled'] as const)[i % 4] as AuditRecord['outcome'],
    verdicts: i % 3 === 0 ? [] : [{ guardrail: pick(5), action: 'mask', score: i / 7, categories: [pick(6), 'EMAIL'] }],
    promptDigest: i % 2 === 0 ? null : `sha256:${pick(0)}`,
    prevHash: createHash('sha256').update(String(i)).digest('hex'),
  };
}

test('audit hash: every record shape hashes as the chain defines it (sorted canonical JSON after the previous hash)', () => {
  for (let i = 0; i < 200; i++) {
    const r = record(i);
    assert.equal(auditHash(r), reference(r as unknown as Record<string, unknown>), `record ${i}`);
  }
});

test('audit hash: a field left undefined hashes as absent, and an extra field is hashed too', () => {
  const r = record(3);
  const withUndefined = { ...r, promptDigest: undefined } as unknown as Omit<AuditRecord, 'hash'>;
  const { promptDigest: _, ...absent } = r;
  assert.equal(auditHash(withUndefined), reference(absent as unknown as Record<string, unknown>));
  const extra = { ...r, note: 'x' } as unknown as Omit<AuditRecord, 'hash'>;
  assert.equal(auditHash(extra), reference(extra as unknown as Record<string, unknown>));
  assert.notEqual(auditHash(extra), auditHash(r));
  // Field order on the object does not matter.
  const reordered = Object.fromEntries(Object.entries(r).reverse()) as unknown as Omit<AuditRecord, 'hash'>;
  assert.equal(auditHash(reordered), auditHash(r));
});
