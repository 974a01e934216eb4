// Loads the Avro contracts in schemas/*.avsc into avsc types, once, and names their fingerprints.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import avro from 'avsc';
import type { Type } from 'avsc';
import type { AuditRecord, BillingRecord, CompletedEvent, ReplyChunk, RequestEnvelope } from './types.ts';

/** Each top-level contract and its file under schemas/. Every file is self-contained. */
export const CONTRACT_FILES = {
  RequestEnvelope: 'request-envelope.avsc',
  ReplyChunk: 'reply-chunk.avsc',
  CompletedEvent: 'completed-event.avsc',
  BillingRecord: 'billing-record.avsc',
  AuditRecord: 'audit-record.avsc',
} as const;

export type ContractName = keyof typeof CONTRACT_FILES;

/** The TypeScript value of each contract. */
export interface ContractTypes {
  RequestEnvelope: RequestEnvelope;
  ReplyChunk: ReplyChunk;
  CompletedEvent: CompletedEvent;
  BillingRecord: BillingRecord;
  AuditRecord: AuditRecord;
}

export const CONTRACT_NAMES = Object.keys(CONTRACT_FILES) as ContractName[];
export const CONTRACT_NAMESPACE = 'ai.gateway.v1';

/** The repo's schemas/ directory (current contracts); `previous/` below it holds the last release. */
export const SCHEMAS_DIR = resolve(import.meta.dirname, '../../../../schemas');
export const PREVIOUS_SCHEMAS_DIR = resolve(SCHEMAS_DIR, 'previous');

export interface LoadedContract {
  name: ContractName;
  /** The schema as written in its file (JSON). */
  schema: unknown;
  type: Type;
  /** SHA-256 (hex) of the schema's Parsing Canonical Form: equal fingerprints, same wire format. */
  fingerprint: string;
}

export type LoadedContracts = { readonly [N in ContractName]: LoadedContract };

/**
 * Parses every contract in `dir`. Decoded records are plain objects (like JSON.parse gives), not
 * avsc's generated classes, so both codecs hand out values that compare, spread and clone alike.
 */
export function loadContracts(dir: string = SCHEMAS_DIR): LoadedContracts {
  const out: Partial<Record<ContractName, LoadedContract>> = {};
  for (const name of CONTRACT_NAMES) {
    const schema: unknown = JSON.parse(readFileSync(resolve(dir, CONTRACT_FILES[name]), 'utf8'));
    const registry: Record<string, Type> = {};
    const type = avro.Type.forSchema(schema as avro.Schema, { registry, omitRecordMethods: true, wrapUnions: 'auto' });
    for (const named of Object.values(registry)) {
      const ctor = (named as { recordConstructor?: { prototype: object } }).recordConstructor;
      if (ctor) ctor.prototype = Object.prototype;
    }
    if (type.name !== `${CONTRACT_NAMESPACE}.${name}`) {
      throw new Error(`${CONTRACT_FILES[name]} in ${dir} defines ${String(type.name)}, expected ${CONTRACT_NAMESPACE}.${name}`);
    }
    out[name] = { name, schema, type, fingerprint: type.fingerprint('sha256').toString('hex') };
  }
  return out as LoadedContracts;
}

let current: LoadedContracts | undefined;
let previous: LoadedContracts | undefined;

/** The current contracts, parsed on first use and shared by every codec in the process. */
export function currentContracts(): LoadedContracts {
  current ??= loadContracts(SCHEMAS_DIR);
  return current;
}

/** The last released contracts (schemas/previous), parsed on first use; readers resolve them to current. */
export function previousContracts(): LoadedContracts {
  previous ??= loadContracts(PREVIOUS_SCHEMAS_DIR);
  return previous;
}

/** SHA-256 (hex) of the current schema's canonical form; send it with the bytes so readers can resolve. */
export function schemaFingerprint(name: ContractName): string {
  return currentContracts()[name].fingerprint;
}

/**
 * What in `value` does not fit the current schema of `name` (wrong or missing values, then
 * undeclared fields); empty when it fits. Fields with a default may be missing: encoding fills them.
 */
export function contractViolations(name: ContractName, value: unknown): string[] {
  const { type } = currentContracts()[name];
  const problems: string[] = [];
  const at = (path: string[]): string => path.join('.') || '(root)';
  type.isValid(value, {
    errorHook: (path: string[], v: unknown) => {
      problems.push(`${at(path)}: ${v === undefined ? 'missing' : `invalid ${JSON.stringify(v)}`}`);
    },
  });
  if (problems.length > 0) return problems;
  type.isValid(value, {
    noUndeclaredFields: true,
    errorHook: (path: string[], v: unknown, t: Type) => {
      const declared = new Set(((t as { fields?: { name: string }[] }).fields ?? []).map((f) => f.name));
      const extra = Object.keys(v as object).filter((k) => !declared.has(k));
      problems.push(`${at(path)}: undeclared field(s) ${extra.join(', ')}`);
    },
  });
  return problems;
}
