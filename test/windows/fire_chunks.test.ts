/**
 * A window with more results than the kernel's output region holds (BATCH_CAPACITY rows) is read
 * out in chunks, each going on from where the last one stopped in the table's slots: every key's
 * row comes once, with the reference's result, for one slice's table (tumbling), a merge of
 * several (sliding), each fired twice (seeded).
 */
import { describe, expect, it } from 'vitest';
import { BATCH_CAPACITY, kernelUrl, loadKernelsFromFile } from '../../src/kernels/index.ts';
import type { WindowResults } from '../../src/kernels/index.ts';
import { SliceReference } from './slice_reference.ts';
import type { Acc } from './slice_reference.ts';

const kernels = await loadKernelsFromFile(kernelUrl('debug'));

function rows(map: Map<number, Acc>): string {
  return [...map].sort((a, b) => a[0] - b[0]).map(([key, a]) => `${key}:${a.count},${a.sum},${a.min},${a.max}`).join('\n');
}

function asMap(r: WindowResults): Map<number, Acc> {
  return new Map(Array.from(r.keys, (k, i) => [k, { count: r.count[i], sum: r.sum![i], min: r.min![i], max: r.max![i] }]));
}

describe('window kernel, results of more than one output chunk', () => {
  for (const k of [1, 3]) {
    it(`reads every row once, as the reference has it, over ${k} slice${k > 1 ? 's' : ''} (seeded)`, () => {
      let s = 20261207 + k;
      const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
      const keys = 3 * BATCH_CAPACITY + 1234;
      const agg = kernels.createWindowAggregator(['count', 'sum', 'min', 'max'], { offset: 0, sliceMs: 1, slicesPerWindow: k });
      const ref = new SliceReference();
      for (let slice = 0; slice < k; slice++) {
        const events: [number, number, number][] = [];
        for (let key = 0; key < keys; key++) if (rand() < 0.9) for (let n = 1 + Math.floor(rand() * 2); n > 0; n--) events.push([key * 5 - 7, slice, Math.round((rand() - 0.4) * 1000) / 8]);
        events.sort(() => rand() - 0.5);
        for (let at = 0; at < events.length; at += BATCH_CAPACITY) {
          const part = events.slice(at, at + BATCH_CAPACITY);
          agg.update(Float64Array.from(part, (e) => e[0]), Float64Array.from(part, (e) => e[1]), Float64Array.from(part, (e) => e[2]));
          ref.addAll(part);
        }
      }
      const expected = rows(ref.fire(0, k));
      for (let round = 0; round < 2; round++) {
        const fired = agg.fire(0, k, round === 1);
        expect(fired.keys.length).toBeGreaterThan(BATCH_CAPACITY * 2);
        expect(new Set(fired.keys).size).toBe(fired.keys.length);
        expect(rows(asMap(fired))).toBe(expected);
      }
      agg.release();
    });
  }
});
