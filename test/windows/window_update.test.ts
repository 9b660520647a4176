/**
 * The window kernel's update: a loop that adds events to the current slice while their times fall
 * in it and its table has room, and stops at the first event that needs a slice made or a table
 * grown; the code around it does that and goes on from there. Against a Map in the test, for
 * every field set and key format (each has a loop of its own): batches of mostly new keys that
 * grow tables many times, slices changing from one event to the next, and an update that fails
 * on its memory limit part-way, then goes on from the failing event once slices are freed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KernelLimitError, kernelUrl, loadKernelsFromFile } from '../../src/kernels/index.ts';
import type { WindowAggregate, WindowResults } from '../../src/kernels/index.ts';
import { SliceReference } from './slice_reference.ts';
import type { Acc, SliceEvent } from './slice_reference.ts';

const kernels = await loadKernelsFromFile(kernelUrl('debug'));
/** Slice ids are the event times: time t goes to slice t. */
const SLICES = { offset: 0, sliceMs: 1 };

type Event = SliceEvent;

/** The fields kept, of a reference accumulator. */
function kept(acc: Partial<Acc>, fields: readonly WindowAggregate[]): Partial<Acc> {
  const out: Partial<Acc> = { count: acc.count };
  for (const f of fields) out[f] = acc[f];
  return out;
}

function asMap(r: WindowResults, fields: readonly WindowAggregate[]): Map<number, Partial<Acc>> {
  return new Map(Array.from(r.keys, (k, i) => [k, kept({ count: r.count[i], sum: r.sum?.[i], min: r.min?.[i], max: r.max?.[i] }, fields)]));
}

function expectWindows(agg: ReturnType<typeof kernels.createWindowAggregator>, ref: SliceReference, fields: readonly WindowAggregate[], lo: number, hi: number): void {
  for (let s = lo; s < hi; s++) {
    const fired = agg.fire(s, s + 1);
    expect(new Set(fired.keys).size).toBe(fired.keys.length);
    expect(asMap(fired, fields)).toEqual(new Map([...ref.fire(s, s + 1)].map(([k, a]) => [k, kept(a, fields)])));
  }
  expect(agg.size).toBe(ref.entries.size);
}

const FIELD_SETS: readonly WindowAggregate[][] = [[], ['sum'], ['min'], ['sum', 'min'], ['max'], ['sum', 'max'], ['min', 'max'], ['sum', 'min', 'max']];
const FORMATS = ['int32', 'uint32', 'float64'] as const;
type Format = (typeof FORMATS)[number];

function keyColumn(format: Format, keys: readonly number[]): Int32Array | Uint32Array | Float64Array {
  return format === 'int32' ? Int32Array.from(keys) : format === 'uint32' ? Uint32Array.from(keys) : Float64Array.from(keys);
}

/** A key pool the format holds: i32's extremes, u32's top, keys beyond 32 bits. */
function pool(format: Format, size: number, salt: number): number[] {
  const keys = new Set<number>(format === 'int32' ? [0, -1, 2 ** 31 - 1, -(2 ** 31)] : format === 'uint32' ? [0, 2 ** 32 - 1] : [0, -(2 ** 40), 2 ** 53 - 1]);
  for (let r = 0; keys.size < size; r++) {
    const x = Math.imul(r + salt, 0x9e3779b1);
    keys.add(format === 'int32' ? x | 0 : format === 'uint32' ? x >>> 0 : (x | 0) * 65_537);
  }
  return [...keys];
}

const value = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ noNaN: false }), fc.constantFrom(-0, 0, Number.NaN));

