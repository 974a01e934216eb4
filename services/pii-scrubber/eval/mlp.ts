// A one-hidden-layer perceptron (ReLU, sigmoid output) for the injection classifier's hybrid head: weighted log-loss,
// L2 on the weights, Adam on shuffled mini-batches. Deterministic: seeded initialisation and shuffling.
import { seededRand } from '@ai-gateway/kit';
import type { MlpMember } from '../src/domain/injection-classifier.ts';
import type { Sample } from './logistic.ts';

export interface MlpOptions {
  hidden: number;
  /** L2 strength, as in scikit-learn's MLPClassifier (added to each batch's summed gradient before averaging). */
  alpha: number;
  epochs: number;
  batch: number;
  learningRate: number;
  seed: number;
}

export const MLP_DEFAULTS: Omit<MlpOptions, 'seed'> = { hidden: 64, alpha: 1e-3, epochs: 150, batch: 200, learningRate: 1e-3 };

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(size: number, private readonly lr: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  step(params: Float32Array, grad: Float64Array): void {
    this.t++;
    const c1 = 1 - 0.9 ** this.t;
    const c2 = 1 - 0.999 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i] as number;
      const m = (this.m[i] = 0.9 * (this.m[i] as number) + 0.1 * g);
      const v = (this.v[i] = 0.999 * (this.v[i] as number) + 0.001 * g * g);
      params[i] = (params[i] as number) - (this.lr * (m / c1)) / (Math.sqrt(v / c2) + 1e-8);
    }
  }
}

/** Trains one member on the samples (features as laid out by the caller; weights from Sample.w). */
export function fitMlp(samples: readonly Sample[], o: MlpOptions): MlpMember {
  const f = samples[0]?.x.length ?? 0;
  const h = o.hidden;
  const rand = seededRand(o.seed);
  // Glorot-uniform initialisation, as scikit-learn does for ReLU layers.
  const init = (n: number, fanIn: number, fanOut: number) => {
    const bound = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * bound);
  };
  const m: MlpMember = { w1: init(h * f, f, h), b1: init(h, f, h), w2: init(h, h, 1), b2: (rand() * 2 - 1) * Math.sqrt(6 / (h + 1)) };
  const b2 = new Float32Array([m.b2]);
  const opt = { w1: new Adam(h * f, o.learningRate), b1: new Adam(h, o.learningRate), w2: new Adam(h, o.learningRate), b2: new Adam(1, o.learningRate) };
  const g = { w1: new Float64Array(h * f), b1: new Float64Array(h), w2: new Float64Array(h), b2: new Float64Array(1) };
  const hid = new Float64Array(h);
  const order = samples.map((_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (let start = 0; start < order.length; start += o.batch) {
      const end = Math.min(order.length, start + o.batch);
      g.w1.fill(0);
      g.b1.fill(0);
      g.w2.fill(0);
      g.b2.fill(0);
      for (let k = start; k < end; k++) {
        const s = samples[order[k] as number] as Sample;
        let z = b2[0] as number;
        for (let j = 0; j < h; j++) {
          let a = m.b1[j] as number;
          const row = j * f;
          for (let i = 0; i < f; i++) a += (m.w1[row + i] as number) * (s.x[i] as number);
          hid[j] = a > 0 ? a : 0;
          z += (m.w2[j] as number) * (hid[j] as number);
        }
        const d = s.w * (sigmoid(z) - s.y);
        g.b2[0] = (g.b2[0] as number) + d;
        for (let j = 0; j < h; j++) {
          const hj = hid[j] as number;
          if (hj === 0) continue;
          g.w2[j] = (g.w2[j] as number) + d * hj;
          const dj = d * (m.w2[j] as number);
          g.b1[j] = (g.b1[j] as number) + dj;
          const row = j * f;
          for (let i = 0; i < f; i++) g.w1[row + i] = (g.w1[row + i] as number) + dj * (s.x[i] as number);
        }
      }
      const n = end - start;
      for (let i = 0; i < g.w1.length; i++) g.w1[i] = ((g.w1[i] as number) + o.alpha * (m.w1[i] as number)) / n;
      for (let j = 0; j < h; j++) {
        g.w2[j] = ((g.w2[j] as number) + o.alpha * (m.w2[j] as number)) / n;
        g.b1[j] = (g.b1[j] as number) / n;
      }
      g.b2[0] = (g.b2[0] as number) / n;
      opt.w1.step(m.w1, g.w1);
      opt.b1.step(m.b1, g.b1);
      opt.w2.step(m.w2, g.w2);
      opt.b2.step(b2, g.b2);
    }
  }
  return { ...m, b2: b2[0] as number };
}
