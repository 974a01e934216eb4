// Public surface of the contracts: TS shapes, schema loading and fingerprints, Avro and JSON codecs.
export type * from './types.ts';
export {
  CONTRACT_FILES,
  CONTRACT_NAMES,
  CONTRACT_NAMESPACE,
  SCHEMAS_DIR,
  PREVIOUS_SCHEMAS_DIR,
  loadContracts,
  currentContracts,
  previousContracts,
  schemaFingerprint,
  contractViolations,
  type ContractName,
  type ContractTypes,
  type LoadedContract,
  type LoadedContracts,
} from './schemas.ts';
export {
  avroCodec,
  jsonCodec,
  contractCodec,
  type ContractCodec,
  type ContractFormat,
  type RecordCodec,
} from './codec.ts';
