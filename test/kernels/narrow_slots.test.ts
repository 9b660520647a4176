import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AggregateName, KeyColumn } from '../../src/kernels/index.ts';
import { KernelLimitError } from '../../src/kernels/index.ts';
import { AGGREGATE_NAMES } from '../../src/kernels/aggregates.ts';
import { kernels, mulberry32, valueSampler, ReferenceAggregator } from './support.ts';
import { expectSameFinal, expectSameUpdate } from './compare.ts';

// A table whose fields include the count starts with narrow slots (key i32 and count u32 in one
// word); a key beyond an i32 (or i32's minimum) or a count reaching 2^32 turns it wide.

const COLUMNS = ['count', 'sum', 'avg', 'min', 'max', 'minIndex', 'maxIndex', 'firstIndex'] as const;
type Column = (typeof COLUMNS)[number];

function columnsOf(aggregates: readonly AggregateName[]): Column[] {
  const has = (...names: AggregateName[]) => names.some((n) => aggregates.includes(n));
  return COLUMNS.filter((c) => ({
    count: has('count', 'avg'), sum: has('sum', 'avg'), avg: has('count', 'avg') && has('sum', 'avg'),
    min: has('min', 'minBy'), max: has('max', 'maxBy'), minIndex: has('minBy'), maxIndex: has('maxBy'), firstIndex: has('first'),
  })[c]);
}

// Keys a narrow slot cannot hold, each with a column type that carries it.
const WIDE_KEYS: readonly [number, 'i32' | 'u32' | 'f64'][] = [[-(2 ** 31), 'i32'], [2 ** 31, 'u32'], [2 ** 40, 'f64'], [-(2 ** 31) - 1, 'f64']];

function column(keys: number[], kind: 'i32' | 'u32' | 'f64'): KeyColumn {
  return kind === 'i32' ? Int32Array.from(keys) : kind === 'u32' ? Uint32Array.from(keys) : Float64Array.from(keys);
}

/** A version-2 snapshot of ['count', 'sum'] entries (key, count, sum), ranked in the order given. */
function countSumSnapshot(entries: readonly [number, number, number][]): Uint8Array {
  const stride = 24;
  const bytes = new Uint8Array(32 + entries.length * (stride + 4));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x414b4445, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, 3, true);
  view.setUint32(12, stride, true);
  view.setUint32(16, entries.length, true);
  entries.forEach(([key, count, sum], i) => {
    const at = 32 + i * stride;
    view.setBigInt64(at, BigInt(key), true);
    view.setFloat64(at + 8, count, true);
    view.setFloat64(at + 16, sum, true);
    view.setUint32(32 + entries.length * stride + i * 4, i, true);
  });
  return bytes;
}

