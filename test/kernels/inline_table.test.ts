import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AggregateName, KeyedAggregator, KeyColumn } from '../../src/kernels/index.ts';
import { AGGREGATE_NAMES } from '../../src/kernels/aggregates.ts';
import { kernels, mulberry32, valueSampler, keyColumn, ReferenceAggregator } from './support.ts';
import { expectSameFinal, expectSameUpdate } from './compare.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import { snapshotKeys } from '../../src/kernels/snapshot_format.ts';

const COLUMNS = ['count', 'sum', 'avg', 'min', 'max', 'minIndex', 'maxIndex', 'firstIndex'] as const;
type Column = (typeof COLUMNS)[number];
const MAX_PARALLELISM = 128;

function columnsOf(aggregates: readonly AggregateName[]): Column[] {
  const has = (...names: AggregateName[]) => names.some((n) => aggregates.includes(n));
  const out: Column[] = [];
  if (has('count', 'avg')) out.push('count');
  if (has('sum', 'avg')) out.push('sum');
  if (has('count', 'avg') && has('sum', 'avg')) out.push('avg');
  if (has('min', 'minBy')) out.push('min');
  if (has('max', 'maxBy')) out.push('max');
  if (has('minBy')) out.push('minIndex');
  if (has('maxBy')) out.push('maxIndex');
  if (has('first')) out.push('firstIndex');
  return out;
}

/** Every key and column in first-seen order, as plain arrays (for comparing two tables). */
function drained(agg: KeyedAggregator, columns: readonly Column[]): Record<string, number[]> {
  const n = agg.size;
  const out: Record<string, Float64Array> = { keys: new Float64Array(n) };
  for (const c of columns) out[c] = new Float64Array(n);
  agg.drainInto(out as never);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]]));
}

// The open-addressing table with inline entries against the reference: probe chains (thousands
// of keys in tables kept half to 7/10 full), growth inside one update, every aggregate, rolling
// output and changed keys, and snapshots restored whole, split over key groups (by the kernel
// and by the engine's keyGroupFor) and merged back.
describe('KeyedAggregator inline table (seeded)', () => {
  it('matches the reference through growth, snapshots and key-group splits', async () => {
    const k = await kernels();
    await fc.assert(fc.asyncProperty(
      fc.subarray([...AGGREGATE_NAMES], { minLength: 1 }),
      fc.constantFrom<'i32' | 'u32' | 'f64'>('i32', 'u32', 'f64'),
      fc.integer({ min: 1, max: 6000 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      async (aggregates, kind, cardinality, seed) => {
        const random = mulberry32(seed);
        const value = valueSampler(random, 0.1);
        const agg = k.createKeyedAggregator({ aggregates });
        const ref = new ReferenceAggregator();
        const columns = columnsOf(aggregates);
        const emit = aggregates[Math.floor(random() * aggregates.length)];
        let seq = 0;
        for (let b = 0; b < 3; b++) {
          const n = 1 + Math.floor(random() * 9000);
          const keys: KeyColumn = keyColumn(Array.from({ length: n }, () => Math.floor(random() * cardinality)), kind);
          const values = Float64Array.from({ length: n }, value);
          const indexes = Float64Array.from({ length: n }, () => seq++);
          expectSameUpdate(agg, ref, keys, values, indexes, emit);
        }
        expectSameFinal(agg, ref, columns);

        const snapshot = agg.snapshot();
        const whole = k.createKeyedAggregator({ aggregates });
        whole.restore(snapshot);
        expectSameFinal(whole, ref, columns);
        // Restored whole, it is the same table: its snapshot is the same bytes.
        expect(Buffer.from(whole.snapshot()).equals(Buffer.from(snapshot))).toBe(true);

        // 1 -> 3 subtasks: each keeps exactly its key groups, whether the kernel or the engine hashes.
        const ranges = [[0, 42], [43, 85], [86, 127]];
        const parts = ranges.map(([first, last]) => {
          const byKernel = k.createKeyedAggregator({ aggregates });
          const byEngine = k.createKeyedAggregator({ aggregates });
          byKernel.restoreKeyGroups(snapshot, first, last, { maxParallelism: MAX_PARALLELISM });
          byEngine.restoreKeyGroups(snapshot, first, last, (key) => keyGroupFor(key, MAX_PARALLELISM));
          expect(drained(byKernel, columns)).toEqual(drained(byEngine, columns));
          for (const key of drained(byKernel, []).keys) {
            const group = keyGroupFor(key, MAX_PARALLELISM);
            expect(group >= first && group <= last).toBe(true);
          }
          return byKernel;
        });
        expect(parts.reduce((n, p) => n + p.size, 0)).toBe(ref.map.size);

        // 3 -> 1: merged back, every key's state is the reference's.
        const merged = k.createKeyedAggregator({ aggregates });
        for (const part of parts) merged.restoreKeyGroups(part.snapshot(), 0, MAX_PARALLELISM - 1, { maxParallelism: MAX_PARALLELISM });
        expect(merged.size).toBe(ref.map.size);
        const rows = drained(merged, columns);
        rows.keys.forEach((key, r) => {
          const s = ref.map.get(key)!;
          for (const c of columns) {
            const want = c === 'avg' ? s.sum / s.count : s[c];
            if (!Object.is(rows[c][r], want)) expect({ key, column: c, value: rows[c][r] }).toEqual({ key, column: c, value: want });
          }
        });
      },
    ), { seed: 1206, numRuns: 12 });
  });

  it('rejects a restore whose key groups overlap what the table holds, and is left empty', async () => {
    const k = await kernels();
    const agg = k.createKeyedAggregator({ aggregates: ['sum'] });
    agg.update(new Int32Array([5, 6, 7]), new Float64Array([1, 2, 3]));
    const snapshot = agg.snapshot();
    const first = snapshotKeys(snapshot)[0];
    expect([5, 6, 7]).toContain(first);
    expect(() => agg.restoreKeyGroups(snapshot, 0, 127, { maxParallelism: 128 })).toThrow(
      `KeyedAggregator.restoreKeyGroups: key ${first} is already present; the restored key groups overlap`);
    expect(agg.size).toBe(0);
    expect(() => agg.restoreKeyGroups(snapshot, 0, 127, { maxParallelism: 0 })).toThrow(
      'KeyedAggregator.restoreKeyGroups: maxParallelism must be a positive integer, got 0');
  });
});
