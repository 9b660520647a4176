// Key-group assignment as Flink's KeyGroupRangeAssignment and MathUtils.murmurHash do it, and the
// watermark arithmetic of BoundedOutOfOrdernessWatermarks.
//
// Where the numbers come from:
// - murmurHash: Flink's MathUtils.murmurHash(int) is MurmurHash3_x86_32 (seed 0) of the int's four
//   little-endian bytes, made non-negative. The published MurmurHash3 test vectors pin it:
//   bytes 00000000 -> 0x2362F9DE, FFFFFFFF -> 0x76293B50, 21436587 -> 0xF55B516B, "test" -> 0xBA6BD213.
// - hashCode: Java's String/Integer/Double/Boolean.hashCode, computed on a JVM.
// - key groups and subtasks: murmurHash(hashCode) % maxParallelism and keyGroup * p / maxP,
//   computed on a JVM with Flink's formulas ("A" -> 104 and "B" -> 17 of 128 are also pinned by
//   third-party Flink-compatible test suites).
// - defaultMaxParallelism: KeyGroupRangeAssignment.computeDefaultMaxParallelism, with the
//   roundUpToPowerOfTwo values of Flink's MathUtilTest.
import { describe, expect, it } from 'vitest';
import { BoundedOutOfOrdernessWatermarks, MAX_WATERMARK, MIN_WATERMARK } from '../../src/index.ts';
import {
  defaultMaxParallelism, hashCode, keyGroupFor, keyGroupRange, murmurHash, subtaskForKeyGroup,
} from '../../src/core/key_groups.ts';
import { cases, manyKeysInput } from './cases/key_groups.ts';
import { PARALLELISMS, runCase, sorted } from './support.ts';

describe('murmurHash (Flink MathUtils.murmurHash)', () => {
  it.each([
    [0, 0x2362f9de],
    [-1, 0x76293b50],
    [0x87654321 | 0, 0x100000000 - 0xf55b516b], // the vector is negative as an int: Flink returns its absolute value
    [0x74736574, 0x100000000 - 0xba6bd213], // "test" as a little-endian int
  ])('matches the MurmurHash3 reference vector for %i', (code, expected) => {
    expect(murmurHash(code)).toBe(expected);
  });

  it.each([
    [1, 68075478], [42, 1134849565], [-2147483648, 1718298732], [2147483647, 1653689534],
    [65, 743412968], [66, 1669454353], [99162322, 1715862179],
  ])('murmurHash(%i) = %i (JVM)', (code, expected) => {
    expect(murmurHash(code)).toBe(expected);
  });

  it('is never negative', () => {
    for (let i = -100_000; i < 100_000; i += 7) expect(murmurHash(i * 21_467)).toBeGreaterThanOrEqual(0);
  });
});

describe('hashCode (Java\'s, for JS keys)', () => {
  it.each([
    ['A', 65], ['hello', 99162322], ['test', 3556498], ['hi', 3329], ['', 0], ['héllo', 103094734], ['\u{1F600}', 1772899],
  ])('String %j', (s, expected) => {
    expect(hashCode(s)).toBe(expected);
  });

  it.each([
    [0, 0], [42, 42], [-7, -7], [2147483647, 2147483647], [1.5, 1073217536], [-2.25, -1073610752], [0.1, -1507852285], [1e20, 1017127773],
  ])('number %d hashes as Integer when it is a 32-bit integer, else as Double', (n, expected) => {
    expect(hashCode(n)).toBe(expected);
  });

  it('Boolean and lists (Arrays.hashCode / List.hashCode)', () => {
    expect(hashCode(true)).toBe(1231);
    expect(hashCode(false)).toBe(1237);
    expect(hashCode(['a', 1])).toBe(3969);
  });
});

