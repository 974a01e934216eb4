// Loads the committed injection classifier (model/injection-classifier.json, written by `npm run guard:train`).
import { readFileSync } from 'node:fs';
import { parseInjectionClassifier, type InjectionClassifier } from '../domain/injection-classifier.ts';

export const DEFAULT_CLASSIFIER_FILE = new URL('../../model/injection-classifier.json', import.meta.url);

/** Reads and validates the classifier file (throws when it is missing or malformed). */
export function loadInjectionClassifier(file: URL | string = DEFAULT_CLASSIFIER_FILE): InjectionClassifier {
  return parseInjectionClassifier(JSON.parse(readFileSync(file, 'utf8')));
}
