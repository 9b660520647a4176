// An update of int32 keys with no rolling output and no changed keys (a BATCH job's) runs loops of
// its own for sum and for sum+count+min+max, a rolling sum without changed keys (a STREAMING
// job's) one of its own too, and every loop leaves inserting a new key to the code around it. These loops against the reference: colliding and extreme keys, NaN and signed
// zeros, a key that turns a narrow table wide mid-batch, and tables grown through every size at
// which the loop changes how it loads slots.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AggregateName } from '../../src/kernels/index.ts';
import { kernels, ReferenceAggregator, firstDifference } from './support.ts';
import { expectSameFinal } from './compare.ts';

const SETS: readonly { aggregates: readonly AggregateName[]; columns: readonly ('count' | 'sum' | 'min' | 'max')[] }[] = [
  { aggregates: ['sum'], columns: ['sum'] },
  { aggregates: ['sum', 'count', 'min', 'max'], columns: ['count', 'sum', 'min', 'max'] },
];
const I32_MIN = -(2 ** 31);

function pool(size: number, salt: number): number[] {
  const keys = new Set([0, 1, -1, 2 ** 31 - 1, I32_MIN + 1]);
  for (let r = 0; keys.size < size; r++) keys.add(Math.imul(r + salt, 0x85ebca6b) | 0);
  return [...keys];
}

describe('the keyed update loops of int32 keys without output', () => {
  for (const { aggregates, columns } of SETS) {
    it(`${aggregates.join('+')}: random batches, sometimes with i32's minimum (seeded)`, async () => {
      const k = await kernels();
      await fc.assert(fc.asyncProperty(
        fc.integer({ min: 1, max: 4000 }),
        fc.array(fc.array(fc.tuple(fc.nat(), fc.double({ noNaN: false })), { minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 5 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (poolSize, batches, minAt) => {
          const agg = k.createKeyedAggregator({ aggregates });
          const ref = new ReferenceAggregator();
          const keysOf = pool(poolSize, poolSize);
          const total = batches.reduce((n, b) => n + b.length, 0);
          let seen = 0;
          for (const batch of batches) {
            const keys = Int32Array.from(batch, ([r], i) => (minAt !== undefined && seen + i === minAt % total ? I32_MIN : keysOf[r % keysOf.length]));
            const values = Float64Array.from(batch, ([, v]) => v);
            seen += batch.length;
            agg.update(keys, values);
            ref.update(keys, values, new Float64Array(keys.length), undefined, false);
          }
          expectSameFinal(agg, ref, columns);
          for (const key of keysOf.slice(0, 10)) expect(agg.get(key)?.key).toBe(ref.map.has(key) ? key : undefined);
        },
      ), { seed: 2917, numRuns: 40 });
    });
  }

  it('sum with each record\'s rolling sum out: random batches, in tables up to past the size where slots are loaded ahead (seeded)', async () => {
    const k = await kernels();
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 80_000 }),
      fc.array(fc.array(fc.tuple(fc.nat(), fc.double({ noNaN: false })), { minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 60_000 }),
      async (poolSize, batches, fresh) => {
        const agg = k.createKeyedAggregator({ aggregates: ['sum'] });
        const ref = new ReferenceAggregator();
        const keysOf = pool(poolSize, poolSize);
        // A batch of new keys first, so later batches run in a table of any size.
        const first = Int32Array.from(keysOf.slice(0, fresh));
        const all = [first, ...batches.map((b) => Int32Array.from(b, ([r]) => keysOf[r % keysOf.length]))];
        for (const [b, keys] of all.entries()) {
          const values = b === 0 ? Float64Array.from(keys, (_, i) => i - 0.5) : Float64Array.from(batches[b - 1], ([, v]) => v);
          const rolling = new Float64Array(keys.length);
          agg.update(keys, values, { emit: { aggregate: 'sum', values: rolling } });
          const want = ref.update(keys, values, new Float64Array(keys.length), 'sum', false);
          expect(firstDifference(rolling, want.values)).toBe(-1);
        }
        expectSameFinal(agg, ref, ['sum']);
      },
    ), { seed: 3119, numRuns: 25 });
  });

  for (const { aggregates, columns } of SETS) {

    it(`${aggregates.join('+')}: 300,000 keys, growing past the sizes where the loop loads slots ahead`, async () => {
      const k = await kernels();
      const agg = k.createKeyedAggregator({ aggregates });
      const ref = new ReferenceAggregator();
      const keysOf = pool(300_000, 11);
      let rank = 0;
      const sizes: number[] = [];
      for (let b = 0; b < 7; b++) {
        const n = 90_000;
        // New keys and old ones in turn: a batch of inserts and hits alike.
        const keys = Int32Array.from({ length: n }, (_, i) => keysOf[i % 2 === 0 && rank < keysOf.length ? rank++ : (Math.imul(i + b, 2654435761) >>> 0) % Math.max(1, rank)]);
        const values = Float64Array.from({ length: n }, (_, i) => ((i * 37 + b) % 101) - 50.25);
        agg.update(keys, values);
        ref.update(keys, values, new Float64Array(n), undefined, false);
        sizes.push(agg.tableBytes);
      }
      // From a table in the caches (each 8,192-record chunk picks its loop by the table's size at
      // its start) to one past 16 MiB, where the loop warms a group's slots before applying it.
      expect(sizes[0]).toBeLessThan(2 ** 24);
      expect(sizes[sizes.length - 1]).toBeGreaterThan(2 ** 24);
      expect(agg.size).toBe(300_000);
      expectSameFinal(agg, ref, columns);
    });
  }
});