describe('keyGroupFor / subtaskForKeyGroup (Flink KeyGroupRangeAssignment)', () => {
  it.each([
    ['A', 128, 104], ['B', 128, 17], ['hi', 128, 47], ['hello', 128, 35], ['test', 128, 66], ['apple', 128, 100],
    [0, 128, 94], [1, 128, 86], [2, 128, 127], [3, 128, 113], [42, 128, 29], [-7, 128, 33],
    [1.5, 128, 65], [-2.25, 128, 28], [true, 128, 77], [false, 128, 3],
    ['A', 4096, 1256], ['B', 4096, 2577], [0, 4096, 2526], [1.5, 4096, 833],
  ] as const)('key %j of %i key groups is in group %i', (key, maxParallelism, expected) => {
    expect(keyGroupFor(key, maxParallelism)).toBe(expected);
  });

  it.each([
    [104, 2, 128, 1], [17, 2, 128, 0], [104, 8, 128, 6], [17, 8, 128, 1], [127, 3, 128, 2], [0, 3, 128, 0],
    [42, 3, 128, 0], [43, 3, 128, 1], [85, 3, 128, 1], [86, 3, 128, 2], [1256, 2, 4096, 0],
  ])('key group %i at parallelism %i of %i goes to subtask %i', (keyGroup, p, maxP, expected) => {
    expect(subtaskForKeyGroup(keyGroup, p, maxP)).toBe(expected);
  });

  it('keyGroupRange: Flink\'s computeKeyGroupRangeForOperatorIndex', () => {
    expect(keyGroupRange(0, 3, 128)).toEqual({ start: 0, end: 42 });
    expect(keyGroupRange(1, 3, 128)).toEqual({ start: 43, end: 85 });
    expect(keyGroupRange(2, 3, 128)).toEqual({ start: 86, end: 127 });
    expect(keyGroupRange(0, 1, 128)).toEqual({ start: 0, end: 127 });
    expect(keyGroupRange(1, 2, 4096)).toEqual({ start: 2048, end: 4095 });
  });

  it('the ranges of a parallelism partition the key groups, and agree with subtaskForKeyGroup', () => {
    for (const maxP of [1, 7, 128, 1000, 4096]) {
      for (const p of [1, 2, 3, 5, 7, 16, 100].filter((x) => x <= maxP)) {
        let next = 0;
        for (let i = 0; i < p; i++) {
          const { start, end } = keyGroupRange(i, p, maxP);
          expect(start, `p=${p} maxP=${maxP} subtask ${i}`).toBe(next);
          for (const kg of [start, end]) expect(subtaskForKeyGroup(kg, p, maxP)).toBe(i);
          next = end + 1;
        }
        expect(next).toBe(maxP);
      }
    }
  });

  it.each([
    [1, 128], [2, 128], [85, 128], [86, 256], [100, 256], [171, 256], [172, 512], [1000, 2048], [21845, 32768], [30000, 32768],
  ])('defaultMaxParallelism(%i) = %i', (p, expected) => {
    expect(defaultMaxParallelism(p)).toBe(expected);
  });
});

describe('keys are routed to the subtask that owns their key group', () => {
  it.each<[number, number | null, [string, number, number][]]>([
    [2, null, [['A', 1, 128], ['B', 0, 128], ['apple', 1, 128], ['hello', 0, 128], ['hi', 0, 128], ['test', 1, 128]]],
    [3, null, [['A', 2, 128], ['B', 0, 128], ['apple', 2, 128], ['hello', 0, 128], ['hi', 1, 128], ['test', 1, 128]]],
    [2, 4096, [['A', 0, 4096], ['B', 1, 4096], ['apple', 1, 4096], ['hello', 1, 4096], ['hi', 1, 4096], ['test', 1, 4096]]],
  ])('parallelism %i, maxParallelism %s', async (p, maxP, expected) => {
    const out = await runCase(maxP === null ? cases.key_routing : cases.key_routing_max_parallelism_4096, p);
    expect(sorted(out)).toEqual(sorted(expected));
  });
});

describe('BoundedOutOfOrdernessWatermarks', () => {
  const emitted = (gen: BoundedOutOfOrdernessWatermarks<unknown>) => {
    const out: number[] = [];
    gen.onPeriodicEmit({ emitWatermark: (w) => { out.push(w); } });
    return out;
  };

  it('emits max timestamp - bound - 1, and the minimum before any event', () => {
    const gen = new BoundedOutOfOrdernessWatermarks<unknown>(100);
    expect(emitted(gen)).toEqual([MIN_WATERMARK]);
    gen.onEvent(null, 1000);
    expect(emitted(gen)).toEqual([899]);
    gen.onEvent(null, 950); // late: the maximum stays
    expect(emitted(gen)).toEqual([899]);
    gen.onEvent(null, 5000);
    expect(emitted(gen)).toEqual([4899]);
  });

  it('a bound of 0 (forMonotonousTimestamps) gives timestamp - 1', () => {
    const gen = new BoundedOutOfOrdernessWatermarks<unknown>(0);
    gen.onEvent(null, 0);
    expect(emitted(gen)).toEqual([-1]);
    gen.onEvent(null, -500);
    expect(emitted(gen)).toEqual([-1]);
  });

  it('rejects a negative or infinite bound', () => {
    expect(() => new BoundedOutOfOrdernessWatermarks(-1)).toThrow('forBoundedOutOfOrderness(-1): the bound must be a finite number of milliseconds >= 0');
    expect(() => new BoundedOutOfOrdernessWatermarks(Number.POSITIVE_INFINITY)).toThrow('the bound must be a finite number');
  });

  it('Long.MIN_VALUE / MAX_VALUE are -Infinity / +Infinity', () => {
    expect(MIN_WATERMARK).toBe(Number.NEGATIVE_INFINITY);
    expect(MAX_WATERMARK).toBe(Number.POSITIVE_INFINITY);
  });
});

describe.each(PARALLELISMS)('state and results do not depend on the parallelism (parallelism %i)', (p) => {
  it('a keyed sum over many keys gives the same per-key sequence at any parallelism', async () => {
    const out = await runCase(cases.keyed_sum_over_many_keys, p);
    const expected = new Map<string, number[]>();
    const totals = new Map<string, number>();
    for (const [k, v] of manyKeysInput) {
      const t = (totals.get(k) ?? 0) + v;
      totals.set(k, t);
      expected.set(k, [...(expected.get(k) ?? []), t]);
    }
    const got = new Map<string, number[]>();
    for (const [k, v] of out) got.set(k, [...(got.get(k) ?? []), v]);
    expect(got).toEqual(expected);
  });
});
