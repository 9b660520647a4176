// Shared by the kernel tests: a seeded PRNG, key/value generators, and a plain-TS reference
// aggregator that follows src/kernels/numeric.ts.
import { loadKernelsFromFile, kernelUrl, compareDouble } from '../../src/kernels/index.ts';
import type { Kernels, KeyColumn, AggregateName } from '../../src/kernels/index.ts';

export { mulberry32 } from '../support/random.ts';

let debugKernels: Promise<Kernels> | undefined;

/** The debug build (assertions on), compiled once per test file. */
export function kernels(): Promise<Kernels> {
  debugKernels ??= loadKernelsFromFile(kernelUrl('debug'));
  return debugKernels;
}

/** Zipf(s = 1) ranks in [0, n) by inverse CDF. */
export function zipfSampler(n: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cdf[r] = total += 1 / (r + 1);
  return () => {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2 ** 52, -(2 ** 52), Number.MIN_VALUE, -Number.MAX_VALUE];

/** Mostly small integers (so min/max ties are common), with special values mixed in. */
export function valueSampler(random: () => number, specialRate = 0.05): () => number {
  return () => {
    const u = random();
    if (u < specialRate) return SPECIALS[Math.floor(random() * SPECIALS.length)];
    if (u < 0.6) return Math.floor(random() * 20) - 10;
    if (u < 0.8) return Math.floor(random() * 2 ** 30) * (random() < 0.5 ? -1 : 1);
    return (random() - 0.5) * 1e6;
  };
}

/** Spread a rank into a distinct key id of the column's type. */
export function keyColumn(ranks: ArrayLike<number>, kind: 'i32' | 'u32' | 'f64'): KeyColumn {
  const n = ranks.length;
  if (kind === 'i32') return Int32Array.from({ length: n }, (_, i) => Math.imul(ranks[i] + 1, 0x9e3779b1) | 0);
  if (kind === 'u32') return Uint32Array.from({ length: n }, (_, i) => Math.imul(ranks[i] + 1, 0x9e3779b1) >>> 0);
  // Beyond 32 bits and negative, still exact doubles.
  return Float64Array.from({ length: n }, (_, i) => (ranks[i] - 7) * 4_294_967_311);
}

export interface RefState {
  count: number;
  sum: number;
  min: number;
  max: number;
  minIndex: number;
  maxIndex: number;
  firstIndex: number;
}

export class ReferenceAggregator {
  readonly map = new Map<number, RefState>();

  /** Applies records in order; returns per-record [value, index] of `emit` and the touched keys. */
  update(keys: KeyColumn, values: Float64Array, indexes: Float64Array, emit?: AggregateName, trackChanged = true): { values: Float64Array; indexes: Float64Array; changed: number[] } {
    const outValues = new Float64Array(emit ? keys.length : 0);
    const outIndexes = new Float64Array(emit ? keys.length : 0);
    const changed = new Set<number>();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const v = values[i];
      const idx = indexes[i];
      let s = this.map.get(k);
      if (!s) {
        s = { count: 1, sum: v, min: v, max: v, minIndex: idx, maxIndex: idx, firstIndex: idx };
        this.map.set(k, s);
      } else {
        s.count++;
        s.sum += v;
        if (compareDouble(v, s.min) < 0) { s.min = v; s.minIndex = idx; }
        if (compareDouble(v, s.max) > 0) { s.max = v; s.maxIndex = idx; }
      }
      if (trackChanged) changed.add(k);
      if (emit) [outValues[i], outIndexes[i]] = emitted(s, emit);
    }
    return { values: outValues, indexes: outIndexes, changed: [...changed] };
  }
}

export function emitted(s: RefState, emit: AggregateName): [number, number] {
  switch (emit) {
    case 'count': return [s.count, 0];
    case 'sum': return [s.sum, 0];
    case 'avg': return [s.sum / s.count, 0];
    case 'min': return [s.min, 0];
    case 'max': return [s.max, 0];
    case 'minBy': return [s.min, s.minIndex];
    case 'maxBy': return [s.max, s.maxIndex];
    case 'first': return [0, s.firstIndex];
  }
}

/** Index of the first row where a and b differ under Object.is, or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
