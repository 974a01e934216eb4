// Reads the labelled injection sets (training set here, evaluation sets in test/fixtures/guardrails) and loads the
// local sentence encoder the learned detector was trained on (eval tooling only; the service takes it as a port).
import { readFileSync, readdirSync } from 'node:fs';
import type { Embedder } from '@ai-gateway/kit';
import { loadLocalEmbedder, modelPresent } from '@ai-gateway/semantic-cache';
import { injectionModelDirOf } from '../src/adapters/classifier-file.ts';
import type { InjectionCategory } from '../src/domain/injection.ts';

export const FIXTURES = new URL('../../../test/fixtures/guardrails/', import.meta.url);
export const TRAINING_DIR = new URL('data/', import.meta.url);
/** Every training file (`eval/data/injection-train*.txt`), sorted: written for training, apart from every evaluation set. */
export function trainingFiles(): string[] {
  return readdirSync(TRAINING_DIR).filter((f) => /^injection-train.*\.txt$/.test(f)).sort();
}
/**
 * Held-out sets already scored and tuned against (see RESULTS.md): no longer evidence of how the detector does on
 * unseen text, so the learned detector trains on them. A set is retired only after a newer blind set has replaced it.
 */
export const RETIRED_HOLDOUTS: readonly string[] = [
  'injection-holdout.txt',
  ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((n) => `injection-holdout-${n}.txt`),
];
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

/** The detector's local model (multilingual-e5-small, int8), or null with the reason when it is not built. */
export async function localEmbedder(): Promise<Embedder | null> {
  const dir = injectionModelDirOf(undefined);
  if (!modelPresent(dir)) {
    process.stderr.write(`local embedding model not found in ${dir}: run \`npm run cache:model\`\n`);
    return null;
  }
  return loadLocalEmbedder({ modelDir: dir });
}

export const TOOL_POOLS = new URL('data/tool-augment.txt', import.meta.url);

/**
 * Composed tool results: each document opening with injected text (attack) and with an ordinary continuation
 * (benign), the addition placed after the opening or inside it. `group` is the index of the added text, so
 * cross-validation can keep every use of one addition in the same fold.
 */
export function composedToolSet(perDoc = 3): Array<Labelled & { group: number }> {
  const pools: Record<string, string[]> = {};
  let section = '';
  for (const line of readFileSync(TOOL_POOLS, 'utf8').split('\n')) {
    const m = /^\[(\w+)\]$/.exec(line);
    if (m) section = m[1] as string;
    else if (line && !line.startsWith('#')) (pools[section] ??= []).push(line);
  }
  const docs = pools['doc'] ?? [];
  const out: Array<Labelled & { group: number }> = [];
  docs.forEach((doc, d) => {
    for (let k = 0; k < perDoc; k++) {
      for (const [kind, attack] of [['inject', true], ['benign', false]] as const) {
        const pool = pools[kind] ?? [];
        const group = (d * 7 + k * 3) % pool.length;
        const added = pool[group] as string;
        // Inside the document (after its first sentence) or after it, alternately.
        const cut = doc.search(/[.!?:]\s/);
        const text = (d + k) % 2 === 0 || cut < 0 ? `${doc} ${added}` : `${doc.slice(0, cut + 1)} ${added} ${doc.slice(cut + 2)}`;
        out.push({ text, source: 'tool', attack, category: attack ? 'tool_result_injection' : null, group });
      }
    }
  });
  return out;
}
