// The hash partitioner's column path against Flink's per-record formulas: every row reaches the
// subtask keyGroup * p / maxP, rows keep their order per consumer, and no part exceeds
// MAX_PART_ROWS; routed in JS and by the WASM key router alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Column, ColumnBatch, RecordBatch, StreamElement } from '../../src/core/elements.ts';
import { intKeyGroups, keyGroupFor, murmurHash, subtaskForKeyGroup } from '../../src/core/key_groups.ts';
import { isExclusive } from '../../src/core/elements.ts';
import { isHandedOver, MAX_PART_ROWS, PartitionTarget } from '../../src/runtime/partitioner.ts';
import { kernelUrl, loadKernelsFromFile } from '../../src/kernels/index.ts';

const kernels = await loadKernelsFromFile(kernelUrl('debug'));
type Routing = 'JS' | 'WASM';
const ROUTINGS: readonly Routing[] = ['JS', 'WASM'];

function partition(batch: ColumnBatch, parallelism: number, maxParallelism: number, routing: Routing = 'JS'): ColumnBatch[][] {
  const received: ColumnBatch[][] = Array.from({ length: parallelism }, () => []);
  const consumers = received.map((parts) => ({
    enqueue: (_channel: number, element: StreamElement) => {
      if (element.kind !== 'columns') throw new Error(`unexpected ${element.kind}`);
      parts.push(element.batch);
    },
  }));
  const target = new PartitionTarget('hash', consumers, 0, 0, {
    keyOf: (row) => (row as { key: unknown }).key, keyField: 'key', maxParallelism, fail: (cause) => cause as Error,
  });
  if (routing === 'WASM') target.routeWith(kernels);
  target.push({ kind: 'columns', batch });
  return received;
}

/** What each consumer must get, by Flink's per-record formulas: rows as [key, value]. */
function expected(keys: ArrayLike<unknown>, values: Float64Array, parallelism: number, maxParallelism: number): unknown[][][] {
  const out: unknown[][][] = Array.from({ length: parallelism }, () => []);
  for (let i = 0; i < values.length; i++) {
    out[subtaskForKeyGroup(keyGroupFor(keys[i], maxParallelism), parallelism, maxParallelism)].push([keys[i], values[i]]);
  }
  return out;
}

function rows(parts: ColumnBatch[]): unknown[][] {
  return parts.flatMap((p) => Array.from({ length: p.length }, (_, i) => [p.columns.key[i], p.columns.value[i]]));
}

describe('intKeyGroups', () => {
  it('is murmurHash(key) % maxParallelism for every 32-bit integer, including MIN_VALUE and the negative hashes', () => {
    const keys = new Int32Array([0, 1, -1, 42, -7, 2147483647, -2147483648, 65, 99162322, 0x87654321 | 0]);
    for (const maxParallelism of [128, 4096, 3, 100, 32768]) {
      const out = new Int32Array(keys.length);
      intKeyGroups(keys, out, keys.length, maxParallelism);
      expect(Array.from(out)).toEqual(Array.from(keys, (k) => murmurHash(k) % maxParallelism));
      expect(Array.from(out)).toEqual(Array.from(keys, (k) => keyGroupFor(k, maxParallelism)));
    }
  });

  it('agrees with keyGroupFor on random ints', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 200 }), fc.integer({ min: 1, max: 32768 }), (ints, maxP) => {
      const out = new Int32Array(ints.length);
      intKeyGroups(Int32Array.from(ints), out, ints.length, maxP);
      expect(Array.from(out)).toEqual(ints.map((k) => keyGroupFor(k, maxP)));
    }), { seed: 11, numRuns: 300 });
  });
});

