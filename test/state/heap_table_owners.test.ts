import { describe, expect, it } from 'vitest';
import { canonicalKey } from '../../src/core/key_groups.ts';
import { HeapStateTable } from '../../src/state/heap_state_table.ts';
import { CurrentKey } from '../../src/state/heap_state_handles.ts';

// A table holds a key's own value in its Map by canonical key and the key itself beside it only
// where the canonical key differs from it: keys() and snapshots must still give back each key as
// the job gave it, with its key group, in insertion order.
const OWN = { canonical: null, value: null };

function ref(key: unknown, keyGroup: number): CurrentKey {
  const c = new CurrentKey();
  c.set(key, canonicalKey(key), keyGroup);
  return c;
}

function put(table: HeapStateTable, key: unknown, keyGroup: number, value: unknown): void {
  table.set(ref(key, keyGroup), OWN, value);
}

describe('HeapStateTable owners', () => {
  it('gives back each key as written (a tuple, a string, -0) with its key group, in insertion order', () => {
    const table = new HeapStateTable('s', 'value');
    const tuple = [1, 'a'];
    put(table, tuple, 7, 'x');
    put(table, 'k', 3, 'y');
    put(table, -0, 5, 'z');
    put(table, 42, 9, 'w');
    put(table, '\u0000odd', 11, 'v');
    const keys = [...table.keys()];
    expect(keys.map(([, kg]) => kg)).toEqual([7, 3, 5, 9, 11]);
    expect(keys[0][0]).toBe(tuple);
    expect(keys[1][0]).toBe('k');
    expect(Object.is(keys[2][0], -0)).toBe(true);
    expect(keys[3][0]).toBe(42);
    expect(keys[4][0]).toBe('\u0000odd');
    const entries = table.entriesNow();
    expect(entries.map(([kg, , ns, v]) => [kg, ns, v])).toEqual([[7, null, 'x'], [3, null, 'y'], [5, null, 'z'], [9, null, 'w'], [11, null, 'v']]);
    expect(entries[0][1]).toBe(tuple);
    expect(Object.is(entries[2][1], -0)).toBe(true);
  });

  it('keeps a key\'s first owner across writes, forgets it on delete and records it again, last, when the key comes back', () => {
    const table = new HeapStateTable('s', 'value');
    put(table, 1, 10, 'a');
    put(table, 2, 20, 'b');
    put(table, 1, 99, 'c'); // an existing key: its value changes, its owner stays
    expect([...table.keys()]).toEqual([[1, 10], [2, 20]]);
    expect(table.get(1, OWN)).toBe('c');
    table.delete(1, OWN);
    expect([...table.keys()]).toEqual([[2, 20]]);
    expect(table.get(1, OWN)).toBeUndefined();
    expect(table.combineOwn(ref(1, 12), 5, (current: unknown, input: number) => (current === null ? input : (current as number) + input))).toBe(5);
    expect(table.combineOwn(ref(1, 12), 5, (current: unknown, input: number) => (current === null ? input : (current as number) + input))).toBe(10);
    expect([...table.keys()]).toEqual([[2, 20], [1, 12]]);
    expect(table.entriesNow()).toEqual([[20, 2, null, 'b'], [12, 1, null, 10]]);
  });
});
