// `npm run cache:eval`: precision and recall of the semantic layer on the labelled dev set, per threshold.
import { readFileSync } from 'node:fs';
import { compatible, loadLocalEmbedder, modelDirOf, signatureOf } from '@ai-gateway/semantic-cache';

interface Pair { a: string; b: string; same: boolean; kind: string }

const dir = new URL('../fixtures/cache/', import.meta.url);
const rows = (file: string) => readFileSync(new URL(file, dir), 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.split('\t'));

/** The dev set (the guards were tuned on it). */
function readPairs(): Pair[] {
  return [
    ...rows('paraphrases.tsv').map(([a, b]) => ({ a: a ?? '', b: b ?? '', same: true, kind: 'paraphrase' })),
    ...rows('near-misses.tsv').map(([a, b, k]) => ({ a: a ?? '', b: b ?? '', same: false, kind: k ?? 'near-miss' })),
  ];
}

/** Written after tuning and never tuned on: the honest estimate. */
function readHoldout(): Pair[] {
  return rows('holdout.tsv').map(([a, b, label, k]) => ({ a: a ?? '', b: b ?? '', same: label === 'same', kind: k ?? '' }));
}

function dot(x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] ?? 0) * (y[i] ?? 0);
  return s;
}

const embedder = await loadLocalEmbedder({ modelDir: modelDirOf(undefined) });
const chosen = Number(process.env['CACHE_EVAL_DEFAULT'] ?? 0.88);
const thresholds = [0.7, 0.75, 0.8, 0.82, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.92, 0.95];
console.log(`embedder ${embedder.id}`);

async function evaluate(title: string, pairs: Pair[]): Promise<void> {
  const scored: Array<Pair & { cos: number; guard: boolean; reason: string }> = [];
  const t0 = performance.now();
  for (const p of pairs) {
    const [va, vb] = await embedder.embed([p.a, p.b]);
    const g = compatible(signatureOf(p.a), signatureOf(p.b));
    scored.push({ ...p, cos: dot(va as Float32Array, vb as Float32Array), guard: g.ok, reason: g.ok ? '' : g.reason });
  }
  const perPairMs = (performance.now() - t0) / pairs.length;
  const positives = pairs.filter((p) => p.same).length;
  console.log(`\n${title}: ${pairs.length} pairs (${positives} paraphrases, ${pairs.length - positives} near-misses); ${perPairMs.toFixed(1)} ms per pair (2 embeddings)`);
  console.log('threshold | cosine only: precision recall | cosine + guards: precision recall  hits  false hits');
  for (const t of thresholds) {
    const row = (useGuards: boolean) => {
      const hit = scored.filter((s) => s.cos >= t && (!useGuards || s.guard));
      const tp = hit.filter((s) => s.same).length;
      return { p: hit.length ? tp / hit.length : 1, r: tp / positives, hits: hit.length, fp: hit.length - tp };
    };
    const a = row(false);
    const b = row(true);
    const mark = t === chosen ? '  <- default' : '';
    console.log(`${t.toFixed(2).padStart(9)} | ${a.p.toFixed(3).padStart(21)} ${a.r.toFixed(3).padStart(6)} | ${b.p.toFixed(3).padStart(24)} ${b.r.toFixed(3).padStart(6)} ${String(b.hits).padStart(5)} ${String(b.fp).padStart(11)}${mark}`);
  }
  if (process.argv.includes('--verbose')) {
    for (const s of scored) {
      const wrong = (s.same && (!s.guard || s.cos < chosen)) || (!s.same && s.guard && s.cos >= chosen);
      if (wrong) console.log(`${s.same ? 'MISSED' : 'FALSE '} ${s.cos.toFixed(3)} ${s.reason.padEnd(9)} ${s.kind.padEnd(10)} ${s.a} | ${s.b}`);
    }
  }
}

await evaluate('dev set (guards tuned on it)', readPairs());
await evaluate('held-out set (never tuned on)', readHoldout());