describe('KeyedAggregator narrow slots', () => {
  it('matches the reference while narrow, when a key turns the table wide mid-batch, and through snapshots (seeded)', async () => {
    const k = await kernels();
    await fc.assert(fc.asyncProperty(
      fc.subarray([...AGGREGATE_NAMES], { minLength: 1 }).filter((a) => a.includes('count') || a.includes('avg')),
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: -1, max: 2 }),
      fc.integer({ min: 0, max: WIDE_KEYS.length - 1 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      async (aggregates, cardinality, wideBatch, wideKey, seed) => {
        const random = mulberry32(seed);
        const value = valueSampler(random, 0.1);
        const agg = k.createKeyedAggregator({ aggregates });
        const ref = new ReferenceAggregator();
        const columns = columnsOf(aggregates);
        const emit = aggregates[Math.floor(random() * aggregates.length)];
        let seq = 0;
        for (let b = 0; b < 3; b++) {
          const n = 1 + Math.floor(random() * 9000);
          // Small keys around 0: dense home positions, long probe runs, growth inside a batch.
          const ranks = Array.from({ length: n }, () => Math.floor(random() * cardinality) - (cardinality >> 1));
          let kind: 'i32' | 'u32' | 'f64' = 'i32';
          if (b === wideBatch) {
            const [key, type] = WIDE_KEYS[wideKey];
            kind = type;
            if (type === 'u32') for (let i = 0; i < n; i++) ranks[i] = Math.abs(ranks[i]);
            ranks[Math.floor(random() * n)] = key;
          }
          const keys = column(ranks, kind);
          const values = Float64Array.from({ length: n }, value);
          const indexes = Float64Array.from({ length: n }, () => seq++);
          expectSameUpdate(agg, ref, keys, values, indexes, emit);
        }
        expectSameFinal(agg, ref, columns);
        for (const key of [0, 1, -1, WIDE_KEYS[wideKey][0]]) {
          const state = ref.map.get(key);
          expect(agg.get(key)?.count).toBe(state?.count);
        }

        // A narrow snapshot restores into a narrow table, a widened one widens the table it goes to.
        const restored = k.createKeyedAggregator({ aggregates });
        restored.restore(agg.snapshot());
        expectSameFinal(restored, ref, columns);
        expect(restored.tableBytes).toBe(agg.tableBytes);
        const more = Int32Array.from({ length: 500 }, () => Math.floor(random() * cardinality * 2) - cardinality);
        const moreValues = Float64Array.from({ length: more.length }, value);
        const moreIndexes = Float64Array.from({ length: more.length }, () => seq++);
        restored.update(more, moreValues, { indexes: moreIndexes });
        ref.update(more, moreValues, moreIndexes);
        expectSameFinal(restored, ref, columns);
      },
    ), { seed: 20261206, numRuns: 40 });
  });

  it('takes 32 bytes a slot for count, sum, min and max until a key beyond an i32 arrives', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['count', 'sum', 'min', 'max'] });
    agg.update(Int32Array.from({ length: 100 }, (_, i) => i - 50), new Float64Array(100).fill(2));
    // 1,024 slots x 32 bytes + 512 order entries x 4 bytes + 1,024 touched bits.
    expect(agg.tableBytes).toBe(34_944);
    agg.update(new Float64Array([2 ** 40, -50]), new Float64Array([7, -1]));
    // The same slots, 40 bytes each.
    expect(agg.tableBytes).toBe(43_136);
    expect(agg.get(-50)).toEqual({ key: -50, count: 2, sum: 1, avg: 0.5, min: -1, max: 2 });
    expect(agg.get(2 ** 40)).toEqual({ key: 2 ** 40, count: 1, sum: 7, avg: 7, min: 7, max: 7 });
    expect(agg.size).toBe(101);
  });

  it('turns wide when a count reaches 2^32, and restores counts of 2^32 and beyond', async () => {
    const k = await kernels();
    const agg = k.createKeyedAggregator({ aggregates: ['count', 'sum'] });
    agg.restore(countSumSnapshot([[5, 2 ** 32 - 1, 1], [-7, 3, 0.5]]));
    // 1,024 slots x 16 bytes + 512 x 4 + 1,024 bits: narrow.
    expect(agg.tableBytes).toBe(18_560);
    const emitted = new Float64Array(3);
    agg.update(new Int32Array([-7, 5, 5]), new Float64Array([1, 2, 3]), { emit: { aggregate: 'count', values: emitted } });
    expect([...emitted]).toEqual([4, 2 ** 32, 2 ** 32 + 1]);
    expect(agg.tableBytes).toBe(26_752);
    expect(agg.get(5)).toEqual({ key: 5, count: 2 ** 32 + 1, sum: 6, avg: 6 / (2 ** 32 + 1) });
    expect(agg.get(-7)).toEqual({ key: -7, count: 4, sum: 1.5, avg: 1.5 / 4 });

    const big = k.createKeyedAggregator({ aggregates: ['count', 'sum'] });
    big.restore(countSumSnapshot([[1, 1, 1], [2, 2 ** 40, 2]]));
    expect(big.tableBytes).toBe(26_752);
    expect(big.get(2)).toEqual({ key: 2, count: 2 ** 40, sum: 2, avg: 2 / 2 ** 40 });
    const keys = new Float64Array(2);
    const count = new Float64Array(2);
    big.drainInto({ keys, count });
    expect([...keys, ...count]).toEqual([1, 2, 1, 2 ** 40]);
  });

  it('raises the limit error when turning wide would outgrow maxBytes, the records before applied', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['count', 'sum'], maxBytes: 20_000 });
    let error: unknown;
    try {
      agg.update(new Float64Array([1, 2, 2 ** 40, 3]), new Float64Array([1, 1, 1, 1]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelLimitError);
    // Sized as the wide table it needs: 1,024 slots x 24 bytes + 512 x 4 + 1,024 bits.
    expect((error as Error).message).toBe(
      'KeyedAggregator: table would need 26.1 KiB for 4 keys, over the limit of 19.5 KiB; raise maxBytes or reduce key cardinality');
    expect((error as KernelLimitError).appliedRecords).toBe(2);
    expect(agg.size).toBe(2);
    expect(agg.tableBytes).toBe(18_560);
  });
});
