// Contracts evolve by Avro rules: records written with schemas/previous read with the current schemas and back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTRACT_NAMES,
  avroCodec,
  currentContracts,
  jsonCodec,
  previousContracts,
  type ContractName,
} from '../src/contracts/index.ts';
import { GatewayError } from '../src/index.ts';
import { fullSamples, sparseSamples } from './contracts-samples.ts';

interface FieldNode {
  name: string;
  type: TypeNode;
  defaultValue(): unknown;
}
/** The parts of avsc's runtime types this test reads (its typings omit them). */
interface TypeNode {
  typeName: string;
  name?: string;
  fields?: FieldNode[];
  types?: TypeNode[];
  itemsType?: TypeNode;
  valuesType?: TypeNode;
}

/** Every named record reachable from a type, by full name. */
function recordsOf(root: TypeNode, out = new Map<string, TypeNode>()): Map<string, TypeNode> {
  if (root.typeName === 'record' && root.name) {
    if (out.has(root.name)) return out;
    out.set(root.name, root);
  }
  for (const f of root.fields ?? []) recordsOf(f.type, out);
  for (const t of root.types ?? []) recordsOf(t, out);
  if (root.itemsType) recordsOf(root.itemsType, out);
  if (root.valuesType) recordsOf(root.valuesType, out);
  return out;
}

const node = (name: ContractName, which: 'current' | 'previous'): TypeNode =>
  (which === 'current' ? currentContracts() : previousContracts())[name].type as unknown as TypeNode;

/**
 * Fields of `a`'s records that `b`'s same-named records lack, as 'Record.field' → field. A record
 * `b` lacks entirely is only reachable through such a field, so its own fields are not listed.
 */
function fieldsMissingFrom(a: TypeNode, b: TypeNode): Map<string, FieldNode> {
  const bRecords = recordsOf(b);
  const out = new Map<string, FieldNode>();
  for (const [name, rec] of recordsOf(a)) {
    const bRec = bRecords.get(name);
    if (!bRec) continue;
    const bNames = new Set((bRec.fields ?? []).map((f) => f.name));
    for (const f of rec.fields ?? []) if (!bNames.has(f.name)) out.set(`${name.replace('ai.gateway.v1.', '')}.${f.name}`, f);
  }
  return out;
}

/** `value` with each top-level field the previous schema lacks replaced by the current default. */
function withNewFieldsDefaulted(name: ContractName, value: object): object {
  const prevFields = new Set((node(name, 'previous').fields ?? []).map((f) => f.name));
  const out: Record<string, unknown> = { ...value };
  for (const f of node(name, 'current').fields ?? []) if (!prevFields.has(f.name)) out[f.name] = f.defaultValue();
  return out;
}

