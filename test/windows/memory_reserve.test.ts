/**
 * The window kernel's memory grows to at least twice its size, so that a table doubling as its
 * keys arrive grows it a few times, not once per table. For a sliding window: when a slice's table is the first of its size
 * to need the memory to grow, the memory grows once for it and for the window's other slices and
 * merge table to come, rather than once per table (each growth is a new ArrayBuffer that the
 * engine counts whole as fresh external memory, and collects garbage for). Results stay the
 * reference's exactly (seeded), and the table limit is the limit on tables alone: memory grown
 * ahead never fails a stream that fits in it.
 */
import { describe, expect, it } from 'vitest';
import { kernelUrl, loadKernelsFromFile } from '../../src/kernels/index.ts';
import type { Kernels, WindowAggregator, WindowResults } from '../../src/kernels/index.ts';
import { SliceReference } from './slice_reference.ts';
import type { Acc } from './slice_reference.ts';

const kernels = await loadKernelsFromFile(kernelUrl('debug'));

/** The memory of each instance made from here on. */
function memories(k: Kernels): WebAssembly.Memory[] {
  const seen: WebAssembly.Memory[] = [];
  const target = k as unknown as { instantiate(...args: unknown[]): { memory: WebAssembly.Memory } };
  const original = target.instantiate.bind(k);
  target.instantiate = (...args: unknown[]) => {
    const exports = original(...args);
    seen.push(exports.memory);
    return exports;
  };
  return seen;
}

function rows(map: Map<number, Acc>): string {
  return [...map].sort((a, b) => a[0] - b[0]).map(([key, a]) => `${key}:${a.count},${a.sum},${a.min},${a.max}`).join('\n');
}

function asMap(r: WindowResults): Map<number, Acc> {
  return new Map(Array.from(r.keys, (k, i) => [k, { count: r.count[i], sum: r.sum![i], min: r.min![i], max: r.max![i] }]));
}

/**
 * 14 slices of `keys` keys each (most keys in every slice), a window of 5 slices fired as each
 * slice completes and slices retired as no window needs them, as a watermark would; the
 * memory's byte length after every call.
 */
function stream(agg: WindowAggregator, memory: () => WebAssembly.Memory, keys: number, seed: number): { sizes: number[]; peakTableBytes: number } {
  const k = 5;
  let s = seed;
  const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const ref = new SliceReference();
  const sizes: number[] = [];
  let peakTableBytes = 0;
  const note = (): void => {
    const bytes = memory().buffer.byteLength;
    if (sizes.at(-1) !== bytes) sizes.push(bytes);
    peakTableBytes = Math.max(peakTableBytes, agg.tableBytes);
  };
  for (let slice = 0; slice < 14; slice++) {
    const events: [number, number, number][] = [];
    for (let key = 0; key < keys; key++) if (rand() < 0.9) events.push([key * 7 - 3, slice, (rand() - 0.4) * 100]);
    events.sort(() => rand() - 0.5);
    agg.update(Float64Array.from(events, (e) => e[0]), Float64Array.from(events, (e) => e[1]), Float64Array.from(events, (e) => e[2]));
    for (const [key, sl, v] of events) ref.add(key, sl, v);
    note();
    const lo = slice - k + 1;
    expect(rows(asMap(agg.fire(lo, lo + k)))).toBe(rows(ref.fire(lo, lo + k)));
    note();
    agg.retire(lo);
    ref.retire(lo);
  }
  return { sizes, peakTableBytes };
}

describe('window kernel memory for a tumbling window', () => {
  it('at least doubles when it grows, so that a slice whose table grows as its keys arrive grows it a few times, with the reference\'s results (seeded)', () => {
    const seen = memories(kernels);
    const agg = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], { offset: 0, sliceMs: 1 });
    const memory = (): WebAssembly.Memory => seen.at(-1)!;
    const sizes = [memory().buffer.byteLength];
    let s = 99;
    const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    const ref = new SliceReference();
    // 60,000 keys in one slice, 4,096 events a call: the table doubles from 64 slots to 131,072
    // (40 bytes a slot: a 8 MiB block at the end), each table a new block above the last.
    for (let from = 0; from < 60_000; from += 4_096) {
      const keys = Float64Array.from({ length: 4_096 }, (_, i) => from + i);
      const values = Float64Array.from(keys, () => Math.round(rand() * 1000) - 500);
      agg.update(keys, new Float64Array(keys.length), values);
      keys.forEach((key, i) => ref.add(key, 0, values[i]));
      const bytes = memory().buffer.byteLength;
      if (bytes !== sizes.at(-1)) sizes.push(bytes);
    }
    expect(rows(asMap(agg.fire(0, 1)))).toBe(rows(ref.fire(0, 1)));
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(2 * sizes[i - 1]);
    expect(sizes.length - 1).toBeLessThanOrEqual(Math.ceil(Math.log2(sizes.at(-1)! / sizes[0])));
  });
});

describe('window kernel memory for a sliding window', () => {
  it('grows once for the window\'s slices to come when its second slice needs memory, with the reference\'s results (seeded)', () => {
    const seen = memories(kernels);
    const agg = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], { offset: 0, sliceMs: 1, slicesPerWindow: 5 });
    const { sizes } = stream(agg, () => seen.at(-1)!, 3_000, 12345);
    // 3,000 keys: 4,096 slots of 40 bytes a table (a 256 KiB block). The first slice's table
    // grows by rehashing while its keys arrive (the memory with it); the second slice's table
    // makes room for the window's next four slices and its merge table at once; after that the
    // slices retired give their blocks to the new ones.
    const growths = sizes.length - 1;
    expect(growths).toBeLessThanOrEqual(3);
    const second = sizes.findIndex((bytes, i) => i > 0 && bytes - sizes[i - 1] >= 6 * 2 ** 18);
    expect(second).toBeGreaterThan(0);
    expect(sizes.slice(second + 1)).toEqual([]);
  });

  it('keeps the table limit on tables alone: a stream that fits in the limit runs the same under it (seeded)', () => {
    const seen = memories(kernels);
    const free = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], { offset: 0, sliceMs: 1, slicesPerWindow: 5 });
    const { peakTableBytes } = stream(free, () => seen.at(-1)!, 3_000, 777);
    const bounded = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], { offset: 0, sliceMs: 1, slicesPerWindow: 5 }, peakTableBytes);
    expect(() => stream(bounded, () => seen.at(-1)!, 3_000, 777)).not.toThrow();
    const tight = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], { offset: 0, sliceMs: 1, slicesPerWindow: 5 }, peakTableBytes - 1);
    expect(() => stream(tight, () => seen.at(-1)!, 3_000, 777)).toThrow(/limit/);
  });
});
