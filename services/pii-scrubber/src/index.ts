// Public surface of @ai-gateway/pii-scrubber: the `pii` guardrail stage, the reply filter, and the detectors.
export { createGuardrailStage, PII_MAP_METADATA, VERDICT_HEADER, type GuardrailStageDeps } from './stage.ts';
export { createGuardrailReplyFilter } from './reply-filter.ts';
export {
  buildGuardrailPolicy,
  activeGuardrails,
  guardrailsFor,
  isPreCall,
  isPostCall,
  parseOverrides,
  formatOverrides,
  GUARDRAIL_VENDORS,
  GUARDRAILS_METADATA,
  type Guardrail,
  type GuardrailPolicy,
  type GuardrailOverrides,
  type TenantGuardrails,
} from './domain/policy.ts';
export { analyze, type AnalyzerOptions } from './domain/analyzer.ts';
export { ENTITY_TYPES, type EntityType, type Finding } from './domain/recognizers.ts';
export { anonymize, Pseudonyms, PII_ACTIONS, type PiiAction } from './domain/anonymize.ts';
export { detectInjection, type InjectionResult, type InjectionCategory } from './domain/injection.ts';
export {
  createInjectionDetectors,
  createLearnedDetector,
  createRulesDetector,
  INJECTION_DETECTORS,
  type InjectionDetector,
  type InjectionDetectorKind,
  type InjectionScan,
  type ScannedText,
} from './injection-detector.ts';
export { parseInjectionClassifier, type InjectionClassifier } from './domain/injection-classifier.ts';
export { loadInjectionClassifier, injectionModelDirOf, DEFAULT_CLASSIFIER_FILE, DEFAULT_INJECTION_MODEL_DIR } from './adapters/classifier-file.ts';
export { textWindows, DEFAULT_WINDOWS, type WindowOptions } from './domain/windows.ts';
export { PlaceholderRestorer, DenyMatcher, DenyStream, type DenyPattern } from './domain/stream-text.ts';
export { PiiStream, type PiiStreamOptions } from './domain/pii-stream.ts';
