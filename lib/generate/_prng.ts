/**
 * Small, fast, seeded pseudo-random generator (sfc32) used for every per-event draw.
 *
 * Each simulation phase gets its own named stream (`new Prng(seed, "mess")`), so changing,
 * say, a mess rate never changes the true events drawn from the "sessions" stream.
 *
 * @module
 */

/** Hash a stream name to 32 bits (FNV-1a), so streams with different names diverge. */
function _hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One splitmix32 step: returns the next state and a well-mixed output word. */
function _splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/**
 * sfc32 generator with helpers for the distributions the simulation needs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const rng = new Prng(42, "sessions");
 * const u = rng.next();
 * assert.ok(u >= 0 && u < 1);
 * const k = rng.poisson(2.5);
 * assert.ok(Number.isInteger(k) && k >= 0);
 * assert.equal(new Prng(42, "sessions").next(), u); // same seed and stream, same draws
 * assert.notEqual(new Prng(42, "listings").next(), u); // streams are independent
 * ```
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: string) {
    let state = (seed ^ _hashName(stream)) | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = _splitmix32(state);
      state = next;
      words.push(out);
    }
    this.a = words[0]!;
    this.b = words[1]!;
    this.c = words[2]!;
    this.d = words[3]!;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform float in [0, 1). */
  next(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    this.c = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Index drawn from a cumulative weight table whose last entry is the total. */
  pick(cumulative: Float64Array): number {
    const u = this.next() * cumulative[cumulative.length - 1]!;
    let i = 0;
    while (i < cumulative.length - 1 && u >= cumulative[i]!) i++;
    return i;
  }

  /** Exponential draw with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Poisson draw (Knuth's method; fine for the small means used here). */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit && k < 1000) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Number of successes before the first failure, each continuing with probability q. */
  geometric(q: number, cap = 20): number {
    let k = 0;
    while (k < cap && this.next() < q) k++;
    return k;
  }

  /** Standard normal draw (Box-Muller, one value per call). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal draw with the given median and log-scale sigma. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}

/** Build a cumulative table from weights, in the order given. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i]!;
    out[i] = sum;
  }
  return out;
}
