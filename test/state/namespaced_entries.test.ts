import { describe, expect, it } from 'vitest';
import { canonicalKey } from '../../src/core/key_groups.ts';
import { HeapStateTable } from '../../src/state/heap_state_table.ts';
import { CurrentKey } from '../../src/state/heap_state_handles.ts';

// Values in namespaces other than a key's own (windows) are entries of their own, one per (key,
// namespace), as in Flink's state map: a snapshot lists each with its key as given and its key
// group, and incremental TTL cleanup counts them one by one (Flink's TtlIncrementalCleanup walks
// `cleanupSize` state entries per access).

function ref(key: unknown, keyGroup: number): CurrentKey {
  const c = new CurrentKey();
  c.set(key, canonicalKey(key), keyGroup);
  return c;
}

const ns = (value: string) => ({ canonical: canonicalKey(value), value });

function filled(): HeapStateTable {
  const table = new HeapStateTable('contents', 'value');
  table.set(ref([1, 'a'], 7), ns('0:10'), 'a1');
  table.set(ref([1, 'a'], 7), ns('10:20'), 'a2');
  table.set(ref(2, 3), ns('0:10'), 'b1');
  table.set(ref([1, 'a'], 7), ns('20:30'), 'a3');
  table.set(ref(2, 3), { canonical: null, value: null }, 'b-own');
  return table;
}

describe('namespaced entries of a heap state table', () => {
  it('are listed in snapshots one per (key, namespace), with the key as given and its key group', () => {
    const entries = filled().entriesNow();
    expect(entries).toHaveLength(5);
    expect(entries[0]).toEqual([3, 2, null, 'b-own']); // own values first
    expect(entries.slice(1).sort((a, b) => String(a[3]).localeCompare(String(b[3])))).toEqual([
      [7, [1, 'a'], '0:10', 'a1'],
      [7, [1, 'a'], '10:20', 'a2'],
      [7, [1, 'a'], '20:30', 'a3'],
      [3, 2, '0:10', 'b1'],
    ]);
  });

  it('are cleaned up incrementally n entries at a time, not n keys with all their namespaces', () => {
    const table = filled();
    const cleaned: unknown[] = [];
    const expire = (value: unknown): unknown => {
      cleaned.push(value);
      return undefined;
    };
    table.cleanSome(2, expire);
    // One own entry (the table has one), then two namespaced entries of the four.
    expect(cleaned).toHaveLength(3);
    expect(table.entriesNow()).toHaveLength(2);
    table.cleanSome(1, expire);
    expect(table.entriesNow()).toHaveLength(1);
    table.cleanSome(5, expire);
    expect(table.entriesNow()).toEqual([]);
    expect([...cleaned].sort()).toEqual(['a1', 'a2', 'a3', 'b-own', 'b1']);
  });

  it('reads, rewrites and deletes a key\'s value in one namespace without touching its others', () => {
    const table = filled();
    expect(table.get(canonicalKey([1, 'a']), ns('10:20'))).toBe('a2');
    table.set(ref([1, 'a'], 7), ns('10:20'), 'a2+');
    table.delete(canonicalKey([1, 'a']), ns('0:10'));
    expect(table.get(canonicalKey([1, 'a']), ns('0:10'))).toBeUndefined();
    expect(table.get(canonicalKey([1, 'a']), ns('10:20'))).toBe('a2+');
    expect(table.get(canonicalKey(2), ns('0:10'))).toBe('b1');
    expect(table.entriesNow().map((e) => e[3]).sort()).toEqual(['a2+', 'a3', 'b-own', 'b1']);
  });
});
