import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnBatch, RecordBatch, StreamElement } from '../../src/core/elements.ts';
import { PartitionTarget } from '../../src/runtime/partitioner.ts';
import { decodeBatch, decodeColumns, encodeBatch, encodeColumns, transferablesOf } from '../../src/worker/batch_codec.ts';
import type { EncodedColumns } from '../../src/worker/batch_codec.ts';

/** What the receiving thread gets: a structured clone with the listed buffers moved. */
function post<T>(encoded: T & Parameters<typeof transferablesOf>[0]): T {
  return structuredClone(encoded, { transfer: transferablesOf(encoded) }) as T;
}

function expectSameNumbers(got: readonly unknown[] | null, want: readonly unknown[] | null): void {
  expect(got === null).toBe(want === null);
  if (got === null || want === null) return;
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (typeof want[i] === 'number') expect(Object.is(got[i], want[i])).toBe(true);
}

const anything = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: false });
const doubles = fc.array(fc.double(), { maxLength: 64 }); // includes NaN, -0, ±Infinity
const column = fc.oneof(doubles, fc.array(anything, { maxLength: 16 }), fc.array(fc.oneof(fc.double(), fc.string()), { maxLength: 16 }));

const recordBatches: fc.Arbitrary<RecordBatch> = fc.integer({ min: 0, max: 40 }).chain((n) => fc.record({
  values: fc.oneof(fc.array(fc.double(), { minLength: n, maxLength: n }), fc.array(anything, { minLength: n, maxLength: n })),
  timestamps: fc.option(fc.array(fc.double(), { minLength: n, maxLength: n })),
  keys: fc.option(fc.oneof(fc.array(fc.double(), { minLength: n, maxLength: n }), fc.array(fc.string(), { minLength: n, maxLength: n }))),
  keyGroups: fc.option(fc.oneof(fc.array(fc.integer({ min: 0, max: 32767 }), { minLength: n, maxLength: n }), fc.array(fc.double(), { minLength: n, maxLength: n }))),
}));

