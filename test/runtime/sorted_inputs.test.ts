import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnBatch, isExclusive } from '../../src/core/elements.ts';
import type { ColumnBatch, DataElement, RecordBatch } from '../../src/core/elements.ts';
import { SortedInputs } from '../../src/runtime/sorted_inputs.ts';
import type { InputElement } from '../../src/runtime/sorted_inputs.ts';

const rows = (values: unknown[], timestamps: number[] | null): DataElement => ({
  kind: 'batch', batch: { values, timestamps, keys: values.map(() => 'k'), keyGroups: values.map(() => 7) },
});

const columns = (cols: ColumnBatch['columns'], length: number, timestamps: number[] | null): DataElement => ({
  kind: 'columns', batch: { ...columnBatch(cols, length, timestamps === null ? null : Float64Array.from(timestamps)), keyColumn: 'key', keyGroups: new Int32Array(length).fill(3) },
});

/** Each released record as [input, value, timestamp or null]. */
function flatten(released: Iterable<InputElement>): unknown[][] {
  const out: unknown[][] = [];
  const stamp = (t: number | undefined) => (t === undefined || Number.isNaN(t) ? null : t);
  for (const { input, element } of released) {
    if (element.kind === 'batch') element.batch.values.forEach((v, i) => out.push([input, v, stamp(element.batch.timestamps?.[i])]));
    else for (let i = 0; i < element.batch.length; i++) out.push([input, element.batch.columns.value[i], stamp(element.batch.timestamps?.[i])]);
  }
  return out;
}

describe('SortedInputs (BATCH mode\'s sorted keyed inputs)', () => {
  it('lets records without timestamps through while nothing is held, and holds them once something is', () => {
    const sorting = new SortedInputs([true], 100);
    expect(sorting.hold(0, columns({ key: new Int32Array([1, 2]), value: new Float64Array([1, 2]) }, 2, null))).toBe(false);
    expect(sorting.hold(0, rows(['a'], null))).toBe(false);
    expect(sorting.holding).toBe(false);
    expect(sorting.hold(0, rows(['b'], [5]))).toBe(true);
    expect(sorting.hold(0, rows(['c'], null))).toBe(true);
    expect(flatten(sorting.release())).toEqual([[0, 'c', null], [0, 'b', 5]]);
    expect(sorting.holding).toBe(false);
  });

  it('holds every keyed record when another input is not sorted (that input goes first, as in Flink)', () => {
    const sorting = new SortedInputs([true, false], 100);
    expect(sorting.hold(1, rows(['broadcast'], null))).toBe(false);
    expect(sorting.hold(0, rows(['keyed'], null))).toBe(true);
  });

  it('gives the held elements back as they are when they already are in order', () => {
    const sorting = new SortedInputs([true, true], 2);
    const held = [rows(['a', 'b', 'c'], [1, 2, 2]), rows(['d'], null), rows(['e'], [3])];
    sorting.hold(0, held[0]);
    sorting.hold(1, rows(['x'], [2]));
    const released = [...sorting.release()];
    expect(released.map((r) => r.element)).toEqual([held[0], rows(['x'], [2])]);
    expect(released[0].element).toBe(held[0]);
  });

  it('merges two inputs by timestamp, ties in arrival order, records without timestamps (NaN) first', () => {
    const sorting = new SortedInputs([true, true], 100);
    sorting.hold(0, rows(['a4', 'a1'], [4, 1]));
    sorting.hold(1, rows(['b2', 'b-none', 'b4'], [2, Number.NaN, 4]));
    sorting.hold(0, rows(['a2', 'aMax', 'aMin'], [2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]));
    expect(flatten(sorting.release())).toEqual([
      [1, 'b-none', null], [0, 'aMin', Number.NEGATIVE_INFINITY], [0, 'a1', 1], [1, 'b2', 2], [0, 'a2', 2], [0, 'a4', 4], [1, 'b4', 4], [0, 'aMax', Number.POSITIVE_INFINITY],
    ]);
  });

  it('gathers column batches into column batches of at most the batch size, typed arrays and key groups kept', () => {
    const sorting = new SortedInputs([true], 2);
    sorting.hold(0, columns({ key: new Int32Array([1, 2, 3]), value: new Float64Array([30, 10, 20]) }, 3, [3, 1, 2]));
    const released = [...sorting.release()];
    expect(released.map((r) => r.element.kind)).toEqual(['columns', 'columns']);
    const [first, second] = released.map((r) => r.element.batch as ColumnBatch);
    expect(first.columns.key).toEqual(new Int32Array([2, 3]));
    expect(first.columns.value).toEqual(new Float64Array([10, 20]));
    expect(first.timestamps).toEqual(new Float64Array([1, 2]));
    expect(first.keyGroups).toEqual(new Int32Array([3, 3]));
    expect(first.keyColumn).toBe('key');
    expect(isExclusive(first)).toBe(true);
    expect(second.columns.value).toEqual(new Float64Array([30]));
  });

  it('keeps rows and columns, and columns of another shape, in elements of their own', () => {
    const sorting = new SortedInputs([true], 100);
    sorting.hold(0, rows([{ key: 1, value: 'row' }], [2]));
    sorting.hold(0, columns({ key: new Int32Array([1]), value: new Float64Array([7]) }, 1, [1]));
    sorting.hold(0, columns({ key: new Int32Array([1]), value: new Int32Array([8]) }, 1, [3]));
    const released = [...sorting.release()];
    expect(released.map((r) => r.element.kind)).toEqual(['columns', 'batch', 'columns']);
    expect((released[1].element.batch as RecordBatch)).toEqual({ values: [{ key: 1, value: 'row' }], timestamps: [2], keys: ['k'], keyGroups: [7] });
    expect((released[2].element.batch as ColumnBatch).columns.value).toEqual(new Int32Array([8]));
  });

  it('releases what a stable sort by timestamp gives, on random batches of two inputs', () => {
    const stamp = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));
    const batch = fc.record({ input: fc.integer({ min: 0, max: 1 }), stamps: fc.array(stamp, { maxLength: 6 }), timed: fc.boolean() });
    fc.assert(fc.property(fc.array(batch, { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), (batches, size) => {
      const sorting = new SortedInputs([true, true], size);
      const all: Array<[number, string, number | null]> = [];
      batches.forEach(({ input, stamps, timed }, b) => {
        const values = stamps.map((_, i) => `${b}.${i}`);
        if (sorting.hold(input, rows(values, timed ? stamps : null))) {
          values.forEach((v, i) => all.push([input, v, timed && !Number.isNaN(stamps[i]) ? stamps[i] : null]));
        }
      });
      const rank = (t: number | null) => t ?? Number.NEGATIVE_INFINITY;
      const expected = [...all].sort((a, b) => (rank(a[2]) === rank(b[2]) ? 0 : rank(a[2]) - rank(b[2])));
      const released = [...sorting.release()];
      expect(flatten(released)).toEqual(expected);
      for (const r of released) expect(r.element.kind === 'batch' ? r.element.batch.values.length : 0).toBeLessThanOrEqual(Math.max(size, ...batches.map((x) => x.stamps.length)));
    }), { seed: 20261206, numRuns: 300 });
  });
});
