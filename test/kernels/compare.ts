import { expect } from 'vitest';
import type { AggregateColumns, AggregateName, KeyColumn, KeyedAggregator } from '../../src/kernels/index.ts';
import type { ReferenceAggregator, RefState } from './support.ts';
import { firstDifference } from './support.ts';

type Column = Exclude<keyof AggregateColumns, 'keys'>;
const COLUMNS: readonly [Column, (s: RefState) => number][] = [
  ['count', (s) => s.count],
  ['sum', (s) => s.sum],
  ['avg', (s) => s.sum / s.count],
  ['min', (s) => s.min],
  ['max', (s) => s.max],
  ['minIndex', (s) => s.minIndex],
  ['maxIndex', (s) => s.maxIndex],
  ['firstIndex', (s) => s.firstIndex],
];

/** Drains `agg` in chunks and checks every key, in first-seen order, against the reference. */
export function expectSameFinal(agg: KeyedAggregator, ref: ReferenceAggregator, columns: readonly Column[], chunk = 4096): void {
  const n = agg.size;
  expect(n).toBe(ref.map.size);
  const keys = new Float64Array(n);
  const got: Partial<Record<Column, Float64Array>> = {};
  for (const c of columns) got[c] = new Float64Array(n);
  for (let start = 0; start < n; start += chunk) {
    const len = Math.min(chunk, n - start);
    const out: AggregateColumns = { keys: new Float64Array(len) };
    for (const c of columns) out[c] = new Float64Array(len);
    expect(agg.drainInto(out, start)).toBe(len);
    keys.set(out.keys, start);
    for (const c of columns) got[c]!.set(out[c]!, start);
  }
  expect(firstDifference(keys, Float64Array.from(ref.map.keys()))).toBe(-1);
  const states = [...ref.map.values()];
  for (const [c, of] of COLUMNS) {
    if (!columns.includes(c)) continue;
    const want = Float64Array.from(states, of);
    const at = firstDifference(got[c]!, want);
    if (at >= 0) expect({ column: c, key: keys[at], got: got[c]![at] }).toEqual({ column: c, key: keys[at], got: want[at] });
  }
}

/** One batch into `agg` and `ref` with `emit`'s per-record output and the changed keys tracked: both must give the same. */
export function expectSameUpdate(agg: KeyedAggregator, ref: ReferenceAggregator, keys: KeyColumn, values: Float64Array, indexes: Float64Array, emit: AggregateName): void {
  const n = values.length;
  const target = { aggregate: emit, values: emit === 'first' ? undefined : new Float64Array(n), indexes: ['minBy', 'maxBy', 'first'].includes(emit) ? new Float64Array(n) : undefined };
  agg.update(keys, values, { indexes, emit: target, trackChanged: true });
  const want = ref.update(keys, values, indexes, emit);
  if (target.values) expect(firstDifference(target.values, want.values)).toBe(-1);
  if (target.indexes) expect(firstDifference(target.indexes, want.indexes)).toBe(-1);
  expect([...agg.changedKeys()]).toEqual(want.changed);
}
