/**
 * The window kernel alone (assembly/window_agg.ts through src/kernels/window_aggregator.ts),
 * against a Map in the test: random events into slices, windows of several slices fired, slices
 * retired, tables snapshotted and restored with keys remapped and key groups filtered; a
 * snapshot written by the earlier kernel still restores. Each case with windows of one slice and
 * with slices sharing their keys' slots (a new slice starting from the newest one's keys). A window's rows come in no particular
 * key order (Flink orders results only within a key), so rows are compared as a Map by key.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelUrl, loadKernelsFromFile } from '../../src/kernels/index.ts';
import type { WindowResults } from '../../src/kernels/index.ts';
import { fixtureEvents } from './fixtures/window_table_v1.ts';
import { SliceReference } from './slice_reference.ts';
import type { Acc } from './slice_reference.ts';

const kernels = await loadKernelsFromFile(kernelUrl('debug'));
/** Slice ids are the event times: time t goes to slice t. */
const ONE_SLICE = { offset: 0, sliceMs: 1 };

function asMap(r: WindowResults): Map<number, Acc> {
  return new Map(Array.from(r.keys, (k, i) => [k, { count: r.count[i], sum: r.sum![i], min: r.min![i], max: r.max![i] }]));
}

const value = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ noNaN: false }), fc.constantFrom(-0, 0, Number.NaN));
const event = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: -3, max: 6 }), value);

