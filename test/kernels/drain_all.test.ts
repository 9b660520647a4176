// A drain of the whole table in one call (a BATCH job's end) takes every row at once, the slots
// read in order and each row written at its first-seen rank; a drain from a start or of fewer rows
// reads them a chunk at a time in first-seen order. Both against the reference, for every layout
// and field set, past the size at which the whole-table export is used.
import { describe, it, expect } from 'vitest';
import type { AggregateColumns, AggregateName, KeyColumn } from '../../src/kernels/index.ts';
import { kernels, mulberry32, ReferenceAggregator, valueSampler, keyColumn, firstDifference } from './support.ts';
import { expectSameFinal } from './compare.ts';

type Column = Exclude<keyof AggregateColumns, 'keys'>;

const CASES: readonly { name: string; aggregates: readonly AggregateName[]; columns: readonly Column[]; keys: 'i32' | 'u32' | 'f64'; wideAt?: number }[] = [
  { name: 'sum, int32 keys', aggregates: ['sum'], columns: ['sum'], keys: 'i32' },
  { name: 'count, sum, min, max and avg in narrow slots', aggregates: ['sum', 'count', 'min', 'max', 'avg'], columns: ['count', 'sum', 'min', 'max', 'avg'], keys: 'i32' },
  { name: 'the same, turned wide by a key beyond an i32 mid-stream', aggregates: ['sum', 'count', 'min', 'max', 'avg'], columns: ['count', 'sum', 'min', 'max', 'avg'], keys: 'i32', wideAt: 30_000 },
  { name: 'minBy, maxBy and first, keys beyond 32 bits', aggregates: ['minBy', 'maxBy', 'first'], columns: ['min', 'max', 'minIndex', 'maxIndex', 'firstIndex'], keys: 'f64' },
  { name: 'count and max, uint32 keys', aggregates: ['count', 'max'], columns: ['count', 'max'], keys: 'u32' },
];

describe('draining the whole table at once', () => {
  for (const { name, aggregates, columns, keys: kind, wideAt } of CASES) {
    it(`${name}: 40,000 keys in first-seen order, equal to the reference and to a drain by chunks (seeded)`, async () => {
      const k = await kernels();
      const agg = k.createKeyedAggregator({ aggregates });
      const ref = new ReferenceAggregator();
      const random = mulberry32(4021);
      const value = valueSampler(random);
      const events = 120_000;
      const ranks = Array.from({ length: events }, () => Math.floor(random() ** 2 * 40_000));
      let at = 0;
      for (const size of [1, 8191, 8193, 30_000, 73_615]) {
        const part = ranks.slice(at, at + size);
        let keys: KeyColumn = keyColumn(part, kind);
        if (wideAt !== undefined && at <= wideAt && wideAt < at + size) {
          const wide = Float64Array.from(keys);
          wide[wideAt - at] = 2 ** 40 + 3;
          keys = wide;
        }
        const values = Float64Array.from(part, value);
        const indexes = Float64Array.from(part, (_, i) => at + i);
        agg.update(keys, values, { indexes });
        ref.update(keys, values, indexes, undefined, false);
        at += size;
      }
      expect(agg.size).toBeGreaterThan(8192);
      expectSameFinal(agg, ref, columns, agg.size);
      const whole: AggregateColumns = { keys: new Float64Array(agg.size) };
      const chunked: AggregateColumns = { keys: new Float64Array(agg.size) };
      for (const c of columns) {
        whole[c] = new Float64Array(agg.size);
        chunked[c] = new Float64Array(agg.size);
      }
      expect(agg.drainInto(whole)).toBe(agg.size);
      for (let start = 0; start < agg.size; start += 5000) {
        const part: AggregateColumns = { keys: new Float64Array(Math.min(5000, agg.size - start)) };
        for (const c of columns) part[c] = new Float64Array(part.keys.length);
        agg.drainInto(part, start);
        chunked.keys.set(part.keys, start);
        for (const c of columns) chunked[c]!.set(part[c]!, start);
      }
      for (const c of ['keys', ...columns] as const) expect({ column: c, at: firstDifference(whole[c]!, chunked[c]!) }).toEqual({ column: c, at: -1 });
    });
  }

  it('columns the caller did not ask for are left out, and a longer output keeps its extra rows', async () => {
    const k = await kernels();
    const agg = k.createKeyedAggregator({ aggregates: ['sum', 'count', 'min', 'max'] });
    const n = 9000;
    const keys = Int32Array.from({ length: n }, (_, i) => n - i);
    agg.update(keys, Float64Array.from(keys, (key) => key * 2), { indexes: new Float64Array(n) });
    const out = { keys: new Float64Array(n), max: new Float64Array(n + 2).fill(-1) };
    expect(agg.drainInto(out)).toBe(n);
    expect([out.keys[0], out.keys[n - 1], out.max[0], out.max[n - 1], out.max[n], out.max[n + 1]]).toEqual([n, 1, 2 * n, 2, -1, -1]);
  });
});
