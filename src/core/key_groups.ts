/**
 * Flink's key-group arithmetic (KeyGroupRangeAssignment, MathUtils.murmurHash) over Java-style
 * hash codes of JS values, so keys land in the same key group on every run and every runtime.
 */
const UPPER_BOUND_MAX_PARALLELISM = 32768;

export function defaultMaxParallelism(parallelism: number): number {
  return Math.min(Math.max(roundUpToPowerOfTwo(parallelism + (parallelism >> 1)), 128), UPPER_BOUND_MAX_PARALLELISM);
}

function roundUpToPowerOfTwo(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

export function keyGroupFor(key: unknown, maxParallelism: number): number {
  return murmurHash(hashCode(key)) % maxParallelism;
}

export function subtaskForKeyGroup(keyGroup: number, parallelism: number, maxParallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** Key groups [start, end], both included (Flink's KeyGroupRange). */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

export function inKeyGroupRange(range: KeyGroupRange, keyGroup: number): boolean {
  return keyGroup >= range.start && keyGroup <= range.end;
}

export function keyGroupRangesIntersect(a: KeyGroupRange, b: KeyGroupRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** The key groups that subtask `index` owns (Flink's computeKeyGroupRangeForOperatorIndex). */
export function keyGroupRange(index: number, parallelism: number, maxParallelism: number): KeyGroupRange {
  return {
    start: Math.floor((index * maxParallelism + parallelism - 1) / parallelism),
    end: Math.floor(((index + 1) * maxParallelism - 1) / parallelism),
  };
}

export function murmurHash(code: number): number {
  let h = Math.imul(code, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  h = Math.imul(h, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // Flink's Math.abs, with MIN_VALUE mapped to 0, without a branch: the sign is a coin flip per
  // key, so a branch here would mispredict half the time.
  const s = h >> 31;
  return ((h ^ s) - s) & 0x7fffffff;
}

/**
 * `out[i] = murmurHash(keys[i]) % maxParallelism` for keys that are 32-bit integers (an Integer's
 * hashCode is the int itself). The hash is written out rather than called: a fresh worker runs
 * this loop in V8's unoptimised tiers until on-stack replacement, where a call per row is costly.
 */
export function intKeyGroups(keys: ArrayLike<number>, out: Int32Array, length: number, maxParallelism: number): void {
  for (let i = 0; i < length; i++) {
    let h = Math.imul(keys[i], 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    h ^= 4;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const s = h >> 31;
    out[i] = (((h ^ s) - s) & 0x7fffffff) % maxParallelism;
  }
}

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/**
 * A Java-style hashCode: 32-bit integers hash to themselves (Integer), other numbers as Double,
 * strings as String.hashCode, booleans as Boolean, arrays as Arrays.hashCode, plain objects over
 * their sorted properties. Equal keys (by value) always hash equal.
 */
export function hashCode(key: unknown): number {
  switch (typeof key) {
    case 'number':
      if ((key | 0) === key && !Object.is(key, -0)) return key;
      f64[0] = key === 0 ? 0 : key; // -0 and 0 are one key in JS, so one hash
      return i32[0] ^ i32[1];
    case 'string': {
      let h = 0;
      for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
      return h;
    }
    case 'boolean': return key ? 1231 : 1237;
    case 'bigint': return Number(BigInt.asIntN(32, key ^ (key >> 32n)));
    case 'object': {
      if (key === null) break;
      let h = 1;
      if (Array.isArray(key)) {
        for (const item of key) h = (Math.imul(31, h) + hashCode(item)) | 0;
        return h;
      }
      for (const name of Object.keys(key).sort()) {
        h = (Math.imul(31, h) + hashCode(name)) | 0;
        h = (Math.imul(31, h) + hashCode((key as Record<string, unknown>)[name])) | 0;
      }
      return h;
    }
    default: break;
  }
  throw new TypeError(`a key must be a number, string, boolean, bigint, array or plain object, got ${key === null ? 'null' : typeof key}`);
}

/**
 * A value usable as a JS Map key with value equality: primitives stand for themselves, arrays
 * and objects become a canonical string.
 */
export function canonicalKey(key: unknown): unknown {
  if (typeof key !== 'object' || key === null) return key;
  return '\u0000' + canonicalString(key);
}

function canonicalString(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalString).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${canonicalString(record[k])}`).join(',')}}`;
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