describe('batch codec', () => {
  it('round-trips random record batches exactly through a structured clone with transfer', () => {
    fc.assert(fc.property(recordBatches, (batch) => {
      const decoded = decodeBatch(post(encodeBatch(batch)));
      expect(decoded).toStrictEqual({ ...batch }); // fc.record builds null-prototype objects
      expectSameNumbers(decoded.values, batch.values);
      expectSameNumbers(decoded.timestamps, batch.timestamps);
      expectSameNumbers(decoded.keys, batch.keys);
      expectSameNumbers(decoded.keyGroups, batch.keyGroups);
    }), { seed: 4_2024, numRuns: 400 });
  });

  it('posts flat tuples of one arity as columns per position, and round-trips every other shape unchanged', () => {
    const field = fc.oneof(fc.double(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null));
    const odd = fc.oneof(fc.constant([1, [2]]), fc.constant(new Array(10).fill(1)), fc.constant([1, undefined]), fc.constant(Object.assign(new Array(2), { 1: 5 })), fc.constant('x'));
    const tuples = fc.integer({ min: 1, max: 9 }).chain((arity) => fc.array(fc.array(field, { minLength: arity, maxLength: arity }), { minLength: 1, maxLength: 30 }));
    fc.assert(fc.property(tuples, fc.option(fc.tuple(fc.nat(), odd)), (values, spoiler) => {
      const records: unknown[] = [...values];
      if (spoiler !== null) records.splice(spoiler[0] % (records.length + 1), 0, spoiler[1]);
      const batch: RecordBatch = { values: records, timestamps: null, keys: values, keyGroups: null };
      const encoded = encodeBatch(batch);
      const flat = spoiler === null && values[0].length <= 8;
      expect('tuples' in encoded.values).toBe(flat);
      const decoded = decodeBatch(post(encoded));
      expect(decoded).toStrictEqual(batch);
      decoded.values.forEach((r, i) => { if (Array.isArray(r)) expectSameNumbers(r, records[i] as unknown[]); });
    }), { seed: 11, numRuns: 300 });
  });

  it('posts integer columns and tuple fields as Int32Arrays, widening exactly where a value is not an int32', () => {
    // Mostly int32s, with the values an Int32Array would not give back as they are (-0, 2 ** 31, a fraction, NaN) now and then.
    const edge = fc.constantFrom(-0, 2 ** 31, -(2 ** 31) - 1, 0.5, NaN, Infinity);
    const int = fc.oneof(fc.integer(), fc.constantFrom(0, 2 ** 31 - 1, -(2 ** 31)));
    const number = fc.oneof({ arbitrary: int, weight: 12 }, { arbitrary: edge, weight: 1 });
    const widths = fc.integer({ min: 1, max: 3 });
    const batches = fc.tuple(fc.integer({ min: 1, max: 50 }), widths).chain(([n, arity]) => fc.record({
      column: fc.array(number, { minLength: n, maxLength: n }),
      tuples: fc.array(fc.array(number, { minLength: arity, maxLength: arity }), { minLength: n, maxLength: n }),
      keyGroups: fc.array(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 32767 }), weight: 9 }, { arbitrary: edge, weight: 1 }), { minLength: n, maxLength: n }),
    }));
    const isInt32 = (x: number) => (x | 0) === x && !Object.is(x, -0);
    const expectColumn = (encoded: unknown, want: readonly number[]) => expect(encoded).toBeInstanceOf(want.every(isInt32) ? Int32Array : Float64Array);
    fc.assert(fc.property(batches, ({ column, tuples, keyGroups }) => {
      const batch: RecordBatch = { values: tuples, timestamps: null, keys: column, keyGroups };
      const encoded = encodeBatch(batch);
      const fields = (encoded.values as { tuples: unknown[] }).tuples;
      fields.forEach((field, f) => expectColumn(field, tuples.map((t) => t[f])));
      expectColumn(encoded.keys, column);
      expectColumn(encoded.keyGroups, keyGroups);
      const decoded = decodeBatch(post(encoded));
      expect(decoded).toStrictEqual(batch);
      expectSameNumbers(decoded.keys, column);
      expectSameNumbers(decoded.keyGroups, keyGroups);
      decoded.values.forEach((r, i) => expectSameNumbers(r as unknown[], tuples[i]));
    }), { seed: 1_7017, numRuns: 400 });
  });

  it('round-trips mixed columns (numbers mixed with strings or anything stay plain arrays)', () => {
    fc.assert(fc.property(column, (values) => {
      const batch: RecordBatch = { values, timestamps: null, keys: null, keyGroups: null };
      const decoded = decodeBatch(post(encodeBatch(batch)));
      expect(decoded).toStrictEqual(batch);
      expectSameNumbers(decoded.values, values);
    }), { seed: 7, numRuns: 300 });
  });

  it('moves numeric columns as typed arrays and leaves other values to structured clone', () => {
    const batch: RecordBatch = { values: [1.5, -0, NaN, Infinity], timestamps: [NaN, -0, 3, 4], keys: ['a', 'b', 'a', 'c'], keyGroups: [5, 0, 5, 9] };
    const encoded = encodeBatch(batch);
    expect(encoded.values).toBeInstanceOf(Float64Array);
    expect(encoded.timestamps).toBeInstanceOf(Float64Array);
    expect(encoded.keyGroups).toBeInstanceOf(Int32Array);
    expect(encoded.keys).toBe(batch.keys);
    expect(transferablesOf(encoded)).toHaveLength(3);
    const decoded = decodeBatch(post(encoded));
    expect((encoded.values as Float64Array).byteLength).toBe(0); // moved, not copied
    expect(decoded).toStrictEqual(batch);
    expect(Object.is(decoded.values[1], -0) && Number.isNaN(decoded.timestamps![0]) && Object.is(decoded.timestamps![1], -0)).toBe(true);
    expect(batch.values).toEqual([1.5, -0, NaN, Infinity]); // the sender's batch is intact
  });

  it('keeps non-int32 key groups exact (Float64Array fallback)', () => {
    const batch: RecordBatch = { values: ['x', 'y', 'z'], timestamps: null, keys: null, keyGroups: [1, -0, 2 ** 40] };
    const encoded = encodeBatch(batch);
    expect(encoded.keyGroups).toBeInstanceOf(Float64Array);
    const decoded = decodeBatch(post(encoded));
    expect(Object.is(decoded.keyGroups![1], -0)).toBe(true);
    expect(decoded).toStrictEqual(batch);
  });

  it('copies column batches compactly, so views of a larger buffer and the sender stay intact', () => {
    const big = new Float64Array([0, 1, 2, 3, 4, 5]);
    const batch: ColumnBatch = {
      length: 3, columns: { price: big.subarray(2, 5), name: ['a', 'b', 'c'], qty: new Int32Array([7, 8, 9]) },
      timestamps: new Float64Array([NaN, -0, 2]), keyColumn: 'name', keyGroups: new Int32Array([1, 2, 1]),
    };
    const encoded = encodeColumns(batch);
    expect(transferablesOf(encoded)).toHaveLength(4);
    const decoded = decodeColumns(post(encoded));
    expect(decoded).toEqual(batch);
    expect(decoded.columns.price).toBeInstanceOf(Float64Array);
    expect(decoded.columns.qty).toBeInstanceOf(Int32Array);
    expect(Object.is(decoded.timestamps![1], -0)).toBe(true);
    expect(Array.from(big)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(batch.columns.qty).toEqual(new Int32Array([7, 8, 9]));
  });

  it('moves a partitioner\'s per-consumer column batches (encoded as they are enqueued) without copying, and copies anything else', () => {
    const keys = new Int32Array([1, 2, 3, 4, 5, 6]);
    const values = new Float64Array([1, 2, 3, 4, 5, 6]);
    const sent: Array<{ part: ColumnBatch; encoded: EncodedColumns; want: unknown }> = [];
    const snapshot = (b: ColumnBatch) => ({ length: b.length, key: Array.from(b.columns.key as Int32Array), value: Array.from(b.columns.value as Float64Array) });
    // A link encodes in enqueue, as DataPort.send does.
    const link = { enqueue: (_c: number, e: StreamElement) => { if (e.kind === 'columns') sent.push({ part: e.batch, want: snapshot(e.batch), encoded: encodeColumns(e.batch) }); } };
    new PartitionTarget('hash', [link, link], 0, 0, { keyOf: () => null, keyField: 'key', maxParallelism: 128, fail: (e) => e as Error })
      .push({ kind: 'columns', batch: { length: 6, columns: { key: keys, value: values }, timestamps: null, keyColumn: null, keyGroups: null } });
    expect(sent.length).toBeGreaterThan(0);
    for (const { part, encoded, want } of sent) {
      expect(encoded.columns.key).toBe(part.columns.key);
      const decoded = decodeColumns(post(encoded));
      expect((part.columns.value as Float64Array).byteLength).toBe(0); // moved
      expect(snapshot(decoded)).toEqual(want);
    }
    // The source batch is not the partitioner's: encoding it copies, and the sender keeps its arrays.
    const encoded = encodeColumns({ length: 6, columns: { key: keys, value: values }, timestamps: null, keyColumn: null, keyGroups: null });
    expect(encoded.columns.key).not.toBe(keys);
    post(encoded);
    expect(Array.from(keys)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('survives a real MessageChannel', async () => {
    const { port1, port2 } = new MessageChannel();
    const batch: RecordBatch = { values: [{ a: 1 }, [2], 'three', null, undefined], timestamps: [1, 2, 3, NaN, -0], keys: [1, 2, 3, 4, 5], keyGroups: [0, 1, 2, 3, 4] };
    const got = new Promise<RecordBatch>((resolve) => port2.addEventListener('message', (e) => resolve(decodeBatch(e.data)), { once: true }));
    port2.start();
    const encoded = encodeBatch(batch);
    port1.postMessage(encoded, transferablesOf(encoded));
    expect(await got).toStrictEqual(batch);
    port1.close();
  });

  it('leaves the sender\'s tuples as V8 holds them when optimized code has encoded tuples of other elements kinds', () => {
    // Tuples of doubles (numbers outside int32) and tuples with a string, through one optimized
    // encodeBatch: indexing them with [f] made V8 move every double tuple to boxed object elements.
    const fixture = fileURLToPath(new URL('./fixtures/elements_kinds.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', fixture], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ before: 'double', after: 'double' });
  });
});
