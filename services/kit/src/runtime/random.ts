// A small seeded random generator, for reproducible simulations, tests and training runs.

/** A uniform random number in [0, 1). Injected so tests are deterministic. */
export type Rand = () => number;

/** Deterministic PRNG (mulberry32). */
export function seededRand(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