describe('the window kernel\'s update', () => {
  for (const format of FORMATS) {
    it(`${format} keys, every field set: batches of mostly new keys, slices changing mid-run, tables grown many times (seeded)`, () => {
      fc.assert(fc.property(
        fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 100, max: 12_000 }),
        fc.array(value, { minLength: 64, maxLength: 64 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }),
        (set, seed, n, values, batches, switchiness) => {
          const fields = FIELD_SETS[set];
          let s = seed;
          const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
          // Mostly distinct keys: most events insert, and the first slice's table grows from 64 slots.
          const keysOf = pool(format, Math.max(4, Math.floor(n * 0.8)), seed);
          // Slices: runs of one slice broken by events of others, more or less often.
          const flip = [0, 0.02, 0.3, 0.9][switchiness];
          let slice = 0;
          const events: Event[] = Array.from({ length: n }, (_, i) => {
            if (i % 3000 === 2999) slice++;
            const at = rand() < flip ? slice - 2 + Math.floor(rand() * 5) : slice;
            return [keysOf[Math.floor(rand() * keysOf.length)], at, values[i % 64]];
          });
          const agg = kernels.createWindowAggregator(fields, SLICES);
          const ref = new SliceReference();
          const per = Math.ceil(n / batches);
          for (let from = 0; from < n; from += per) {
            const part = events.slice(from, from + per);
            agg.update(keyColumn(format, part.map((e) => e[0])), Float64Array.from(part, (e) => e[1]), Float64Array.from(part, (e) => e[2]));
            ref.addAll(part);
          }
          expectWindows(agg, ref, fields, -2, slice + 3);
          // Retired slices and new ones after them: the update's current slice is gone.
          agg.retire(slice);
          ref.retire(slice);
          const more: Event[] = Array.from({ length: 500 }, (_, i) => [keysOf[i % keysOf.length], slice - 1 + (i % 3), values[i % 64]]);
          agg.update(keyColumn(format, more.map((e) => e[0])), Float64Array.from(more, (e) => e[1]), Float64Array.from(more, (e) => e[2]));
          ref.addAll(more);
          expectWindows(agg, ref, fields, slice - 1, slice + 2);
        },
      ), { seed: 20261210, numRuns: 24 });
    });
  }

  it('fails on its memory limit part-way with the events before the failing one added, and goes on from it once slices are freed (seeded)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 0, max: 7 }), (seed, set) => {
      const fields = FIELD_SETS[set];
      let s = seed;
      const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
      // Four slices of 1,500 keys each, in time order with some events late by a slice: the
      // limit holds about two slices' tables (2,048 slots, in blocks of a power of two bytes),
      // so the update fails when a table grows.
      const events: Event[] = [];
      for (let slice = 0; slice < 4; slice++) {
        for (let i = 0; i < 3000; i++) events.push([Math.floor(rand() * 1500) + slice * 100_000, rand() < 0.05 && slice > 0 ? slice - 1 : slice, Math.round(rand() * 1000) / 8]);
      }
      const table = 2 ** Math.ceil(Math.log2(2048 * (16 + 8 * fields.length)));
      const limit = 2.5 * table;
      const agg = kernels.createWindowAggregator(fields, SLICES, limit);
      const ref = new SliceReference();
      const column = (part: readonly Event[]) => [Int32Array.from(part, (e) => e[0]), Float64Array.from(part, (e) => e[1]), Float64Array.from(part, (e) => e[2])] as const;
      let from = 0;
      let failures = 0;
      while (from < events.length) {
        const part = events.slice(from);
        try {
          agg.update(...column(part));
          ref.addAll(part);
          from = events.length;
        } catch (error) {
          if (!(error instanceof KernelLimitError)) throw error;
          failures++;
          expect(error.message).toContain(`over the limit of ${limit / 1024} KiB`);
          const applied = error.appliedRecords;
          ref.addAll(part.slice(0, applied));
          const failing = part[applied];
          // Exactly the events before the failing one are in, none after it.
          expectWindows(agg, ref, fields, 0, 4);
          agg.retire(failing[1]);
          ref.retire(failing[1]);
          from += applied;
        }
        if (failures > 8) throw new Error('the update kept failing');
      }
      expect(failures).toBeGreaterThan(0);
      expectWindows(agg, ref, fields, 0, 4);
    }), { seed: 20261211, numRuns: 12 });
  });
});
