// Ports of the cache: where entries and vectors live (VectorIndex) and how text becomes a vector (Embedder).
import type { CallType, Usage } from '@ai-gateway/kit';
import type { PromptSignature } from './domain/guards.ts';

/** One cached answer with what it is filtered by. */
export interface CacheEntry {
  /** UUID derived from the exact key (Qdrant point ids are UUIDs or integers). */
  id: string;
  exactKey: string;
  scope: string;
  /** Request namespace, else the configured one, else '' (what POST /cache/flush {namespace} removes). */
  namespace: string;
  modelGroup: string;
  callType: CallType;
  contextHash: string;
  paramsHash: string;
  /** True when the entry has a query vector and may answer semantically. */
  semantic: boolean;
  /** Guarded facts of the cached prompt; null for entries without a query. */
  signature: PromptSignature | null;
  /** The assembled response JSON (chat.completion, text_completion or embeddings list). */
  response: string;
  usage: Usage;
  /** What the answer cost when it was made: each hit saves this much. */
  costUsd: number;
  /** Model group that answered (after fallbacks), for the savings report. */
  answeredBy: string;
  createdAtMs: number;
  expiresAtMs: number;
}

/** The fields a completed answer adds to a pending entry. */
export type EntryAnswer = Pick<CacheEntry, 'response' | 'usage' | 'costUsd' | 'answeredBy' | 'createdAtMs' | 'expiresAtMs' | 'semantic'>;

/** Equality filters; all given fields must match. */
export interface EntryFilter {
  id?: string;
  scope?: string;
  namespace?: string;
  modelGroup?: string;
  contextHash?: string;
  paramsHash?: string;
  callType?: CallType;
  exactKey?: string;
  semantic?: boolean;
}

export interface ScoredEntry {
  entry: CacheEntry;
  score: number;
}

export interface SearchOptions {
  limit: number;
  minScore: number;
  now: number;
  signal?: AbortSignal;
}

export interface VectorIndex {
  readonly kind: 'embedded' | 'qdrant';
  /** Prepares storage for vectors of this size (collection, payload indexes). Idempotent. */
  ensure(dimensions: number): Promise<void>;
  upsert(entry: CacheEntry, vector: Float32Array | null): Promise<void>;
  /** The entry with this id, unless expired. */
  get(id: string, now: number, signal?: AbortSignal): Promise<CacheEntry | null>;
  /**
   * False when no semantic entry can match the filter (nothing to compare with, so a lookup need not embed).
   * Absent, or true: there may be candidates.
   */
  mayMatch?(filter: EntryFilter): boolean;
  /** Nearest live entries matching the filter, best first, with cosine similarity. */
  search(vector: Float32Array, filter: EntryFilter, o: SearchOptions): Promise<ScoredEntry[]>;
  /**
   * Completes an entry written ahead as pending (vector and keys, no response yet) by another process.
   * Returns false when there is no such entry.
   */
  answer(id: string, a: EntryAnswer): Promise<boolean>;
  /** Removes matching entries; returns how many were removed when known (else -1). */
  delete(filter: EntryFilter): Promise<number>;
  /** Removes expired entries. */
  sweep(now: number): Promise<number>;
  count(): Promise<number>;
}

export interface Embedder {
  /** Names the model and so the vector space (part of the Qdrant collection name). */
  readonly id: string;
  readonly dimensions: number;
  /** Unit-length vectors, one per text. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** False when the text is longer than the model reads (it would be embedded truncated). Absent: always fits. */
  fits?(text: string): boolean;
}
