// The keyed update loop has a copy per key format and field set (sum; sum+count+min+max; any
// other set) and, past a table size, a look-ahead variant; the index hashes the key's two 32-bit
// halves. Each copy against the reference, on keys that share a hash, across growth and limits.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AggregateName, KeyColumn } from '../../src/kernels/index.ts';
import { KernelLimitError } from '../../src/kernels/index.ts';
import { kernels, ReferenceAggregator, firstDifference } from './support.ts';
import { expectSameFinal } from './compare.ts';

const FIELD_SETS: readonly (readonly AggregateName[])[] = [['sum'], ['sum', 'count', 'min', 'max'], ['count', 'minBy'], ['avg', 'max', 'first']];
const COLUMNS_OF: Record<AggregateName, readonly ('count' | 'sum' | 'avg' | 'min' | 'max' | 'minIndex' | 'maxIndex' | 'firstIndex')[]> = {
  count: ['count'], sum: ['sum'], avg: ['avg'], min: ['min'], max: ['max'], minBy: ['min', 'minIndex'], maxBy: ['max', 'maxIndex'], first: ['firstIndex'],
};
const HIGH_MULTIPLIER = 0x9e3779b1;

/** Two keys with the same hash: x, and the key with high half 1 whose low half cancels it. */
function hashTwin(x: number): number {
  return 2 ** 32 + ((x ^ HIGH_MULTIPLIER) >>> 0);
}

function column(keys: number[], kind: 'i32' | 'u32' | 'f64'): KeyColumn {
  return kind === 'i32' ? Int32Array.from(keys) : kind === 'u32' ? Uint32Array.from(keys) : Float64Array.from(keys);
}

function keyPool(kind: 'i32' | 'u32' | 'f64', size: number, salt: number): number[] {
  const base = [0, 1, 2, 3];
  if (kind === 'i32') base.push(-1, -2, 2 ** 31 - 1, -(2 ** 31));
  if (kind === 'u32') base.push(2 ** 32 - 1, 2 ** 31, 2 ** 31 - 1);
  if (kind === 'f64') base.push(-1, 2 ** 53 - 1, -(2 ** 53) + 1, hashTwin(0), hashTwin(1), hashTwin(3), 2 ** 32, -(2 ** 32));
  const pool = new Set(base);
  for (let r = 0; pool.size < size; r++) {
    const k = Math.imul(r + salt, 0x85ebca6b);
    pool.add(kind === 'u32' ? k >>> 0 : k | 0);
    if (kind === 'f64' && pool.size < size) pool.add(hashTwin(k >>> 0));
  }
  return [...pool];
}

const columnsFor = (aggregates: readonly AggregateName[]) => [...new Set(aggregates.flatMap((a) => COLUMNS_OF[a]))];
const needsIndexes = (aggregates: readonly AggregateName[]) => aggregates.some((a) => a === 'minBy' || a === 'maxBy' || a === 'first');

