// Contracts: the Avro schemas match the TS types, document every field, and both codecs round-trip.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Type } from 'avsc';
import {
  CONTRACT_FILES,
  CONTRACT_NAMES,
  SCHEMAS_DIR,
  avroCodec,
  contractViolations,
  currentContracts,
  jsonCodec,
  schemaFingerprint,
  type ContractCodec,
  type ContractName,
} from '../src/contracts/index.ts';
import { GatewayError, type PipelineCodec } from '../src/index.ts';
import { enumSymbols, fullSamples, nullableFields, sparseSamples, unicodeSamples } from './contracts-samples.ts';

/** The parts of avsc's runtime types the drift walk reads (its typings omit them). */
interface AvroNode {
  typeName: string;
  name?: string;
  fields?: { name: string; type: AvroNode }[];
  types?: AvroNode[];
  itemsType?: AvroNode;
  valuesType?: AvroNode;
  symbols?: string[];
}

const shortName = (n: AvroNode): string => (n.name ?? '').replace(/^ai\.gateway\.v1\./, '');
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const primitiveJsType: Record<string, string> = { string: 'string', boolean: 'boolean', int: 'number', long: 'number', double: 'number', float: 'number' };

/** Walks a sample value through its Avro type; records which named TS records and enums it met. */
function compareWithSchema(node: AvroNode, value: unknown, path: string, seen: Set<string>): void {
  switch (node.typeName) {
    case 'record': {
      const name = shortName(node);
      seen.add(name);
      const fields = node.fields ?? [];
      assert.ok(value !== null && typeof value === 'object', `${path}: sample is not an object`);
      assert.deepEqual(sorted(Object.keys(value)), sorted(fields.map((f) => f.name)), `${path} (${name}): TS and Avro field names differ`);
      const tsNullable = (nullableFields as Record<string, object>)[name];
      assert.ok(tsNullable, `${path}: Avro record ${name} has no TS counterpart in nullableFields`);
      const avroNullable = fields.filter((f) => f.type.typeName.startsWith('union') && f.type.types?.some((t) => t.typeName === 'null'));
      assert.deepEqual(sorted(avroNullable.map((f) => f.name)), sorted(Object.keys(tsNullable)), `${path} (${name}): nullable fields differ`);
      for (const f of fields) compareWithSchema(f.type, (value as Record<string, unknown>)[f.name], `${path}.${f.name}`, seen);
      return;
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (node.types ?? []).filter((t) => t.typeName !== 'null');
      assert.equal(branches.length, 1, `${path}: only ["null", T] unions are used`);
      assert.equal(node.types?.[0]?.typeName, 'null', `${path}: null comes first so the default can be null`);
      if (value !== null) compareWithSchema(branches[0] as AvroNode, value, path, seen);
      return;
    }
    case 'array':
      assert.ok(Array.isArray(value) && value.length > 0, `${path}: the full sample needs a non-empty array`);
      compareWithSchema(node.itemsType as AvroNode, value[0], `${path}[0]`, seen);
      return;
    case 'map':
      assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${path}: not a map`);
      for (const [k, v] of Object.entries(value)) compareWithSchema(node.valuesType as AvroNode, v, `${path}[${k}]`, seen);
      return;
    case 'enum': {
      const name = shortName(node);
      seen.add(name);
      const tsSymbols = (enumSymbols as Record<string, object>)[name];
      assert.ok(tsSymbols, `${path}: Avro enum ${name} has no TS counterpart in enumSymbols`);
      assert.deepEqual(sorted(node.symbols ?? []), sorted(Object.keys(tsSymbols)), `${path} (${name}): enum symbols differ`);
      return;
    }
    default: {
      const expected = primitiveJsType[node.typeName];
      assert.ok(expected, `${path}: unexpected Avro type ${node.typeName}`);
      assert.equal(typeof value, expected, `${path}: sample is ${typeof value}, Avro is ${node.typeName}`);
    }
  }
}

type JsonSchema = { [k: string]: unknown };
const readSchema = (file: string): JsonSchema => JSON.parse(readFileSync(resolve(SCHEMAS_DIR, file), 'utf8')) as JsonSchema;

/** Calls `visit` on every named type definition (record, enum) inside a schema, depth first. */
function eachNamedType(schema: unknown, visit: (def: JsonSchema) => void): void {
  if (Array.isArray(schema)) return schema.forEach((s) => eachNamedType(s, visit));
  if (schema === null || typeof schema !== 'object') return;
  const def = schema as JsonSchema;
  if (def.type === 'record' || def.type === 'enum') visit(def);
  if (def.type === 'record') for (const f of def.fields as JsonSchema[]) eachNamedType(f.type, visit);
  else if (def.type === 'array') eachNamedType(def.items, visit);
  else if (def.type === 'map') eachNamedType(def.values, visit);
  else if (typeof def.type === 'object') eachNamedType(def.type, visit);
}

describe('contracts - schemas match the TypeScript types', () => {
  for (const name of CONTRACT_NAMES) {
    test(`${name}: field names, nullability and enum symbols equal the TS type`, () => {
      const seen = new Set<string>();
      compareWithSchema(currentContracts()[name].type as unknown as AvroNode, fullSamples[name], name, seen);
      assert.deepEqual(contractViolations(name, fullSamples[name]), []);
    });
  }

  test('every TS record and enum listed in the samples appears in some schema', () => {
    const seen = new Set<string>();
    for (const name of CONTRACT_NAMES) compareWithSchema(currentContracts()[name].type as unknown as AvroNode, fullSamples[name], name, seen);
    assert.deepEqual(sorted(seen), sorted([...Object.keys(nullableFields), ...Object.keys(enumSymbols)]));
  });

  test('every record, enum and field has a doc, and nullable fields default to null', () => {
    for (const file of Object.values(CONTRACT_FILES)) {
      eachNamedType(readSchema(file), (def) => {
        assert.ok(typeof def.doc === 'string' && def.doc.length > 0, `${file}: ${String(def.name)} has no doc`);
        if (def.type !== 'record') return;
        for (const f of def.fields as JsonSchema[]) {
          assert.ok(typeof f.doc === 'string' && f.doc.length > 0, `${file}: ${String(def.name)}.${String(f.name)} has no doc`);
          if (Array.isArray(f.type) && f.type.includes('null')) assert.equal(f.default, null, `${file}: ${String(f.name)} must default to null`);
        }
      });
    }
  });

  test('a named type shared by several files is defined identically in each', () => {
    const defs = new Map<string, { file: string; json: string }>();
    for (const file of Object.values(CONTRACT_FILES)) {
      eachNamedType(readSchema(file), (def) => {
        const json = JSON.stringify(def);
        const first = defs.get(String(def.name));
        if (first) assert.equal(json, first.json, `${String(def.name)} differs between ${first.file} and ${file}`);
        else defs.set(String(def.name), { file, json });
      });
    }
    assert.ok(defs.has('Tenant') && defs.has('GuardrailVerdict'));
  });

  test('every schema is in namespace ai.gateway.v1 and has a stable SHA-256 fingerprint', () => {
    for (const name of CONTRACT_NAMES) {
      const { type, fingerprint } = currentContracts()[name];
      assert.equal(type.name, `ai.gateway.v1.${name}`);
      assert.match(fingerprint, /^[0-9a-f]{64}$/);
      assert.equal(schemaFingerprint(name), fingerprint);
      assert.equal(avroCodec.codecFor(name).fingerprint, fingerprint);
      assert.equal(jsonCodec.codecFor(name).fingerprint, fingerprint);
    }
    assert.equal(new Set(CONTRACT_NAMES.map(schemaFingerprint)).size, CONTRACT_NAMES.length);
  });
});

function roundTrip<N extends ContractName>(codec: ContractCodec, name: N, value: unknown): unknown {
  const c = codec.codecFor(name);
  return c.decode(c.encode(value as Parameters<typeof c.encode>[0]));
}

for (const codec of [avroCodec, jsonCodec]) {
  describe(`contracts - ${codec.format} codec`, () => {
    for (const [label, samples] of [['full', fullSamples], ['null/empty', sparseSamples], ['unicode', unicodeSamples]] as const) {
      test(`round-trips every contract with ${label} values unchanged`, () => {
        for (const name of CONTRACT_NAMES) {
          const decoded = roundTrip(codec, name, samples[name]);
          assert.deepStrictEqual(decoded, samples[name], `${name} (${label})`);
        }
      });
    }

    test('named helpers encode the same bytes as codecFor and decode them back', () => {
      const env = fullSamples.RequestEnvelope;
      assert.deepEqual(codec.encodeEnvelope(env), codec.codecFor('RequestEnvelope').encode(env));
      assert.deepStrictEqual(codec.decodeEnvelope(codec.encodeEnvelope(env)), env);
      assert.deepStrictEqual(codec.decodeReply(codec.encodeReply(fullSamples.ReplyChunk)), fullSamples.ReplyChunk);
      assert.deepStrictEqual(codec.decodeCompleted(codec.encodeCompleted(fullSamples.CompletedEvent)), fullSamples.CompletedEvent);
      assert.deepStrictEqual(codec.decodeBilling(codec.encodeBilling(fullSamples.BillingRecord)), fullSamples.BillingRecord);
      assert.deepStrictEqual(codec.decodeAudit(codec.encodeAudit(fullSamples.AuditRecord)), fullSamples.AuditRecord);
    });

    test('decodes bytes that sit inside a larger buffer (bus payload slices)', () => {
      const bytes = codec.encodeReply(fullSamples.ReplyChunk);
      const framed = new Uint8Array(bytes.length + 7);
      framed.set(bytes, 3);
      assert.deepStrictEqual(codec.decodeReply(framed.subarray(3, 3 + bytes.length)), fullSamples.ReplyChunk);
    });

    test('rejects bytes that do not decode with a GatewayError carrying the cause', () => {
      for (const bad of [new Uint8Array([0xff, 0xff, 0xff]), new Uint8Array(0), new TextEncoder().encode('"text"')]) {
        assert.throws(() => codec.decodeEnvelope(bad), (err: unknown) => {
          assert.ok(err instanceof GatewayError);
          assert.equal(err.code, 'internal_error');
          assert.match(String((err.cause as Error).message), /RequestEnvelope decode failed/);
          return true;
        });
      }
    });

    test('fits the pipeline codec port', () => {
      const port: PipelineCodec = codec;
      assert.deepStrictEqual(port.decodeReply(port.encodeReply(sparseSamples.ReplyChunk)), sparseSamples.ReplyChunk);
    });
  });
}

describe('contracts - avro specifics', () => {
  test('decoded records are plain objects, like JSON.parse gives', () => {
    const env = avroCodec.decodeEnvelope(avroCodec.encodeEnvelope(fullSamples.RequestEnvelope));
    assert.equal(Object.getPrototypeOf(env), Object.prototype);
    assert.equal(Object.getPrototypeOf(env.tenant), Object.prototype);
    assert.equal(Object.getPrototypeOf(env.verdicts[0]), Object.prototype);
  });

  test('encodes records larger than the reused encode buffer, and each result owns its bytes', () => {
    const big = (n: number) => ({ ...fullSamples.RequestEnvelope, body: JSON.stringify({ content: 'é'.repeat(n) }) });
    const sizes = [100, 70_000, 1_500_000, 200_000];
    const encoded = sizes.map((n) => avroCodec.encodeEnvelope(big(n)));
    sizes.forEach((n, i) => assert.deepStrictEqual(avroCodec.decodeEnvelope(encoded[i] as Uint8Array), big(n), `${n} chars`));
  });

  test('refuses to encode a value that does not fit the schema', () => {
    const wrong = [
      { ...fullSamples.CompletedEvent, attempts: 1.5 },
      { ...fullSamples.CompletedEvent, outcome: 'timeout' },
      { ...fullSamples.CompletedEvent, requestId: null },
    ];
    for (const value of wrong) {
      assert.throws(() => avroCodec.encodeCompleted(value as never), GatewayError);
      assert.notDeepEqual(contractViolations('CompletedEvent', value), []);
    }
  });

  test('contractViolations names missing, invalid and undeclared fields', () => {
    const { requestId: _omit, ...missing } = fullSamples.ReplyChunk;
    assert.deepEqual(contractViolations('ReplyChunk', missing), ['requestId: missing']);
    assert.deepEqual(contractViolations('ReplyChunk', { ...fullSamples.ReplyChunk, seq: 'x' }), ['seq: invalid "x"']);
    assert.deepEqual(contractViolations('ReplyChunk', { ...fullSamples.ReplyChunk, extra: 1 }), ['(root): undeclared field(s) extra']);
  });

  test('is smaller than JSON for every sample', () => {
    for (const name of CONTRACT_NAMES) {
      const avro = avroCodec.codecFor(name).encode(fullSamples[name] as never).length;
      const json = jsonCodec.codecFor(name).encode(fullSamples[name] as never).length;
      assert.ok(avro < json, `${name}: avro ${avro} B, json ${json} B`);
    }
  });
});

// Keeps the avsc type import honest: the loaded types are avsc Types.
const _typeCheck: Type = currentContracts().ReplyChunk.type;
void _typeCheck;
