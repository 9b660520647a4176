// While a table holds few keys, updates of int32 keys without changed keys (BATCH's sum and four
// aggregates, STREAMING's rolling sum) find slots through a direct index beside the table, and
// fall back to the hash loop for any record it does not answer. These runs drive both paths
// against the reference: keys that move in and out of a small range, negative keys, i32's minimum
// and maximum, tables that grow while indexed and past the index's key count, updates of other
// loops (changed keys, rolling output, float keys) in between, a memory limit the keys run into
// while indexed, and snapshots restored mid-stream.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AggregateName, KeyedAggregator } from '../../src/kernels/index.ts';
import { kernels, ReferenceAggregator, firstDifference, mulberry32 } from './support.ts';
import { expectSameFinal } from './compare.ts';

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
type Column = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'minIndex' | 'maxIndex' | 'firstIndex';
// Each set with the aggregate a STREAMING update emits: sum and four aggregates have loops of
// their own, the others share the loop that reads the table's layout.
const SETS: readonly { aggregates: readonly AggregateName[]; columns: readonly Column[]; emit: AggregateName }[] = [
  { aggregates: ['sum'], columns: ['sum'], emit: 'sum' },
  { aggregates: ['sum', 'count', 'min', 'max'], columns: ['count', 'sum', 'min', 'max'], emit: 'max' },
  { aggregates: ['max'], columns: ['max'], emit: 'max' },
  { aggregates: ['avg'], columns: ['avg'], emit: 'avg' },
  { aggregates: ['count', 'sum', 'min', 'max', 'minBy', 'maxBy', 'first'], columns: ['count', 'sum', 'min', 'max', 'minIndex', 'maxIndex', 'firstIndex'], emit: 'minBy' },
];

type Step = 'quiet' | 'rolling' | 'tracked' | 'floatKeys' | 'burst' | 'snapshot' | 'read';

// Keys of one batch: a window of `width` keys from `base` (wrapping around i32), a few scrambled
// keys, and i32's extremes now and then.
function batchKeys(random: () => number, n: number, base: number, width: number, scrambled: number): Int32Array {
  return Int32Array.from({ length: n }, () => {
    const u = random();
    if (u < 0.01) return I32_MIN;
    if (u < 0.02) return I32_MAX;
    if (u < 0.05) return Math.imul(Math.floor(random() * scrambled) + 1, 0x9e3779b1) | 0;
    return (base + Math.floor(random() * width)) | 0;
  });
}

function values(random: () => number, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => {
    const u = random();
    if (u < 0.02) return [NaN, -0, 0, Infinity, -Infinity][Math.floor(random() * 5)];
    return u < 0.6 ? Math.floor(random() * 21) - 10 : (random() - 0.5) * 1e6;
  });
}

