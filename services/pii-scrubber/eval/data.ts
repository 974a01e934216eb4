// Reads the labelled injection sets (training set here, evaluation sets in test/fixtures/guardrails) and loads the
// local sentence encoder the learned detector was trained on (eval tooling only; the service takes it as a port).
import { readFileSync } from 'node:fs';
import type { Embedder } from '@ai-gateway/kit';
import { loadLocalEmbedder, modelDirOf, modelPresent } from '@ai-gateway/semantic-cache';
import type { InjectionCategory } from '../src/domain/injection.ts';

export const FIXTURES = new URL('../../../test/fixtures/guardrails/', import.meta.url);
export const TRAINING_SET = new URL('data/injection-train.txt', import.meta.url);
export const CLASSIFIER_FILE = new URL('../model/injection-classifier.json', import.meta.url);

export interface Labelled {
  text: string;
  source: 'user' | 'tool';
  attack: boolean;
  category: InjectionCategory | null;
}

const CATEGORY: Readonly<Record<string, InjectionCategory>> = {
  ov: 'instruction_override',
  ex: 'system_prompt_exfiltration',
  rp: 'role_play_jailbreak',
  de: 'delimiter_injection',
  da: 'data_exfiltration',
  en: 'encoded_payload',
  tr: 'tool_result_injection',
};

/** `I|text`, `T|text`, `B|text`, `TB|text`, optionally `I/ov|text` with a category code; `#` lines are comments. */
export function readInjectionSet(url: URL): Labelled[] {
  return readFileSync(url, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const bar = line.indexOf('|');
      const [label = '', code] = line.slice(0, bar).split('/');
      const text = line.slice(bar + 1).replace(/\\n/g, '\n');
      return { text, source: label.startsWith('T') ? 'tool' : 'user', attack: label === 'I' || label === 'T', category: code ? (CATEGORY[code] ?? null) : null };
    });
}

/** The local model (all-MiniLM-L6-v2 int8), or null with the reason when it is not fetched. */
export async function localEmbedder(): Promise<Embedder | null> {
  const dir = modelDirOf(undefined);
  if (!modelPresent(dir)) {
    process.stderr.write(`local embedding model not found in ${dir}: run \`npm run cache:model\`\n`);
    return null;
  }
  return loadLocalEmbedder({ modelDir: dir });
}
