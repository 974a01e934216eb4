// Deterministic L2-regularised logistic regression (Newton / IRLS on the full batch) for the injection classifier.

export interface Sample {
  x: Float64Array;
  y: 0 | 1;
  /** Sample weight (class balance). */
  w: number;
}

/** Solves A·z = b in place by Gaussian elimination with partial pivoting (A is n×n, row-major). */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col] as number) > Math.abs(a[pivot * n + col] as number)) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [a[col * n + c], a[pivot * n + c]] = [a[pivot * n + c] as number, a[col * n + c] as number];
      [b[col], b[pivot]] = [b[pivot] as number, b[col] as number];
    }
    const d = a[col * n + col] as number;
    for (let r = col + 1; r < n; r++) {
      const f = (a[r * n + col] as number) / d;
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] = (a[r * n + c] as number) - f * (a[col * n + c] as number);
      b[r] = (b[r] as number) - f * (b[col] as number);
    }
  }
  const z = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r] as number;
    for (let c = r + 1; c < n; c++) s -= (a[r * n + c] as number) * (z[c] as number);
    z[r] = s / (a[r * n + r] as number);
  }
  return z;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Weights (last entry: bias, not regularised) minimising weighted log-loss + λ/2·|w|². */
export function fitLogistic(samples: readonly Sample[], lambda: number, iterations = 25): Float64Array {
  const d = (samples[0]?.x.length ?? 0) + 1;
  let beta = new Float64Array(d);
  for (let it = 0; it < iterations; it++) {
    const h = new Float64Array(d * d);
    const g = new Float64Array(d);
    for (const s of samples) {
      let z = beta[d - 1] as number;
      for (let i = 0; i < d - 1; i++) z += (beta[i] as number) * (s.x[i] as number);
      const p = sigmoid(z);
      const r = s.w * (p - s.y);
      const q = s.w * Math.max(p * (1 - p), 1e-6);
      for (let i = 0; i < d; i++) {
        const xi = i === d - 1 ? 1 : (s.x[i] as number);
        g[i] = (g[i] as number) + r * xi;
        if (xi === 0) continue;
        for (let j = i; j < d; j++) {
          const xj = j === d - 1 ? 1 : (s.x[j] as number);
          h[i * d + j] = (h[i * d + j] as number) + q * xi * xj;
        }
      }
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) h[i * d + j] = h[j * d + i] as number;
      if (i < d - 1) {
        g[i] = (g[i] as number) + lambda * (beta[i] as number);
        h[i * d + i] = (h[i * d + i] as number) + lambda;
      } else h[i * d + i] = (h[i * d + i] as number) + 1e-6;
    }
    const step = solve(h, g, d);
    let change = 0;
    const next = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      next[i] = (beta[i] as number) - (step[i] as number);
      change = Math.max(change, Math.abs(step[i] as number));
    }
    beta = next;
    if (change < 1e-7) break;
  }
  return beta;
}

export function predict(beta: Float64Array, x: Float64Array): number {
  const d = beta.length;
  let z = beta[d - 1] as number;
  for (let i = 0; i < d - 1; i++) z += (beta[i] as number) * (x[i] as number);
  return sigmoid(z);
}