describe('the direct index of a small table', () => {
  for (const { aggregates, columns, emit } of SETS) {
    it(`${aggregates.join('+')}: keys moving in and out of small ranges, growth, other loops and snapshots between (seeded)`, async () => {
      const k = await kernels();
      await fc.assert(fc.asyncProperty(
        fc.integer(),
        fc.array(fc.record({
          step: fc.constantFrom<Step>('quiet', 'quiet', 'quiet', 'rolling', 'tracked', 'floatKeys', 'burst', 'snapshot', 'read'),
          base: fc.oneof(fc.integer({ min: -300, max: 300 }), fc.constantFrom(I32_MIN, I32_MAX - 50, -70_000), fc.integer({ min: I32_MIN, max: I32_MAX })),
          width: fc.constantFrom(1, 7, 100, 700, 2500, 9000),
          n: fc.integer({ min: 1, max: 12_000 }),
        }), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (seed, steps, tight) => {
          const random = mulberry32(seed);
          // A tight limit: the index (over the rows region) still runs, and keys meet the limit.
          const maxBytes = tight ? 40_000 : undefined;
          let agg: KeyedAggregator = k.createKeyedAggregator({ aggregates, maxBytes });
          const ref = new ReferenceAggregator();
          let record = 0;
          for (const { step, base, width, n } of steps) {
            if (step === 'read') {
              // Rows read out mid-stream (a drain and a lookup) are written where the index lies.
              expectSameFinal(agg, ref, columns, 1000);
              const first = ref.map.keys().next();
              if (!first.done) expect(agg.get(first.value)?.key).toBe(first.value);
              continue;
            }
            if (step === 'snapshot') {
              const restored = k.createKeyedAggregator({ aggregates, maxBytes });
              restored.restore(agg.snapshot());
              expect(restored.tableBytes).toBe(agg.tableBytes);
              agg.release();
              agg = restored;
              continue;
            }
            const keys = step === 'burst'
              ? Int32Array.from({ length: n }, (_, i) => (base + i * 3) | 0)
              : batchKeys(random, n, base, width, tight ? 20 : 400);
            const vals = values(random, n);
            const indexes = Float64Array.from({ length: n }, () => record++);
            try {
              if (step === 'rolling') {
                const byIndex = emit === 'minBy';
                const target = { aggregate: emit, values: new Float64Array(n), indexes: byIndex ? new Float64Array(n) : undefined };
                agg.update(keys, vals, { indexes, emit: target });
                const want = ref.update(keys, vals, indexes, emit, false);
                expect(firstDifference(target.values, want.values)).toBe(-1);
                if (target.indexes) expect(firstDifference(target.indexes, want.indexes)).toBe(-1);
              } else if (step === 'tracked') {
                agg.update(keys, vals, { indexes, trackChanged: true });
                const want = ref.update(keys, vals, indexes, undefined, true);
                expect([...agg.changedKeys()]).toEqual(want.changed);
              } else if (step === 'floatKeys') {
                // Keys beyond 32 bits in the same table: never in the index.
                const wide = Float64Array.from(keys, (key, i) => (i % 5 === 0 ? key + 2 ** 40 : key));
                agg.update(wide, vals, { indexes });
                ref.update(wide, vals, indexes, undefined, false);
              } else {
                agg.update(keys, vals, { indexes });
                ref.update(keys, vals, indexes, undefined, false);
              }
            } catch (e) {
              // Only the tight limit may refuse keys; the table then stops being compared.
              if (!tight) throw e;
              expect(tight).toBe(true);
              expect(String(e)).toMatch(/memory limit|maxBytes|keys/i);
              return;
            }
          }
          expectSameFinal(agg, ref, columns);
          agg.release();
        },
      ), { seed: 4177, numRuns: 40 });
    });
  }

  it('sum+count+min+max: a narrow table turning wide at i32\'s minimum while indexed, then on through the index', async () => {
    const k = await kernels();
    const aggregates: AggregateName[] = ['sum', 'count', 'min', 'max'];
    const agg = k.createKeyedAggregator({ aggregates });
    const ref = new ReferenceAggregator();
    const random = mulberry32(71);
    for (let b = 0; b < 6; b++) {
      const keys = batchKeys(random, 20_000, -50, 100, 30);
      if (b !== 3) for (let i = 0; i < keys.length; i++) if (keys[i] === I32_MIN) keys[i] = 5;
      const vals = values(random, keys.length);
      agg.update(keys, vals);
      ref.update(keys, vals, new Float64Array(keys.length), undefined, false);
    }
    expectSameFinal(agg, ref, ['count', 'sum', 'min', 'max']);
  });

  it('count+sum+min+max: a count reaching 2^32 through the index turns the table wide', async () => {
    // A version-2 snapshot of count, sum, min, max entries (min and max of non-negative values
    // are their own bits as ordinals), ranked in the order given.
    const entries: [number, number, number][] = [[5, 2 ** 32 - 1, 1], [-7, 3, 0.5]];
    const stride = 40;
    const bytes = new Uint8Array(32 + entries.length * (stride + 4));
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0x414b4445, true);
    view.setUint32(4, 2, true);
    view.setUint32(8, 15, true);
    view.setUint32(12, stride, true);
    view.setUint32(16, entries.length, true);
    entries.forEach(([key, count, v], i) => {
      const at = 32 + i * stride;
      view.setBigInt64(at, BigInt(key), true);
      view.setFloat64(at + 8, count, true);
      for (const o of [16, 24, 32]) view.setFloat64(at + o, v, true);
      view.setUint32(32 + entries.length * stride + i * 4, i, true);
    });
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['sum', 'count', 'min', 'max'] });
    agg.restore(bytes);
    const narrowBytes = agg.tableBytes;
    agg.update(new Int32Array([-7, -7, 5, 5, -7]), new Float64Array([1, 2, 3, 0.25, 4]));
    expect(agg.tableBytes).toBeGreaterThan(narrowBytes);
    expect(agg.get(5)).toEqual({ key: 5, count: 2 ** 32 + 1, sum: 4.25, avg: 4.25 / (2 ** 32 + 1), min: 0.25, max: 3 });
    expect(agg.get(-7)).toEqual({ key: -7, count: 6, sum: 7.5, avg: 7.5 / 6, min: 0.5, max: 4 });
  });

  it('sum: a lookup between updates writes its row where the index lies, and the index is planned again', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['sum'] });
    agg.update(new Int32Array([5, 0, 3]), new Float64Array([1, 2, 3]));
    agg.update(new Int32Array([0, 5]), new Float64Array([10, 20]));
    // Row 0's key column is key 0's index entry; 5.0's low 32 bits are those of key 0.
    expect(agg.get(5)).toEqual({ key: 5, sum: 21 });
    agg.update(new Int32Array([0, 3, 0]), new Float64Array([100, 200, 300]));
    expect(agg.get(0)).toEqual({ key: 0, sum: 412 });
    expect(agg.get(3)).toEqual({ key: 3, sum: 203 });
  });

  it('sum: the first-seen order of a few keys over many batches, and a table that outgrows the index', async () => {
    const k = await kernels();
    const agg = k.createKeyedAggregator({ aggregates: ['sum'] });
    const ref = new ReferenceAggregator();
    const random = mulberry32(5);
    for (let b = 0; b < 8; b++) {
      // Three batches of 100 scrambled keys, then keys by the thousand, then the first few again.
      const cardinality = b < 3 ? 100 : b < 6 ? 3000 * b : 10;
      const keys = Int32Array.from({ length: 30_000 }, () => Math.imul(Math.floor(random() * cardinality) + 1, 0x9e3779b1) | 0);
      const vals = values(random, keys.length);
      agg.update(keys, vals);
      ref.update(keys, vals, new Float64Array(keys.length), undefined, false);
    }
    expect(agg.size).toBeGreaterThan(8192);
    expectSameFinal(agg, ref, ['sum']);
  });
});
