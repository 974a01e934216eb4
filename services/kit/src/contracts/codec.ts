// Typed encode/decode of the contracts: Avro binary (schemas/*.avsc) or JSON, behind one API.
import { randomUUID } from 'node:crypto';
import type { Type } from 'avsc';
import { GatewayError } from '../errors/index.ts';
import type { AuditRecord, BillingRecord, CompletedEvent, ReplyChunk, RequestEnvelope } from './types.ts';
import { CONTRACT_NAMES, currentContracts, previousContracts, type ContractName, type ContractTypes } from './schemas.ts';

export type ContractFormat = 'avro' | 'json';

/** Encodes and decodes one contract. */
export interface RecordCodec<T> {
  readonly contract: ContractName;
  readonly format: ContractFormat;
  /** Fingerprint of the schema this side writes; send it with the bytes (e.g. a bus header). */
  readonly fingerprint: string;
  encode(value: T): Uint8Array;
  /**
   * Bytes to value. Pass the writer's fingerprint when it may differ from ours (rolling deploys):
   * records written with a known older schema are resolved to the current one, new fields get
   * their defaults. Throws GatewayError `internal_error` (cause attached) on bytes that do not decode.
   */
  decode(bytes: Uint8Array, writerFingerprint?: string): T;
}

/** Same API for both formats, so the hot path can switch by measurement. Fits kit's PipelineCodec. */
export interface ContractCodec {
  readonly format: ContractFormat;
  codecFor<N extends ContractName>(name: N): RecordCodec<ContractTypes[N]>;
  encodeEnvelope(env: RequestEnvelope): Uint8Array;
  decodeEnvelope(bytes: Uint8Array, writerFingerprint?: string): RequestEnvelope;
  encodeReply(chunk: ReplyChunk): Uint8Array;
  decodeReply(bytes: Uint8Array, writerFingerprint?: string): ReplyChunk;
  encodeCompleted(evt: CompletedEvent): Uint8Array;
  decodeCompleted(bytes: Uint8Array, writerFingerprint?: string): CompletedEvent;
  encodeBilling(rec: BillingRecord): Uint8Array;
  decodeBilling(bytes: Uint8Array, writerFingerprint?: string): BillingRecord;
  encodeAudit(rec: AuditRecord): Uint8Array;
  decodeAudit(bytes: Uint8Array, writerFingerprint?: string): AuditRecord;
}

function contractError(name: ContractName, what: string, cause: unknown): GatewayError {
  // The client-facing message stays generic; the detail travels in `cause` for the logs.
  const detail = `${name} ${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`;
  return new GatewayError('internal_error', { params: { errorId: randomUUID() }, cause: new Error(detail, { cause }) });
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The older schema that wrote `fingerprint`, or a GatewayError when no known version did. */
function writerType(name: ContractName, fingerprint: string): Type {
  const prev = previousContracts()[name];
  if (prev.fingerprint === fingerprint) return prev.type;
  throw contractError(name, 'decode', new Error(`unknown writer schema fingerprint ${fingerprint}`));
}

/** Reused encode buffer: avsc's toBuffer writes a message over 1 KB twice; this writes it once. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
const SCRATCH_MAX = 1024 * 1024;

function encodeAvro(type: Type, value: unknown): Buffer {
  let buf = scratch;
  let end = type.encode(value, buf, 0);
  if (end < 0) {
    buf = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, buf.length - end));
    end = type.encode(value, buf, 0);
    if (buf.length <= SCRATCH_MAX) scratch = buf;
  }
  const out = Buffer.allocUnsafe(end);
  buf.copy(out, 0, 0, end);
  return out;
}

function avroRecordCodec<N extends ContractName>(name: N): RecordCodec<ContractTypes[N]> {
  const { type, fingerprint } = currentContracts()[name];
  const resolvers = new Map<string, ReturnType<Type['createResolver']>>();
  const resolverFor = (writer: string): ReturnType<Type['createResolver']> => {
    let r = resolvers.get(writer);
    if (!r) resolvers.set(writer, (r = type.createResolver(writerType(name, writer))));
    return r;
  };
  return {
    contract: name,
    format: 'avro',
    fingerprint,
    encode(value) {
      try {
        return encodeAvro(type, value);
      } catch (err) {
        throw contractError(name, 'encode', err);
      }
    },
    decode(bytes, writer) {
      const resolver = writer === undefined || writer === fingerprint ? undefined : resolverFor(writer);
      try {
        return type.fromBuffer(asBuffer(bytes), resolver) as ContractTypes[N];
      } catch (err) {
        throw contractError(name, 'decode', err);
      }
    },
  };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function jsonRecordCodec<N extends ContractName>(name: N): RecordCodec<ContractTypes[N]> {
  const { type, fingerprint } = currentContracts()[name];
  return {
    contract: name,
    format: 'json',
    fingerprint,
    encode: (value) => utf8Encoder.encode(JSON.stringify(value)),
    decode(bytes, writer) {
      const old = writer === undefined || writer === fingerprint ? undefined : writerType(name, writer);
      let value: unknown;
      try {
        value = JSON.parse(utf8Decoder.decode(bytes));
      } catch (err) {
        throw contractError(name, 'decode', err);
      }
      if (value === null || typeof value !== 'object') throw contractError(name, 'decode', new Error('not a JSON object'));
      if (!old) return value as ContractTypes[N];
      // Rare (rolling deploys): let Avro's resolution rules fill the fields the older writer lacked.
      try {
        return type.fromBuffer(old.toBuffer(value), type.createResolver(old)) as ContractTypes[N];
      } catch (err) {
        throw contractError(name, 'decode', err);
      }
    },
  };
}

function createContractCodec(format: ContractFormat): ContractCodec {
  const make = format === 'avro' ? avroRecordCodec : jsonRecordCodec;
  const codecs = new Map<ContractName, RecordCodec<ContractTypes[ContractName]>>();
  const codecFor = <N extends ContractName>(name: N): RecordCodec<ContractTypes[N]> => {
    let c = codecs.get(name);
    if (!c) {
      if (!CONTRACT_NAMES.includes(name)) throw new TypeError(`unknown contract ${String(name)}`);
      codecs.set(name, (c = make(name)));
    }
    return c as RecordCodec<ContractTypes[N]>;
  };
  return {
    format,
    codecFor,
    encodeEnvelope: (v) => codecFor('RequestEnvelope').encode(v),
    decodeEnvelope: (b, w) => codecFor('RequestEnvelope').decode(b, w),
    encodeReply: (v) => codecFor('ReplyChunk').encode(v),
    decodeReply: (b, w) => codecFor('ReplyChunk').decode(b, w),
    encodeCompleted: (v) => codecFor('CompletedEvent').encode(v),
    decodeCompleted: (b, w) => codecFor('CompletedEvent').decode(b, w),
    encodeBilling: (v) => codecFor('BillingRecord').encode(v),
    decodeBilling: (b, w) => codecFor('BillingRecord').decode(b, w),
    encodeAudit: (v) => codecFor('AuditRecord').encode(v),
    decodeAudit: (b, w) => codecFor('AuditRecord').decode(b, w),
  };
}

/** Avro binary with the current schemas; schemas are parsed on first use. */
export const avroCodec: ContractCodec = createContractCodec('avro');
/** JSON text (UTF-8); same API and fingerprints as avroCodec. */
export const jsonCodec: ContractCodec = createContractCodec('json');

export function contractCodec(format: ContractFormat): ContractCodec {
  return format === 'avro' ? avroCodec : jsonCodec;
}