describe('contracts - evolution from schemas/previous', () => {
  test('every field added since the previous version has a default', () => {
    for (const name of CONTRACT_NAMES) {
      for (const [path, field] of fieldsMissingFrom(node(name, 'current'), node(name, 'previous'))) {
        assert.notEqual(field.defaultValue(), undefined, `${path} was added without a default: old records cannot be read`);
      }
    }
  });

  test('every field removed since the previous version had a default there', () => {
    for (const name of CONTRACT_NAMES) {
      for (const [path, field] of fieldsMissingFrom(node(name, 'previous'), node(name, 'current'))) {
        assert.notEqual(field.defaultValue(), undefined, `${path} was removed but had no default: old readers break`);
      }
    }
  });

  test('the previous version lacks the fields added in v1', () => {
    const added = (name: ContractName): string[] => [...fieldsMissingFrom(node(name, 'current'), node(name, 'previous')).keys()].sort();
    assert.deepEqual(added('RequestEnvelope'), ['RequestEnvelope.metadata', 'RequestEnvelope.verdicts']);
    assert.deepEqual(added('CompletedEvent'), [
      'CompletedEvent.cacheSimilarity', 'CompletedEvent.metadata', 'CompletedEvent.savedUsd', 'CompletedEvent.usageEstimated',
    ]);
    assert.deepEqual(added('BillingRecord'), ['BillingRecord.clientRequestId', 'BillingRecord.savedUsd']);
    assert.deepEqual(added('AuditRecord'), ['AuditRecord.verdicts']);
    assert.deepEqual(added('ReplyChunk'), []);
  });

  for (const name of CONTRACT_NAMES) {
    test(`${name}: a record written with the previous schema reads with the current one, new fields defaulted`, () => {
      const prev = previousContracts()[name];
      for (const sample of [fullSamples[name], sparseSamples[name]]) {
        const oldBytes = prev.type.toBuffer(sample);
        const decoded = avroCodec.codecFor(name).decode(oldBytes, prev.fingerprint);
        assert.deepStrictEqual(decoded, withNewFieldsDefaulted(name, sample));
      }
    });

    test(`${name}: a record written with the current schema reads with the previous one (old consumers keep working)`, () => {
      const cur = currentContracts()[name];
      const prev = previousContracts()[name];
      const bytes = avroCodec.codecFor(name).encode(fullSamples[name] as never);
      const old: unknown = prev.type.fromBuffer(bytes as Buffer, prev.type.createResolver(cur.type));
      const prevFields = (node(name, 'previous').fields ?? []).map((f) => f.name);
      assert.deepEqual(Object.keys(old as object), prevFields);
      for (const f of prevFields) {
        assert.deepEqual((old as Record<string, unknown>)[f], (fullSamples[name] as unknown as Record<string, unknown>)[f], f);
      }
    });
  }

  test('v0 envelope and completed event get the documented defaults', () => {
    const prev = previousContracts();
    const env = avroCodec.decodeEnvelope(prev.RequestEnvelope.type.toBuffer(fullSamples.RequestEnvelope), prev.RequestEnvelope.fingerprint);
    assert.deepEqual(env.metadata, {});
    assert.deepEqual(env.verdicts, []);
    const evt = avroCodec.decodeCompleted(prev.CompletedEvent.type.toBuffer(fullSamples.CompletedEvent), prev.CompletedEvent.fingerprint);
    assert.equal(evt.savedUsd, 0);
    assert.equal(evt.cacheSimilarity, null);
    assert.equal(evt.usageEstimated, false);
    assert.deepEqual(evt.metadata, {});
    const bill = avroCodec.decodeBilling(prev.BillingRecord.type.toBuffer(fullSamples.BillingRecord), prev.BillingRecord.fingerprint);
    assert.equal(bill.savedUsd, 0);
  });

  test('the JSON codec fills the same defaults for JSON written by a previous-version producer', () => {
    const prev = previousContracts().CompletedEvent;
    const { savedUsd: _s, cacheSimilarity: _c, usageEstimated: _u, metadata: _m, ...v0 } = fullSamples.CompletedEvent;
    const decoded = jsonCodec.decodeCompleted(new TextEncoder().encode(JSON.stringify(v0)), prev.fingerprint);
    assert.deepStrictEqual(decoded, withNewFieldsDefaulted('CompletedEvent', v0));
  });

  test('bytes from an unknown schema version are refused with a GatewayError', () => {
    for (const codec of [avroCodec, jsonCodec]) {
      const bytes = codec.encodeReply(fullSamples.ReplyChunk);
      assert.throws(() => codec.decodeReply(bytes, 'f'.repeat(64)), (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.match(String((err.cause as Error).message), /unknown writer schema fingerprint/);
        return true;
      });
    }
  });

  test('the current writer fingerprint decodes without resolution', () => {
    const env = fullSamples.RequestEnvelope;
    const fp = currentContracts().RequestEnvelope.fingerprint;
    assert.deepStrictEqual(avroCodec.decodeEnvelope(avroCodec.encodeEnvelope(env), fp), env);
    assert.deepStrictEqual(jsonCodec.decodeEnvelope(jsonCodec.encodeEnvelope(env), fp), env);
  });
});
