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