describe('keyed update paths against the reference', () => {
  it('every field set and key format, random batches of colliding and extreme keys (seeded)', async () => {
    const k = await kernels();
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...FIELD_SETS),
      fc.constantFrom('i32' as const, 'u32' as const, 'f64' as const),
      fc.integer({ min: 1, max: 3000 }),
      fc.array(fc.array(fc.tuple(fc.nat(), fc.double({ noNaN: false })), { minLength: 1, maxLength: 400 }), { minLength: 1, maxLength: 6 }),
      async (aggregates, kind, poolSize, batches) => {
        const agg = k.createKeyedAggregator({ aggregates });
        const ref = new ReferenceAggregator();
        const pool = keyPool(kind, poolSize, poolSize);
        let seq = 0;
        for (const [b, batch] of batches.entries()) {
          const keys = column(batch.map(([r]) => pool[r % pool.length]), kind);
          const values = Float64Array.from(batch, ([, v]) => v);
          const indexes = Float64Array.from(batch, () => seq++);
          const emitName = aggregates[b % aggregates.length];
          const byIndex = emitName === 'minBy' || emitName === 'maxBy' || emitName === 'first';
          const emit = { aggregate: emitName, values: emitName === 'first' ? undefined : new Float64Array(keys.length), indexes: byIndex ? new Float64Array(keys.length) : undefined };
          agg.update(keys, values, { indexes: needsIndexes(aggregates) ? indexes : undefined, emit, trackChanged: true });
          const want = ref.update(keys, values, indexes, emitName);
          if (emit.values) expect(firstDifference(emit.values, want.values)).toBe(-1);
          if (emit.indexes) expect(firstDifference(emit.indexes, want.indexes)).toBe(-1);
          expect(firstDifference(agg.changedKeys(), want.changed)).toBe(-1);
        }
        expectSameFinal(agg, ref, columnsFor(aggregates));
        for (const key of pool.slice(0, 20)) expect(agg.get(key)?.key).toBe(ref.map.has(key) ? key : undefined);
      },
    ), { seed: 1717, numRuns: 60 });
  });

  for (const aggregates of FIELD_SETS) {
    it(`${aggregates.join('+')}: 120,000 keys of each format, past the look-ahead size and through growth`, async () => {
      const k = await kernels();
      for (const kind of ['i32', 'u32', 'f64'] as const) {
        const agg = k.createKeyedAggregator({ aggregates });
        const ref = new ReferenceAggregator();
        const pool = keyPool(kind, 120_000, 7);
        let seq = 0;
        let rank = 0;
        for (let b = 0; b < 6; b++) {
          const n = 50_000;
          // New keys in order, then old ones again: inserts and hits in one batch.
          const keys = column(Array.from({ length: n }, (_, i) => pool[i % 2 === 0 && rank < pool.length ? rank++ : (Math.imul(i, 2654435761) >>> 0) % Math.max(1, rank)]), kind);
          const values = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 101) - 50);
          const indexes = Float64Array.from({ length: n }, () => seq++);
          const emitName = aggregates[0];
          const emit = emitName === 'first' ? { aggregate: emitName, indexes: new Float64Array(n) } : { aggregate: emitName, values: new Float64Array(n), indexes: emitName === 'minBy' ? new Float64Array(n) : undefined };
          agg.update(keys, values, { indexes: needsIndexes(aggregates) ? indexes : undefined, emit });
          const want = ref.update(keys, values, indexes, emitName, false);
          if (emit.values) expect(firstDifference(emit.values, want.values)).toBe(-1);
          if (emit.indexes) expect(firstDifference(emit.indexes, want.indexes)).toBe(-1);
        }
        expect(agg.size).toBe(ref.map.size);
        expect(agg.tableBytes).toBeGreaterThan(1 << 20);
        expectSameFinal(agg, ref, columnsFor(aggregates));
      }
    });
  }

  it('a key limit hit on the look-ahead path leaves exactly the records before it applied', async () => {
    const k = await kernels();
    const maxKeys = 90_000;
    const agg = k.createKeyedAggregator({ aggregates: ['sum'], maxKeys });
    const ref = new ReferenceAggregator();
    const warm = Int32Array.from({ length: 80_000 }, (_, i) => i * 3);
    agg.update(warm, new Float64Array(warm.length).fill(1));
    ref.update(warm, new Float64Array(warm.length).fill(1), new Float64Array(warm.length), undefined, false);
    // Old keys and new ones interleaved; the 10,001st new key is one too many.
    const keys = Int32Array.from({ length: 30_000 }, (_, i) => (i % 2 === 0 ? (i / 2) * 3 : 1 + i * 3));
    const values = Float64Array.from(keys, (_, i) => i + 0.5);
    const failing = 2 * 10_000 + 1;
    let error: unknown;
    try {
      agg.update(keys, values);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelLimitError);
    expect((error as KernelLimitError).appliedRecords).toBe(failing);
    ref.update(keys.subarray(0, failing), values.subarray(0, failing), new Float64Array(failing), undefined, false);
    expect(agg.size).toBe(maxKeys);
    expectSameFinal(agg, ref, ['sum']);
  });
});
