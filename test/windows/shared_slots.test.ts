/**
 * The window kernel with slices sharing their keys' slots (windows over several slices: a new
 * slice starts from the newest slice's keys, each at its slot there, and a window's merge finds
 * a key at one slot in every slice, searching only for keys found elsewhere and making their
 * results again in slice order). A stream of slices against the reference in the test: keys
 * entering and leaving (so that slices start from tables of keys without events, placed again
 * when too many), keys present in only some of a window's slices, late events into older slices
 * after newer ones exist, windows fired while their later slices still fill and fired again
 * after, slices retired, and the table snapshotted and restored mid-window into a new instance.
 * Sums are of fractional values, so a merge out of slice order would show (seeded).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelUrl, loadKernelsFromFile } from '../../src/kernels/index.ts';
import type { WindowAggregator, WindowResults } from '../../src/kernels/index.ts';
import { SliceReference } from './slice_reference.ts';
import type { Acc } from './slice_reference.ts';

const kernels = await loadKernelsFromFile(kernelUrl('debug'));

/** Rows by key as text (a Map's deep comparison is slow at thousands of keys). */
function rows(map: Map<number, Acc>): string {
  return [...map].sort((a, b) => a[0] - b[0]).map(([key, a]) => `${key}:${a.count},${a.sum},${a.min},${a.max}`).join('\n');
}

function asMap(r: WindowResults): Map<number, Acc> {
  return new Map(Array.from(r.keys, (k, i) => [k, { count: r.count[i], sum: r.sum![i], min: r.min![i], max: r.max![i] }]));
}

describe('window kernel, slices sharing their keys\' slots', () => {
  it('fires every window as the reference does over a stream of slices with keys entering and leaving, late events and a restore mid-window (seeded)', () => {
    const params = fc.record({
      seed: fc.integer({ min: 1, max: 2 ** 30 }), keys: fc.integer({ min: 300, max: 5000 }), k: fc.integer({ min: 2, max: 6 }),
      stay: fc.double({ min: 0.3, max: 1, noNaN: true }), late: fc.integer({ min: 0, max: 400 }), restoreAt: fc.integer({ min: 1, max: 8 }),
    });
    // Key ids as they come (dense), spread over the high 32 bits too (wide), and multiples of
    // 2^20 from -2^40 (stride): a table places a key by its hash's high bits, which each must spread.
    for (const spread of ['dense', 'wide', 'stride'] as const) fc.assert(fc.property(params, ({ seed, keys, k, stay, late, restoreAt }) => {
      let s = seed;
      const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
      const create = (): WindowAggregator => kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], { offset: 0, sliceMs: 1, slicesPerWindow: k });
      let agg = create();
      const ref = new SliceReference();
      // Keys live for a while: each slice keeps a `stay` share of the last one's and takes new ones.
      let next = 0;
      let live: number[] = [];
      const id = (n: number): number => (spread === 'wide' ? n * 4294967311 - 7 : spread === 'stride' ? n * 2 ** 20 - 2 ** 40 : n * 3 - 1000);
      const add = (events: [number, number, number][]): void => {
        agg.update(Float64Array.from(events, (e) => e[0]), Float64Array.from(events, (e) => e[1]), Float64Array.from(events, (e) => e[2]));
        for (const [key, slice, v] of events) ref.add(key, slice, v);
      };
      const check = (lo: number): void => {
        const fired = agg.fire(lo, lo + k);
        expect(new Set(fired.keys).size).toBe(fired.keys.length);
        expect(rows(asMap(fired))).toBe(rows(ref.fire(lo, lo + k)));
      };
      for (let slice = -3; slice <= 8; slice++) {
        live = live.filter(() => rand() < stay);
        while (live.length < keys) live.push(id(next++));
        const events: [number, number, number][] = [];
        for (const key of live) if (rand() < 0.85) for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) events.push([key, slice, (rand() - 0.3) * 1000]);
        events.sort(() => rand() - 0.5);
        // Late events into the two slices before, some of keys new there, among this slice's.
        for (let i = 0; i < late; i++) {
          const key = rand() < 0.5 ? live[Math.floor(rand() * live.length)] : id(next + Math.floor(rand() * 50));
          events.splice(Math.floor(rand() * events.length), 0, [key, slice - 1 - Math.floor(rand() * 2), rand() * 10]);
        }
        // The window ending with this slice fires while the slice has half its events, and again after.
        const half = events.length >> 1;
        add(events.slice(0, half));
        check(slice - k + 1);
        add(events.slice(half));
        check(slice - k + 1);
        check(slice - k);
        if (slice === restoreAt) {
          const restored = create();
          restored.restore(agg.snapshot(), () => true);
          agg = restored;
          check(slice - k + 1);
        }
        agg.retire(slice - k);
        ref.retire(slice - k);
        expect(agg.size).toBe(ref.entries.size);
      }
      for (const key of live.slice(0, 10)) {
        const r = agg.keyResult(key, 9 - k, 9);
        expect(r === null ? undefined : asMap(r).get(key)).toEqual(ref.fire(9 - k, 9).get(key));
      }
    }), { seed: 20261207, numRuns: 2 });
  });
});
