// Scores a request's user and tool texts for prompt injection: by the rules alone, or by a learned classifier over
// sentence embeddings (the Embedder port) of each text window, with the rule score as one more feature (hybrid).
import type { Embedder } from '@ai-gateway/kit';
import { cueVector } from './domain/injection-cues.ts';
import { detectInjection, type InjectionCategory } from './domain/injection.ts';
import { injectionProbability, nearestCategory, type InjectionClassifier, type LearnedDetector } from './domain/injection-classifier.ts';
import { normalizeForMatching } from './domain/normalize.ts';
import { DEFAULT_WINDOWS, textWindows, type WindowOptions } from './domain/windows.ts';

export type InjectionDetectorKind = 'rules' | LearnedDetector;
export const INJECTION_DETECTORS: readonly InjectionDetectorKind[] = ['rules', 'embedding', 'hybrid'];

export interface ScannedText {
  text: string;
  source: 'user' | 'tool';
}

export interface InjectionScan {
  /** 0..1: the rule score, or the classifier's probability for the most suspicious window. */
  score: number;
  /** Why: the rule categories that fired, and for a learned decision the attack category the window resembles. */
  categories: InjectionCategory[];
  /** The detector that produced the score ('rules' also when the embedder failed on this request). */
  detector: InjectionDetectorKind;
  /** The detector's own decision threshold (a guardrail may set its own). */
  threshold: number;
}

export interface InjectionDetector {
  readonly kind: InjectionDetectorKind;
  readonly threshold: number;
  scan(texts: readonly ScannedText[], signal?: AbortSignal): Promise<InjectionScan>;
  /** Present when the detector needs no I/O (the rules): the same result without a promise. */
  scanSync?(texts: readonly ScannedText[]): InjectionScan;
}

export const RULES_THRESHOLD = 0.5;

function rulesScan(texts: readonly ScannedText[]): InjectionScan {
  let score = 0;
  const categories = new Set<InjectionCategory>();
  for (const t of texts) {
    const r = detectInjection(t.text, t.source);
    if (r.score > score) score = r.score;
    for (const c of r.categories) categories.add(c);
  }
  return { score, categories: [...categories], detector: 'rules', threshold: RULES_THRESHOLD };
}

export function createRulesDetector(): InjectionDetector {
  return { kind: 'rules', threshold: RULES_THRESHOLD, scan: async (texts) => rulesScan(texts), scanSync: rulesScan };
}

export interface LearnedDetectorDeps {
  embedder: Embedder;
  classifier: InjectionClassifier;
  /** The embedder failed on a request: it is scored by the rules instead. */
  onError?: (err: unknown) => void;
}

export interface LearnedDetectorOptions {
  kind: LearnedDetector;
  windows?: WindowOptions;
  /** Windows embedded per request, newest texts first; older text beyond this is scored by the rules only. */
  maxWindowsPerRequest?: number;
}

interface Window {
  text: string;
  source: 'user' | 'tool';
  rule: number;
  cues: number[];
  categories: readonly InjectionCategory[];
}

/** The windows of a request, newest text first, each with the rule score of its own text. */
function windowsOf(texts: readonly ScannedText[], o: WindowOptions, cap: number): Window[] {
  const out: Window[] = [];
  for (let i = texts.length - 1; i >= 0 && out.length < cap; i--) {
    const t = texts[i] as ScannedText;
    for (const w of textWindows(t.text, o)) {
      if (out.length >= cap) break;
      const r = detectInjection(w, t.source);
      const text = normalizeForMatching(w).text;
      out.push({ text, source: t.source, rule: r.score, cues: cueVector(text), categories: r.categories });
    }
  }
  return out;
}

export function createLearnedDetector({ deps, options }: { deps: LearnedDetectorDeps; options: LearnedDetectorOptions }): InjectionDetector {
  const { embedder, classifier } = deps;
  if (embedder.id !== classifier.embedder) throw new Error(`injection classifier was trained on ${classifier.embedder}, not ${embedder.id}`);
  const head = classifier[options.kind];
  const windowOptions = options.windows ?? DEFAULT_WINDOWS;
  const cap = options.maxWindowsPerRequest ?? 24;
  const useRules = options.kind === 'hybrid';
  return {
    kind: options.kind,
    threshold: head.threshold,
    async scan(texts, signal) {
      const windows = windowsOf(texts, windowOptions, cap);
      if (windows.length === 0) return { score: 0, categories: [], detector: options.kind, threshold: head.threshold };
      let vectors: Float32Array[];
      try {
        vectors = await embedder.embed(windows.map((w) => w.text), signal);
      } catch (err) {
        deps.onError?.(err);
        return rulesScan(texts);
      }
      let best = -1;
      let score = 0;
      windows.forEach((w, i) => {
        const p = injectionProbability(head, vectors[i] as Float32Array, useRules ? w.rule : 0, w.cues, w.source === 'tool');
        if (p > score) [score, best] = [p, i];
      });
      const categories = new Set<InjectionCategory>();
      if (score >= head.threshold) {
        const top = windows[best];
        for (const c of useRules ? rulesScan(texts).categories : (top?.categories ?? [])) categories.add(c);
        const like = best >= 0 ? nearestCategory(classifier, vectors[best] as Float32Array) : null;
        if (like) categories.add(like);
        if (top?.source === 'tool') categories.add('tool_result_injection');
      }
      return { score: Math.round(score * 1000) / 1000, categories: [...categories], detector: options.kind, threshold: head.threshold };
    },
  };
}

export interface InjectionDetectorsDeps {
  /** The process's embedder (shared with the cache and semantic routes); null or rejected: rules only. */
  embedder?: Embedder | Promise<Embedder | null> | null;
  /** The learned classifier; loaded lazily from the committed file when absent. */
  classifier?: InjectionClassifier | (() => InjectionClassifier);
  /** Why a learned detector is not in use (model missing, classifier unreadable, other vector space). */
  onFallback?: (kind: LearnedDetector, reason: string) => void;
  onError?: (err: unknown) => void;
}

/** The detectors a stage may be asked for, each built once; a learned one falls back to the rules when it cannot run. */
export function createInjectionDetectors(deps: InjectionDetectorsDeps): (kind: InjectionDetectorKind) => Promise<InjectionDetector> {
  const rules = createRulesDetector();
  const built = new Map<InjectionDetectorKind, Promise<InjectionDetector>>([['rules', Promise.resolve(rules)]]);
  const embedder = Promise.resolve(deps.embedder ?? null).catch(() => null);
  async function build(kind: LearnedDetector): Promise<InjectionDetector> {
    const e = await embedder;
    if (!e) {
      deps.onFallback?.(kind, 'the local embedding model is not available');
      return rules;
    }
    try {
      const c = typeof deps.classifier === 'function' ? deps.classifier() : deps.classifier;
      if (!c) throw new Error('no classifier given');
      return createLearnedDetector({ deps: { embedder: e, classifier: c, ...(deps.onError ? { onError: deps.onError } : {}) }, options: { kind } });
    } catch (err) {
      deps.onFallback?.(kind, (err as Error).message);
      return rules;
    }
  }
  return (kind) => {
    let d = built.get(kind);
    if (!d) built.set(kind, (d = build(kind as LearnedDetector)));
    return d;
  };
}
