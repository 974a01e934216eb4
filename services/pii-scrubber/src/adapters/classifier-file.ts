// Loads the committed injection classifier (model/injection-classifier.json, written by `npm run guard:train`).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseInjectionClassifier, type InjectionClassifier } from '../domain/injection-classifier.ts';

export const DEFAULT_CLASSIFIER_FILE = new URL('../../model/injection-classifier.json', import.meta.url);

/** Reads and validates the classifier file (throws when it is missing or malformed). */
export function loadInjectionClassifier(file: URL | string = DEFAULT_CLASSIFIER_FILE): InjectionClassifier {
  return parseInjectionClassifier(JSON.parse(readFileSync(file, 'utf8')));
}

/** Where the detector's sentence encoder lives (multilingual-e5-small, built by scripts/fetch-embedding-model.sh). */
export const DEFAULT_INJECTION_MODEL_DIR = '.models/multilingual-e5-small';

/** The guardrail's `embedding_model_dir`, else env GATEWAY_INJECTION_MODEL_DIR, else the default; absolute. */
export function injectionModelDirOf(configured: string | null | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(configured ?? env['GATEWAY_INJECTION_MODEL_DIR'] ?? DEFAULT_INJECTION_MODEL_DIR);
}
