import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { AggregateName } from '../../src/kernels/index.ts';
import { kernels, mulberry32, valueSampler, keyColumn, zipfSampler, ReferenceAggregator, firstDifference } from './support.ts';
import { expectSameFinal } from './compare.ts';
import { keyGroupFor, keyGroupRange } from '../../src/core/key_groups.ts';
import { snapshotKeys } from '../../src/kernels/snapshot_format.ts';

const AGGS: AggregateName[] = ['sum', 'count', 'minBy', 'maxBy', 'first'];
const COLUMNS = ['count', 'sum', 'avg', 'min', 'max', 'minIndex', 'maxIndex', 'firstIndex'] as const;

function batches(seed: number, count: number, cardinality: number) {
  const random = mulberry32(seed);
  const value = valueSampler(random, 0.1);
  const rank = zipfSampler(cardinality, random);
  let seq = 0;
  return Array.from({ length: count }, () => {
    const n = 1 + Math.floor(random() * 12_000);
    return {
      keys: keyColumn(Array.from({ length: n }, rank), 'f64'),
      values: Float64Array.from({ length: n }, value),
      indexes: Float64Array.from({ length: n }, () => seq++),
    };
  });
}

// Key groups as the runtime assigns them (Flink's murmur hash of the key's hashCode, % 128).
const keyGroupOf = (key: number): number => keyGroupFor(key, 128);

