import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { kernels, ReferenceAggregator } from './support.ts';
import { expectSameFinal } from './compare.ts';
import { V1_CASES, v1Input, fixturePath } from './fixtures/savepoint_v1.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';

const COLUMNS = ['count', 'sum', 'avg', 'min', 'max', 'minIndex', 'maxIndex', 'firstIndex'] as const;

function columnsOf(name: string): (typeof COLUMNS)[number][] {
  if (name === 'sum') return ['sum'];
  if (name === 'four') return ['count', 'sum', 'avg', 'min', 'max'];
  return [...COLUMNS];
}

// Savepoints are files users keep: bytes written by the first snapshot format restore exactly.
describe('KeyedAggregator restores version-1 snapshots', () => {
  const input = v1Input();
  const ref = new ReferenceAggregator();
  ref.update(input.keys, input.values, input.indexes);

  for (const { name, aggregates } of V1_CASES) {
    it(`[${aggregates.join(', ')}] whole`, async () => {
      const bytes = new Uint8Array(readFileSync(fixturePath(name)));
      expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(1);
      const agg = (await kernels()).createKeyedAggregator({ aggregates });
      agg.restore(bytes);
      expectSameFinal(agg, ref, columnsOf(name));
    });

    it(`[${aggregates.join(', ')}] split over two key-group ranges and merged back`, async () => {
      const bytes = new Uint8Array(readFileSync(fixturePath(name)));
      const k = await kernels();
      const merged = k.createKeyedAggregator({ aggregates });
      const halves = [[0, 63], [64, 127]].map(([first, last]) => {
        const part = k.createKeyedAggregator({ aggregates });
        const added = part.restoreKeyGroups(bytes, first, last, (key) => keyGroupFor(key, 128));
        expect(added).toBe(part.size);
        return part;
      });
      expect(halves[0].size + halves[1].size).toBe(ref.map.size);
      expect(halves[0].size).toBeGreaterThan(0);
      for (const half of halves) merged.restoreKeyGroups(half.snapshot(), 0, 127, 'all in range');
      expect(merged.size).toBe(ref.map.size);
      for (const key of ref.map.keys()) {
        const want = ref.map.get(key)!;
        const got = merged.get(key)!;
        for (const c of columnsOf(name)) {
          const expected = c === 'avg' ? want.sum / want.count : want[c];
          expect({ key, column: c, value: got[c] }).toEqual({ key, column: c, value: expected });
        }
      }
    });
  }
});