describe.each(ROUTINGS)('PartitionTarget, column batches by key, routed in %s', (routing) => {
  it.each([[1, 128], [2, 128], [3, 128], [4, 100], [7, 4096]])('sends every row to Flink\'s subtask, in order (p=%i, maxP=%i)', (p, maxP) => {
    const n = 3 * MAX_PART_ROWS + 17;
    const keys = new Int32Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      keys[i] = Math.imul(i, 0x9e3779b1) % 5000;
      values[i] = i;
    }
    const got = partition({ length: n, columns: { key: keys, value: values }, timestamps: null, keyColumn: null, keyGroups: null }, p, maxP, routing);
    expect(got.map(rows)).toEqual(expected(keys, values, p, maxP));
    for (const parts of got) {
      for (const part of parts) {
        expect(part.length).toBeLessThanOrEqual(p === 1 ? n : MAX_PART_ROWS);
        expect(part.keyColumn).toBe('key');
        expect(part.columns.key).toBeInstanceOf(Int32Array);
        expect(part.columns.value).toBeInstanceOf(Float64Array);
        // Numeric keys: one consumer or many, key groups are left to materialize (a kernel never reads them).
        expect(part.keyGroups).toBeNull();
      }
    }
  });

  it('keeps every column\'s kind and rows, and carries timestamps', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double({ noNaN: true })), { maxLength: 300 }),
      fc.integer({ min: 2, max: 9 }), fc.constantFrom(128, 100, 4096),
      (rowsIn, p, maxP) => {
        const n = rowsIn.length;
        const keys = Int32Array.from(rowsIn, ([k]) => k);
        const columns: Record<string, Column> = {
          key: keys, value: Float64Array.from(rowsIn, ([, v]) => v), f32: Float32Array.from(rowsIn, ([k]) => k / 3),
          u16: Uint16Array.from(rowsIn, ([k]) => k), i8: Int8Array.from(rowsIn, ([k]) => k), label: rowsIn.map(([k]) => `k${k}`),
        };
        const timestamps = Float64Array.from(rowsIn, (_, i) => 1000 + i);
        const got = partition({ length: n, columns, timestamps, keyColumn: null, keyGroups: null }, p, maxP, routing);
        const want: unknown[][][] = Array.from({ length: p }, () => []);
        for (let i = 0; i < n; i++) {
          want[subtaskForKeyGroup(keyGroupFor(keys[i], maxP), p, maxP)].push([...Object.values(columns).map((c) => c[i]), timestamps[i]]);
        }
        expect(got.map((parts) => parts.flatMap((part) => Array.from({ length: part.length }, (_, i) => [...Object.values(part.columns).map((c) => c[i]), part.timestamps![i]])))).toEqual(want);
        for (const part of got.flat()) {
          for (const name of Object.keys(columns)) expect(part.columns[name].constructor).toBe(columns[name].constructor);
        }
      },
    ), { seed: 5, numRuns: 100 });
  });

  it('routes non-integer keys (doubles, strings) by their Java hashCode and carries timestamps', () => {
    const keys: Column = [1.5, 'a', -0, 2 ** 40, 'hello', 7, 'a', 1.5];
    const values = Float64Array.from(keys, (_, i) => i * 10);
    const timestamps = Float64Array.from(keys, (_, i) => 1000 + i);
    const got = partition({ length: keys.length, columns: { key: keys, value: values }, timestamps, keyColumn: null, keyGroups: null }, 3, 128, routing);
    expect(got.map(rows)).toEqual(expected(keys, values, 3, 128));
    for (const part of got.flat()) {
      for (let i = 0; i < part.length; i++) expect(part.timestamps![i]).toBe(1000 + (part.columns.value as Float64Array)[i] / 10);
    }
  });

  it('hands each consumer arrays of its own, marked movable only while it is being enqueued and writable by the consumer', () => {
    const keys = new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const values = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const source: ColumnBatch = { length: 8, columns: { key: keys, value: values }, timestamps: null, keyColumn: null, keyGroups: null };
    const marks: boolean[] = [];
    const parts: ColumnBatch[] = [];
    const consumer = { enqueue: (_c: number, e: StreamElement) => { if (e.kind === 'columns') { marks.push(isHandedOver(e.batch)); parts.push(e.batch); } } };
    const target = new PartitionTarget('hash', [consumer, consumer], 0, 0, { keyOf: () => null, keyField: 'key', maxParallelism: 128, fail: (e) => e as Error });
    if (routing === 'WASM') target.routeWith(kernels);
    target.push({ kind: 'columns', batch: source });
    expect(parts).toHaveLength(2);
    expect(marks).toEqual([true, true]);
    expect(isHandedOver(source)).toBe(false);
    expect(isExclusive(source)).toBe(false);
    for (const part of parts) {
      expect(isHandedOver(part)).toBe(false); // a local consumer that passes it on later copies again
      expect(isExclusive(part)).toBe(true); // so a kernel may write its results over the value column
      for (const col of [part.columns.key, part.columns.value] as ArrayBufferView[]) {
        expect(col.buffer).not.toBe(keys.buffer);
        expect(col.buffer).not.toBe(values.buffer);
        expect(col.byteLength).toBe(col.buffer.byteLength);
      }
    }
    // With one consumer the batch passes through and is not the partitioner's to give away.
    const [[whole]] = partition(source, 1, 128, routing);
    expect(isHandedOver(whole)).toBe(false);
    expect(isExclusive(whole)).toBe(false);
    expect(whole.columns.key).toBe(keys);
  });
});

describe('record batches on a keyed edge', () => {
  /** What each of `parallelism` consumers receives from one batch of `records`, keys left to them or stored. */
  function received(records: unknown[], timestamps: number[] | null, parallelism: number, deferred: boolean): RecordBatch[][] {
    const out: RecordBatch[][] = Array.from({ length: parallelism }, () => []);
    const consumers = out.map((parts) => ({ enqueue: (_c: number, e: StreamElement) => { if (e.kind === 'batch') parts.push(e.batch); } }));
    const target = new PartitionTarget('hash', consumers, 0, 0, { keyOf: (r) => (r as [unknown])[0], keyField: null, maxParallelism: 128, fail: (e) => e as Error });
    if (deferred) target.deferKeys();
    target.push({ kind: 'batch', batch: { values: records, timestamps, keys: null, keyGroups: null } });
    return out;
  }

  it('left to consumers that select keys, sends each record with its timestamp alone, to the subtask of its key group', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.string()), fc.nat()), { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (records, parallelism) => {
      const timestamps = records.map((_, i) => i * 10);
      const deferred = received(records, timestamps, parallelism, true);
      const stored = received(records, timestamps, parallelism, false);
      for (let c = 0; c < parallelism; c++) {
        const want = records.flatMap((r, i) => (subtaskForKeyGroup(keyGroupFor(r[0], 128), parallelism, 128) === c ? [[r, timestamps[i]] as const] : []));
        expect(deferred[c].flatMap((b) => b.values.map((v, i) => [v, b.timestamps![i]]))).toEqual(want);
        expect(deferred[c].every((b) => b.keys === null && b.keyGroups === null)).toBe(true);
        // Stored keys route the same records, with the keys and key groups beside them.
        expect(stored[c].flatMap((b) => b.values)).toEqual(want.map(([r]) => r));
        expect(stored[c].flatMap((b) => b.keyGroups ?? [])).toEqual(want.map(([r]) => keyGroupFor(r[0], 128)));
      }
    }), { seed: 20261207, numRuns: 100 });
  });
});
