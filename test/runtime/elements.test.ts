import { describe, expect, it } from 'vitest';
import { materialize, namedRows } from '../../src/core/elements.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';

describe('materialize', () => {
  it('derives the key groups a partitioner did not send along from the key column, for the consumer\'s maxParallelism', () => {
    const keys = new Int32Array([1, 2, 3, -7, 2 ** 31 - 1]);
    const batch = { length: 5, columns: { key: keys, label: ['a', 'b', 'c', 'd', 'e'] }, timestamps: new Float64Array([5, 4, 3, 2, 1]), keyColumn: 'key', keyGroups: null };
    for (const maxParallelism of [128, 100, 4096]) {
      const rows = materialize(batch, maxParallelism);
      expect(rows.keys).toEqual([1, 2, 3, -7, 2 ** 31 - 1]);
      expect(rows.keyGroups).toEqual(Array.from(keys, (k) => keyGroupFor(k, maxParallelism)));
      expect(rows.timestamps).toEqual([5, 4, 3, 2, 1]);
      expect(rows.values).toEqual(namedRows(batch));
    }
    expect(new Set([100, 128, 4096].map((maxP) => JSON.stringify(materialize(batch, maxP).keyGroups))).size).toBe(3);
  });

  it('keeps key groups that came with the batch, and has none for an unkeyed batch', () => {
    const keyed = { length: 2, columns: { key: ['x', 'y'] }, timestamps: null, keyColumn: 'key', keyGroups: new Int32Array([9, 10]) };
    expect(materialize(keyed, 128)).toEqual({ values: [{ key: 'x' }, { key: 'y' }], timestamps: null, keys: ['x', 'y'], keyGroups: [9, 10] });
    const plain = { length: 2, columns: { v: new Float64Array([1, 2]) }, timestamps: null, keyColumn: null, keyGroups: null };
    expect(materialize(plain, 128)).toEqual({ values: [{ v: 1 }, { v: 2 }], timestamps: null, keys: null, keyGroups: null });
  });
});
