/**
 * The window kernel alone (assembly/window_agg.ts through src/kernels/window_aggregator.ts),
 * against a Map in the test: random events into slices, windows of several slices fired, slices
 * retired, tables snapshotted and restored with keys remapped and key groups filtered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDouble, kernelUrl, loadKernelsFromFile } from '../../src/kernels/index.ts';
import type { WindowResults } from '../../src/kernels/index.ts';

const kernels = await loadKernelsFromFile(kernelUrl('debug'));
/** Slice ids are the event times: time t goes to slice t. */
const SLICES = { offset: 0, sliceMs: 1 };

type Acc = { count: number; sum: number; min: number; max: number };

/** The reference: per (key, slice) in arrival order; a window merges its slices in slice order, as the kernel does. */
class Reference {
  readonly entries = new Map<string, { key: number; slice: number; acc: Acc }>();
  add(key: number, slice: number, v: number): void {
    const id = `${key}/${slice}`;
    const e = this.entries.get(id);
    if (e === undefined) this.entries.set(id, { key, slice, acc: { count: 1, sum: v, min: v, max: v } });
    else merge(e.acc, { count: 1, sum: v, min: v, max: v });
  }
  fire(lo: number, hi: number): Map<number, Acc> {
    const out = new Map<number, Acc>();
    const inWindow = [...this.entries.values()].filter((e) => e.slice >= lo && e.slice < hi).sort((a, b) => a.slice - b.slice);
    for (const { key, acc } of inWindow) {
      const r = out.get(key);
      if (r === undefined) out.set(key, { ...acc });
      else merge(r, acc);
    }
    return out;
  }
  retire(below: number): void {
    for (const [id, e] of this.entries) if (e.slice < below) this.entries.delete(id);
  }
}

function merge(a: Acc, b: Acc): void {
  a.count += b.count;
  a.sum += b.sum;
  if (compareDouble(b.min, a.min) < 0) a.min = b.min;
  if (compareDouble(b.max, a.max) > 0) a.max = b.max;
}

function asMap(r: WindowResults): Map<number, Acc> {
  return new Map(Array.from(r.keys, (k, i) => [k, { count: r.count[i], sum: r.sum![i], min: r.min![i], max: r.max![i] }]));
}

const value = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ noNaN: false }), fc.constantFrom(-0, 0, Number.NaN));
const event = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: -3, max: 6 }), value);

describe('WindowAggregator', () => {
  it('fires windows of slices per key as a Map would, retires slices, and survives snapshot/restore (seeded)', () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 400 }), fc.integer({ min: 1, max: 4 }), (events, k) => {
      const agg = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], SLICES);
      const ref = new Reference();
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
    expect([Array.from(r.keys), Array.from(r.count), Array.from(r.sum!), Array.from(r.max!), r.min]).toEqual([[1, 2], [2, 1], [7, 7], [5, 7], undefined]);
    expect(agg.snapshot().byteLength).toBe(32 + 2 * (16 + 3 * 8));
    expect(agg.slices()).toEqual([0]);
  });

  it('refuses a restore of another window\'s table, and a table over its memory limit', () => {
    const agg = kernels.createWindowAggregator(['sum'], SLICES);
    expect(() => agg.restore(kernels.createWindowAggregator(['max'], SLICES).snapshot(), () => true)).toThrow('WindowAggregator.restore: the snapshot keeps fields 9, this window keeps 3');
    const small = kernels.createWindowAggregator(['sum'], SLICES, 64 * 1024);
    const n = 5000;
    expect(() => small.update(Int32Array.from({ length: n }, (_, i) => i), new Float64Array(n), new Float64Array(n))).toThrow(/over the limit of 64 KiB/);
  });
});
