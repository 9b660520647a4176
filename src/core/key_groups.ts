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

/** Nesting deeper than this is taken for a circular key: keys are values, not graphs. */
const MAX_KEY_DEPTH = 64;

/**
 * Key equality, defined once (Flink's `equals`/`hashCode` of key types): primitives by value (-0
 * and 0 are one key, NaN is one key), arrays and plain objects by content, a Date by its time.
 * Anything else has no content equality and cannot be a key: a Map, a Set, a class instance, a
 * function, a symbol, null or undefined, as Flink rejects types that cannot be keys.
 */
function keyProblem(key: unknown): string | null {
  switch (typeof key) {
    case 'number': case 'string': case 'boolean': case 'bigint': return null;
    case 'object': {
      if (key === null) return 'null';
      if (Array.isArray(key)) return null;
      if (key instanceof Date) return Number.isNaN(key.getTime()) ? 'an invalid Date' : null;
      const proto = Object.getPrototypeOf(key) as object | null;
      if (proto === Object.prototype || proto === null) return null;
      const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' && name !== '' ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}` : 'an object with a prototype';
    }
    default: return `${typeof key === 'undefined' ? 'undefined' : `a ${typeof key}`}`;
  }
}

/** The error for a value that cannot be a key (or holds one); `path` says where inside it. */
function keyError(problem: string, path: string): TypeError {
  const where = path === '' ? 'the key' : `the key's element ${path}`;
  return new TypeError(`${where} is ${problem}, which cannot be a key: keys are numbers, strings, booleans, bigints, Dates, or arrays and plain objects of these, compared by content. Fix: key by a field that holds such a value, or return one (a string or a tuple) from the key selector`);
}

/**
 * A Java-style hashCode: 32-bit integers hash to themselves (Integer), other numbers as Double,
 * strings as String.hashCode, booleans as Boolean, bigints as Long, a Date as java.util.Date,
 * arrays as Arrays.hashCode, plain objects over their sorted properties. Equal keys (see
 * keyProblem) always hash equal; a value that cannot be a key throws, naming what it is.
 */
export function hashCode(key: unknown, path = '', depth = 0): number {
  switch (typeof key) {
    case 'number':
      if ((key | 0) === key) return key | 0; // -0 too: it and 0 are one key in JS, so one hash
      f64[0] = key;
      return i32[0] ^ i32[1];
    case 'string': {
      let h = 0;
      for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
      return h;
    }
    case 'boolean': return key ? 1231 : 1237;
    case 'bigint': return Number(BigInt.asIntN(32, key ^ (key >> 32n)));
    case 'object': return hashObject(key, path, depth);
    default: break;
  }
  throw keyError(keyProblem(key) ?? typeof key, path);
}

/** hashCode of an array, plain object or Date; kept apart so hashCode of a primitive stays small enough to inline. */
function hashObject(key: object | null, path: string, depth: number): number {
  if (depth > MAX_KEY_DEPTH) throw new TypeError(`the key nests deeper than ${MAX_KEY_DEPTH} levels (is it circular?); keys are values compared by content. Fix: key by a field, or return a string or a tuple from the key selector`);
  if (Array.isArray(key)) {
    let h = 1;
    for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + hashCode(key[i], `${path}[${i}]`, depth + 1)) | 0;
    return h;
  }
  const problem = keyProblem(key);
  if (problem !== null) throw keyError(problem, path);
  if (key instanceof Date) {
    const t = key.getTime();
    const hi = Math.floor(t / 4294967296);
    return ((t - hi * 4294967296) | 0) ^ (hi | 0);
  }
  let h = 1;
  for (const name of Object.keys(key as object).sort()) {
    h = (Math.imul(31, h) + hashCode(name)) | 0;
    h = (Math.imul(31, h) + hashCode((key as Record<string, unknown>)[name], `${path}.${name}`, depth + 1)) | 0;
  }
  return h;
}

/**
 * A value usable as a JS Map key with the key equality above: numbers, booleans and bigints
 * stand for themselves, strings too (unless they begin with U+0000), everything else becomes a
 * canonical string beginning with U+0000 and a tag, so no two unequal keys share one.
 */
export function canonicalKey(key: unknown): unknown {
  if (typeof key === 'string') return key.length > 0 && key.charCodeAt(0) === 0 ? `\u0000s${key}` : key;
  if (typeof key !== 'object' || key === null) return key;
  return '\u0000' + canonicalString(key, '', 0);
}

function canonicalString(value: unknown, path: string, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value); // String(-0) is "0": one key
  if (depth > MAX_KEY_DEPTH) throw new TypeError(`the key nests deeper than ${MAX_KEY_DEPTH} levels (is it circular?); keys are values compared by content. Fix: key by a field, or return a string or a tuple from the key selector`);
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalString(v, `${path}[${i}]`, depth + 1)).join(',')}]`;
  const problem = keyProblem(value);
  if (problem !== null) throw keyError(problem, path);
  if (value instanceof Date) return `D${value.getTime()}`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${canonicalString(record[k], `${path}.${k}`, depth + 1)}`).join(',')}}`;
}