describe('KeyedAggregator snapshots', () => {
  it('snapshot mid-stream, restore elsewhere, continue: same rolling outputs and final values', async () => {
    const k = await kernels();
    const live = k.createKeyedAggregator({ aggregates: AGGS });
    const ref = new ReferenceAggregator();
    const all = batches(11, 10, 30_000);
    let snapshot: Uint8Array = new Uint8Array();
    for (const [b, batch] of all.entries()) {
      live.update(batch.keys, batch.values, { indexes: batch.indexes });
      ref.update(batch.keys, batch.values, batch.indexes);
      if (b === 4) snapshot = live.snapshot();
    }
    expectSameFinal(live, ref, COLUMNS);

    // Restore into a fresh instance (behind a byteOffset, as a sliced buffer would be) and replay.
    const padded = new Uint8Array(snapshot.length + 3);
    padded.set(snapshot, 3);
    const restored = k.createKeyedAggregator({ aggregates: AGGS });
    restored.restore(padded.subarray(3));
    const atSnapshot = new ReferenceAggregator();
    const replay = new ReferenceAggregator();
    for (const batch of all.slice(0, 5)) {
      atSnapshot.update(batch.keys, batch.values, batch.indexes);
      replay.update(batch.keys, batch.values, batch.indexes);
    }
    expectSameFinal(restored, atSnapshot, COLUMNS);
    for (const batch of all.slice(5)) {
      const emit = { aggregate: 'maxBy' as const, values: new Float64Array(batch.keys.length), indexes: new Float64Array(batch.keys.length) };
      restored.update(batch.keys, batch.values, { indexes: batch.indexes, emit });
      const want = replay.update(batch.keys, batch.values, batch.indexes, 'maxBy');
      expect(firstDifference(emit.values, want.values)).toBe(-1);
      expect(firstDifference(emit.indexes, want.indexes)).toBe(-1);
    }
    expectSameFinal(restored, ref, COLUMNS);
    expect(Buffer.from(restored.snapshot()).equals(Buffer.from(live.snapshot()))).toBe(true);

    // Rewind the live one in place.
    live.restore(snapshot);
    expectSameFinal(live, atSnapshot, COLUMNS);
  });

  it('restores key-group subsets for rescaling and merges them back', async () => {
    const k = await kernels();
    const source = k.createKeyedAggregator({ aggregates: AGGS });
    const ref = new ReferenceAggregator();
    for (const batch of batches(12, 4, 20_000)) {
      source.update(batch.keys, batch.values, { indexes: batch.indexes });
      ref.update(batch.keys, batch.values, batch.indexes);
    }
    const bytes = source.snapshot();
    const low = k.createKeyedAggregator({ aggregates: AGGS });
    const high = k.createKeyedAggregator({ aggregates: AGGS });
    const lowCount = low.restoreKeyGroups(bytes, 0, 63, (key) => keyGroupOf(key));
    const highCount = high.restoreKeyGroups(bytes, 64, 127, (key) => keyGroupOf(key));
    expect(lowCount + highCount).toBe(ref.map.size);
    expect(low.size).toBe(lowCount);

    const lowRef = new ReferenceAggregator();
    for (const [key, state] of ref.map) if (keyGroupOf(key) <= 63) lowRef.map.set(key, { ...state });
    expect(lowRef.map.size).toBe(lowCount);
    expectSameFinal(low, lowRef, COLUMNS);

    // Scale back in: one subtask restores both halves.
    const merged = k.createKeyedAggregator({ aggregates: AGGS });
    merged.restoreKeyGroups(low.snapshot(), 0, 127, (key) => keyGroupOf(key));
    merged.restoreKeyGroups(high.snapshot(), 0, 127, (key) => keyGroupOf(key));
    expect(merged.size).toBe(ref.map.size);
    const first = ref.map.keys().next().value!;
    expect(merged.get(first)).toEqual(source.get(first));

    // Overlapping key groups are an error naming the first key of the range in the snapshot, and leave the aggregator empty.
    const key = snapshotKeys(bytes).find((k2) => keyGroupOf(k2) <= 63);
    expect(() => merged.restoreKeyGroups(bytes, 0, 63, (k2) => keyGroupOf(k2))).toThrow(
      `KeyedAggregator.restoreKeyGroups: key ${key} is already present; the restored key groups overlap`);
    expect(merged.size).toBe(0);
  });

  it('restores tables larger than one import region, keeping scattered key groups and remapping ids', async () => {
    const k = await kernels();
    const n = 100_000;
    const source = k.createKeyedAggregator({ aggregates: ['sum'] });
    source.update(Int32Array.from({ length: n }, (_, i) => i), Float64Array.from({ length: n }, (_, i) => i % 97));
    const bytes = source.snapshot();
    // Every key group but a few scattered ones: kept runs of every length, across region boundaries.
    const skipped = new Set([3, 4, 5, 40, 77, 127]);
    const some = k.createKeyedAggregator({ aggregates: ['sum'] });
    const added = some.restoreKeyGroups(bytes, 0, 127, (key) => (skipped.has(keyGroupOf(key)) ? -1 : keyGroupOf(key)), (key) => key + 1_000_000);
    let expected = 0;
    for (let key = 0; key < n; key++) {
      if (skipped.has(keyGroupOf(key))) {
        expect(some.get(key + 1_000_000)).toBeUndefined();
      } else {
        expected++;
        if (key % 997 === 0) expect(some.get(key + 1_000_000)!.sum).toBe(key % 97);
      }
    }
    expect(added).toBe(expected);
    expect(some.size).toBe(expected);
    // All in range: the same table, byte for byte.
    const all = k.createKeyedAggregator({ aggregates: ['sum'] });
    expect(all.restoreKeyGroups(bytes, 0, 127, 'all in range')).toBe(n);
    expect(Buffer.from(all.snapshot()).equals(Buffer.from(bytes))).toBe(true);
    // All in range with ids remapped, merged onto keys held: each key at its new id, the old ids still there.
    expect(all.restoreKeyGroups(bytes, 0, 127, 'all in range', (key) => key + 1_000_000)).toBe(n);
    expect(all.size).toBe(2 * n);
    for (const key of [0, 1, 4242, n - 1]) expect([all.get(key)!.sum, all.get(key + 1_000_000)!.sum]).toEqual([key % 97, key % 97]);
    // The same keys once more overlap: an error naming the snapshot's first, and the aggregator left empty.
    expect(() => all.restoreKeyGroups(bytes, 0, 127, 'all in range')).toThrow(
      `KeyedAggregator.restoreKeyGroups: key ${snapshotKeys(bytes)[0]} is already present; the restored key groups overlap`);
    expect(all.size).toBe(0);
  });

  it('random tables restore exactly: whole, at the same parallelism, split over another and merged back (seeded)', async () => {
    const k = await kernels();
    const shapes: readonly (readonly AggregateName[])[] = [['sum'], ['min', 'max', 'count'], AGGS];
    const columnsOf = (aggregates: readonly AggregateName[]) => COLUMNS.filter((c) => {
      const wanted: Record<(typeof COLUMNS)[number], readonly AggregateName[]> = {
        count: ['count', 'avg'], sum: ['sum', 'avg'], avg: ['avg'], min: ['min', 'minBy'], max: ['max', 'maxBy'],
        minIndex: ['minBy'], maxIndex: ['maxBy'], firstIndex: ['first'],
      };
      return wanted[c].some((a) => aggregates.includes(a)) && (c !== 'avg' || (aggregates.includes('count') && aggregates.includes('sum')));
    });
    // Few distinct small keys (so keys repeat), 32-bit ones, and integers up to 2^53 of either sign.
    const key = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.maxSafeInteger());
    const records = (maxLength: number) => fc.array(fc.tuple(key, fc.double()), { maxLength });
    const toColumns = (rs: readonly [number, number][], from: number) => ({
      keys: Float64Array.from(rs, ([key]) => key),
      values: Float64Array.from(rs, ([, value]) => value),
      indexes: Float64Array.from(rs, (_, i) => from + i),
    });
    fc.assert(fc.property(fc.constantFrom(...shapes), records(400), records(200), fc.integer({ min: 2, max: 5 }), (aggregates, before, after, parallelism) => {
      const columns = columnsOf(aggregates);
      const live = k.createKeyedAggregator({ aggregates });
      const ref = new ReferenceAggregator();
      const a = toColumns(before, 0);
      live.update(a.keys, a.values, { indexes: a.indexes });
      ref.update(a.keys, a.values, a.indexes);
      const bytes = live.snapshot();
      // Updates after the snapshot change the live table, never the bytes taken.
      const b = toColumns(after, before.length);
      live.update(b.keys, b.values, { indexes: b.indexes });

      const whole = k.createKeyedAggregator({ aggregates });
      whole.update(b.keys, b.values, { indexes: b.indexes });
      whole.restore(bytes);
      expectSameFinal(whole, ref, columns);
      const same = k.createKeyedAggregator({ aggregates });
      expect(same.restoreKeyGroups(bytes, 0, 127, 'all in range')).toBe(ref.map.size);
      expect(Buffer.from(same.snapshot()).equals(Buffer.from(bytes))).toBe(true);
      // Restored, the table goes on exactly as the live one did.
      same.update(b.keys, b.values, { indexes: b.indexes });
      expect(Buffer.from(same.snapshot()).equals(Buffer.from(live.snapshot()))).toBe(true);

      // Split over another parallelism: each new subtask holds exactly its key groups, in first-seen order.
      const parts = Array.from({ length: parallelism }, (_, i) => {
        const { start, end } = keyGroupRange(i, parallelism, 128);
        const part = k.createKeyedAggregator({ aggregates });
        const added = part.restoreKeyGroups(bytes, start, end, keyGroupOf);
        const partRef = new ReferenceAggregator();
        for (const [key, state] of ref.map) if (keyGroupOf(key) >= start && keyGroupOf(key) <= end) partRef.map.set(key, { ...state });
        expect(added).toBe(partRef.map.size);
        expectSameFinal(part, partRef, columns);
        return part;
      });
      // Merged back into one subtask: every key again, none twice.
      const merged = k.createKeyedAggregator({ aggregates });
      for (const part of parts) merged.restoreKeyGroups(part.snapshot(), 0, 127, keyGroupOf);
      expect(merged.size).toBe(ref.map.size);
      for (const [key] of ref.map) expect(merged.get(key)).toEqual(whole.get(key));
    }), { seed: 1313, numRuns: 60 });
  });

  it('a restore over the key limit fails naming the keys it needs, before adding any, and leaves the aggregator empty', async () => {
    const k = await kernels();
    const source = k.createKeyedAggregator({ aggregates: ['sum'] });
    source.update(Int32Array.from({ length: 3000 }, (_, i) => i), new Float64Array(3000).fill(1));
    const small = k.createKeyedAggregator({ aggregates: ['sum'], maxKeys: 2000 });
    small.update(new Int32Array([-1]), new Float64Array([5]));
    expect(() => small.restore(source.snapshot())).toThrow('KeyedAggregator: 3,000 keys would exceed the limit of 2,000 keys; raise maxKeys or reduce key cardinality');
    expect(small.size).toBe(0);
    // Merged onto 1,000 keys held, 1,500 more would not fit either.
    small.update(Int32Array.from({ length: 1000 }, (_, i) => -1 - i), new Float64Array(1000).fill(1));
    const half = k.createKeyedAggregator({ aggregates: ['sum'] });
    half.update(Int32Array.from({ length: 1500 }, (_, i) => i), new Float64Array(1500).fill(1));
    expect(() => small.restoreKeyGroups(half.snapshot(), 0, 127, 'all in range')).toThrow('KeyedAggregator: 2,500 keys would exceed the limit of 2,000 keys');
    expect(small.size).toBe(0);
  });

  it('rejects snapshots of another shape', async () => {
    const k = await kernels();
    const sums = k.createKeyedAggregator({ aggregates: ['sum'] });
    sums.update(new Int32Array([1, 2]), new Float64Array([1, 2]));
    const bytes = sums.snapshot();
    // Header, the table's 1,024 16-byte slots, two u32 slot positions in first-seen order.
    expect(bytes.length).toBe(32 + 1024 * 16 + 2 * 4);
    const mins = k.createKeyedAggregator({ aggregates: ['min', 'count'] });
    expect(() => mins.restore(bytes)).toThrow('KeyedAggregator.restore: snapshot holds [sum], this aggregator keeps [count, min]');
    expect(() => sums.restore(bytes.subarray(0, 40))).toThrow('KeyedAggregator.restore: snapshot of 2 keys should be 16424 bytes, got 40');
    expect(() => sums.restore(new Uint8Array(40))).toThrow('KeyedAggregator.restore: not a KeyedAggregator snapshot (bad magic)');
    const empty = k.createKeyedAggregator({ aggregates: ['sum'] });
    sums.restore(empty.snapshot());
    expect(sums.size).toBe(0);
  });
});
