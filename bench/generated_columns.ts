// Benchmark input that is a pure function of the row index: the same data in every run, process,
// worker and page, with no file to read and nothing that depends on the runtime.

/** A well-mixed 32-bit hash of i (murmur's finalizer over a multiplied index). */
export function mix(i: number): number {
  let h = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** (key, value) columns: `keys` keys spread by the hash, or every row its own key when `distinct`. */
export function keyValueColumns(events: number, keys: number, distinct: boolean): { key: Int32Array; value: Float64Array } {
  const key = new Int32Array(events);
  const value = new Float64Array(events);
  for (let i = 0; i < events; i++) {
    key[i] = distinct ? i : mix(i) % keys;
    value[i] = (mix(i + events) % 1000) / 10;
  }
  return { key, value };
}

/** A seeded generator of numbers in [0, 1) (mulberry32): the same sequence in every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks in [0, cardinality): uniform when `zipfS` is null, else Zipf with exponent `zipfS` (rank 0 most frequent). */
export function rankSampler(cardinality: number, zipfS: number | null, random: () => number): () => number {
  if (zipfS === null) return () => Math.floor(random() * cardinality);
  const cdf = new Float64Array(cardinality);
  let total = 0;
  for (let r = 0; r < cardinality; r++) cdf[r] = total += 1 / Math.pow(r + 1, zipfS);
  for (let r = 0; r < cardinality; r++) cdf[r] /= total;
  return () => {
    const u = random();
    let lo = 0;
    let hi = cardinality - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
}

/** Keyed-sum input of the DuckDB comparisons (bench/duckdb.ts and the benches built on it). */
export interface Workload {
  readonly name: string;
  readonly key: Int32Array;
  readonly value: Float64Array;
}

/**
 * Scattered int keys (an odd multiplier is a bijection on 32 bits) and integer-valued doubles, so
 * every engine's sums are exact whatever order it adds in, and checksums compare exactly.
 */
export function workload(name: string, events: number, cardinality: number, zipfS: number | null, seed: number): Workload {
  const random = mulberry32(seed);
  const key = new Int32Array(events);
  const value = new Float64Array(events);
  const rankOf = rankSampler(cardinality, zipfS, random);
  for (let i = 0; i < events; i++) {
    const rank = rankOf();
    key[i] = Math.imul(rank + 1, 0x9e3779b1) | 0;
    value[i] = Math.floor(random() * 2001) - 1000;
  }
  return { name, key, value };
}