// Each case twice: with windows of one slice, and with slices sharing their keys' slots (windows of several).
for (const SLICES of [ONE_SLICE, { ...ONE_SLICE, slicesPerWindow: 5 }]) describe(`WindowAggregator, ${SLICES === ONE_SLICE ? 'slices of their own' : 'slices sharing their keys\' slots'}`, () => {
  it('fires windows of slices per key as a Map would, retires slices, and survives snapshot/restore (seeded)', () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 400 }), fc.integer({ min: 1, max: 4 }), (events, k) => {
      const agg = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], SLICES);
      const ref = new SliceReference();
      const keys = Int32Array.from(events, (e) => e[0]);
      agg.update(keys, Float64Array.from(events, (e) => e[1]), Float64Array.from(events, (e) => e[2]));
      for (const [key, slice, v] of events) ref.add(key, slice, v);
      for (let lo = -3; lo <= 6; lo++) expect(asMap(agg.fire(lo, lo + k))).toEqual(ref.fire(lo, lo + k));
      for (const key of [0, 7, 30]) {
        const r = agg.keyResult(key, 0, k);
        expect(r === null ? undefined : asMap(r).get(key)).toEqual(ref.fire(0, k).get(key));
      }
      agg.retire(2);
      ref.retire(2);
      expect(agg.size).toBe(ref.entries.size);
      const restored = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], SLICES);
      const { slices, watermark } = restored.restore(agg.snapshot(1234), (key) => key % 2 === 0, (key) => key + 100);
      expect(watermark).toBe(1234);
      expect([...slices].sort()).toEqual([...new Set([...ref.entries.values()].filter((e) => e.key % 2 === 0).map((e) => e.slice))].sort());
      const evenRef = new Map([...ref.fire(2, 7)].filter(([key]) => key % 2 === 0).map(([key, acc]) => [key + 100, acc]));
      expect(asMap(restored.fire(2, 7))).toEqual(evenRef);
    }), { seed: 20261206, numRuns: 200 });
  });

  it('keeps only the fields asked for (and the count), 16 bytes of key and slice plus 8 per field', () => {
    const agg = kernels.createWindowAggregator(['sum', 'max'], SLICES);
    agg.update(Int32Array.of(1, 1, 2), Float64Array.of(0, 0, 0), Float64Array.of(2, 5, 7));
    const r = agg.fire(0, 1);
    const rows = Array.from(r.keys, (key, i) => [key, r.count[i], r.sum![i], r.max![i]]).sort((a, b) => a[0] - b[0]);
    expect([rows, r.min]).toEqual([[[1, 2, 7, 5], [2, 1, 7, 7]], undefined]);
    expect(agg.snapshot().byteLength).toBe(32 + 2 * (16 + 3 * 8));
    expect(agg.slices()).toEqual([0]);
  });

  it('grows tables past their first size and merges windows of many keys as a Map would (seeded)', () => {
    const many = fc.tuple(fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: -1000, max: 1000 }));
    fc.assert(fc.property(fc.array(many, { minLength: 1000, maxLength: 4000 }), fc.integer({ min: 2, max: 6 }), (events, k) => {
      const agg = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], SLICES);
      const ref = new SliceReference();
      // In batches, as the operator adds them, with a retire in between.
      const half = events.length >> 1;
      for (const part of [events.slice(0, half), events.slice(half)]) {
        agg.update(Int32Array.from(part, (e) => e[0]), Float64Array.from(part, (e) => e[1]), Float64Array.from(part, (e) => e[2]));
        for (const [key, slice, v] of part) ref.add(key, slice, v);
      }
      for (let lo = 0; lo <= 5; lo++) expect(asMap(agg.fire(lo, lo + k))).toEqual(ref.fire(lo, lo + k));
      agg.retire(1);
      ref.retire(1);
      expect(agg.size).toBe(ref.entries.size);
      const restored = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], SLICES);
      restored.restore(agg.snapshot(), () => true);
      expect(asMap(restored.fire(1, 6))).toEqual(ref.fire(1, 6));
    }), { seed: 20261207, numRuns: 20 });
  });

  it('merges windows over slices holding mostly the same keys, come in other orders, as a Map would (seeded)', () => {
    // Tables of one size, filled near their load limit, with keys missing from some slices,
    // whole slices empty, negative slices, late events into earlier slices, and keys beyond an i32.
    const params = fc.record({
      seed: fc.integer({ min: 1, max: 2 ** 30 }), keys: fc.integer({ min: 1500, max: 3500 }), drop: fc.double({ min: 0, max: 0.3, noNaN: true }),
      k: fc.integer({ min: 2, max: 6 }), wide: fc.boolean(), emptySlice: fc.integer({ min: -3, max: 4 }),
    });
    fc.assert(fc.property(params, ({ seed, keys, drop, k, wide, emptySlice }) => {
      let s = seed;
      const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
      const pool = Array.from({ length: keys }, (_, i) => (wide ? (i - 1000) * 4294967311 : i * 7 - 5000));
      const events: [number, number, number][] = [];
      for (let slice = -2; slice <= 3; slice++) {
        if (slice === emptySlice) continue;
        const order = pool.filter(() => slice === -2 || rand() >= drop).sort(() => rand() - 0.5);
        for (const key of order) for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) events.push([key, slice, (rand() - 0.3) * 1000]);
      }
      // Late events: into the slices before the last, after it has its events.
      for (let i = 0; i < 300; i++) events.push([pool[Math.floor(rand() * keys)], -2 + Math.floor(rand() * 5), rand() * 10]);
      const agg = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], SLICES);
      const ref = new SliceReference();
      agg.update(Float64Array.from(events, (e) => e[0]), Float64Array.from(events, (e) => e[1]), Float64Array.from(events, (e) => e[2]));
      for (const [key, slice, v] of events) ref.add(key, slice, v);
      for (let lo = -2 - k; lo <= 4; lo++) {
        const fired = agg.fire(lo, lo + k);
        expect(new Set(fired.keys).size).toBe(fired.keys.length);
        expect(asMap(fired)).toEqual(ref.fire(lo, lo + k));
      }
      for (const key of pool.slice(0, 20)) expect(asMap(agg.keyResult(key, -2, -2 + k)!).get(key)).toEqual(ref.fire(-2, -2 + k).get(key));
    }), { seed: 20261208, numRuns: 10 });
  });

  it('restores a snapshot the earlier kernel wrote (format version 1, a key id after each count)', () => {
    const { keys, slices, values } = fixtureEvents();
    const ref = new SliceReference();
    for (let i = 0; i < keys.length; i++) ref.add(keys[i], slices[i], values[i]);
    const agg = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], SLICES);
    const { slices: restored, watermark } = agg.restore(readFileSync(new URL('./fixtures/window_table_v1.bin', import.meta.url)), () => true);
    expect([watermark, agg.size, [...restored].sort((a, b) => a - b)]).toEqual([4.5, 1413, [-2, -1, 0, 1, 2, 3, 4, 5, 6]]);
    for (let lo = -2; lo <= 6; lo++) expect(asMap(agg.fire(lo, lo + 3))).toEqual(ref.fire(lo, lo + 3));
    expect(asMap(agg.keyResult(-40, -2, 7)!)).toEqual(new Map([[-40, ref.fire(-2, 7).get(-40)]]));
    // Written again, it reads the same.
    const again = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], SLICES);
    again.restore(agg.snapshot(4.5), () => true);
    expect(asMap(again.fire(-2, 7))).toEqual(ref.fire(-2, 7));
  });

  it('refuses a restore of another window\'s table, and a table over its memory limit', () => {
    const agg = kernels.createWindowAggregator(['sum'], SLICES);
    expect(() => agg.restore(kernels.createWindowAggregator(['max'], SLICES).snapshot(), () => true)).toThrow('WindowAggregator.restore: the snapshot keeps fields 9, this window keeps 3');
    const small = kernels.createWindowAggregator(['sum'], SLICES, 64 * 1024);
    const n = 5000;
    expect(() => small.update(Int32Array.from({ length: n }, (_, i) => i), new Float64Array(n), new Float64Array(n))).toThrow(/over the limit of 64 KiB/);
  });
});
