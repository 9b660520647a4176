// The WASM key router against Flink's per-record formulas in plain JS (keyGroupFor,
// subtaskForKeyGroup): every row lands with its key group's owner, in arrival order per
// consumer, and every column kind comes back in that order bit for bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoutableColumn } from '../../src/kernels/index.ts';
import { keyGroupFor, subtaskForKeyGroup } from '../../src/core/key_groups.ts';
import { kernels, mulberry32 } from './support.ts';

/** Row indexes per consumer, in arrival order, by the JS formulas. */
function reference(keys: Int32Array, parallelism: number, maxParallelism: number): number[][] {
  const out: number[][] = Array.from({ length: parallelism }, () => []);
  keys.forEach((k, row) => out[subtaskForKeyGroup(keyGroupFor(k, maxParallelism), parallelism, maxParallelism)].push(row));
  return out;
}

/** The router's answer in the same shape: ORDER cut at the consumers' ends. */
function perConsumer(ends: Int32Array, order: Int32Array): number[][] {
  return Array.from(ends, (end, c) => Array.from(order.subarray(c === 0 ? 0 : ends[c - 1], end)));
}

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

describe('KeyRouter', () => {
  it('routes every key to its key group\'s subtask, keeping arrival order per consumer', async () => {
    const k = await kernels();
    fc.assert(fc.property(
      fc.array(int32, { maxLength: 500 }), fc.constantFrom(128, 100, 3, 4096, 32768), fc.integer({ min: 1, max: 16 }),
      (ints, maxP, wanted) => {
        const p = Math.min(wanted, maxP);
        const keys = Int32Array.from(ints);
        const router = k.createKeyRouter(maxP, p);
        const ends = router.route(keys);
        expect(ends).toHaveLength(p);
        expect(perConsumer(ends, router.order())).toEqual(reference(keys, p, maxP));
        // The key column is placed while routing (a pass of its own for two consumers).
        expect(Array.from(router.orderedKeys())).toEqual(Array.from(router.order(), (row) => keys[row]));
      },
    ), { seed: 7, numRuns: 300 });
  });

  it('gives each subtask exactly its key groups when parallelism equals maxParallelism', async () => {
    const keys = Int32Array.from({ length: 4000 }, (_, i) => Math.imul(i, 0x9e3779b1));
    const router = (await kernels()).createKeyRouter(100, 100);
    expect(perConsumer(router.route(keys), router.order())).toEqual(reference(keys, 100, 100));
  });

  it('takes batches larger than it was laid out for, and smaller ones after them', async () => {
    const random = mulberry32(3);
    const router = (await kernels()).createKeyRouter(128, 3);
    for (const n of [10, 5000, 70_000, 0, 300, 140_000, 7]) {
      const keys = Int32Array.from({ length: n }, () => (random() * 2 ** 32) | 0);
      expect(perConsumer(router.route(keys), router.order())).toEqual(reference(keys, 3, 128));
      const values = Float64Array.from(keys, (key) => key / 7);
      expect(Array.from(router.ordered(values))).toEqual(Array.from(router.order(), (row) => values[row]));
      // The keys come back from the router's own copy, after another column was ordered.
      expect(Array.from(router.orderedKeys())).toEqual(Array.from(router.order(), (row) => keys[row]));
    }
  });

  it('puts a column of every typed-array kind in routed order, bit for bit', async () => {
    const random = mulberry32(11);
    const router = (await kernels()).createKeyRouter(128, 4);
    const n = 2000;
    const keys = Int32Array.from({ length: n }, () => (random() * 2 ** 32) | 0);
    router.route(keys);
    const order = Array.from(router.order());
    const bits = Uint8Array.from({ length: n * 8 }, () => random() * 256);
    const columns: RoutableColumn[] = [
      new Float64Array(bits.buffer.slice(0)), new Float32Array(bits.buffer.slice(0), 0, n), new Int32Array(bits.buffer.slice(0), 0, n),
      new Uint32Array(bits.buffer.slice(0), 0, n), new Int16Array(bits.buffer.slice(0), 0, n), new Uint16Array(bits.buffer.slice(0), 0, n),
      new Int8Array(bits.buffer.slice(0), 0, n), new Uint8Array(bits.buffer.slice(0), 0, n),
    ];
    for (const column of columns) {
      const ordered = router.ordered(column);
      expect(ordered.constructor).toBe(column.constructor);
      // Compared as raw bytes, so NaN payloads and -0 must survive too.
      const width = column.BYTES_PER_ELEMENT;
      const want = new Uint8Array(n * width);
      const source = new Uint8Array(column.buffer, column.byteOffset, n * width);
      order.forEach((row, j) => want.set(source.subarray(row * width, (row + 1) * width), j * width));
      expect(new Uint8Array(ordered.buffer, ordered.byteOffset, n * width)).toEqual(want);
    }
  });

  it('refuses a column whose length is not the routed batch\'s, and impossible parallelisms', async () => {
    const k = await kernels();
    const router = k.createKeyRouter(128, 2);
    router.route(new Int32Array([1, 2, 3]));
    expect(() => router.ordered(new Float64Array(2))).toThrow('KeyRouter.ordered: the column has 2 rows, the routed batch 3');
    expect(() => k.createKeyRouter(128, 0)).toThrow('KeyRouter: need integers 1 <= parallelism (0) <= maxParallelism (128)');
    expect(() => k.createKeyRouter(4, 5)).toThrow('KeyRouter: need integers 1 <= parallelism (5) <= maxParallelism (4)');
  });
});
