/**
 * Built-in window functions the planner knows: NumericAggregate (count, sum, min, max and avg of
 * one numeric field, an AggregateFunction) and KeyAndWindow (a ProcessWindowFunction that puts the
 * key and the window's bounds in front of each result). Windows over them may run in the WASM
 * kernels; on the JS path they are ordinary functions with the same results.
 */
import type { AggregateFunction, Collector } from '../functions.ts';
import { describeField, readField } from '../fields.ts';
import type { FieldRef } from '../fields.ts';
import { formatValue } from '../types.ts';
import { MAX_WATERMARK, MIN_WATERMARK } from '../watermarks.ts';
import { ProcessWindowFunction } from './functions.ts';
import type { ProcessWindowContext } from './functions.ts';
import { TimeWindow } from './windows.ts';
import type { Window } from './windows.ts';

export type NumericAggregateName = 'count' | 'sum' | 'min' | 'max' | 'avg';
const NAMES: readonly NumericAggregateName[] = ['count', 'sum', 'min', 'max', 'avg'];

/** [count, sum, min, max]: plain numbers, so it checkpoints as it is. */
export type NumericAccumulator = [count: number, sum: number, min: number, max: number];
export type NumericResult = Partial<Record<NumericAggregateName, number>>;

/**
 * Java's Double.compare, Flink's order for min and max (and the kernels'): -0 below +0, NaN
 * above everything.
 */
export function compare(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return a !== 0 ? 0 : (Object.is(a, -0) ? (Object.is(b, -0) ? 0 : -1) : (Object.is(b, -0) ? 1 : 0));
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}

/** Adds one number to a [count, sum, min, max] accumulator (min and max by `compare`). */
export function addNumber(v: number, acc: NumericAccumulator): NumericAccumulator {
  if (acc[0] === 0) {
    acc[1] = v;
    acc[2] = v;
    acc[3] = v;
  } else {
    acc[1] += v;
    if (compare(v, acc[2]) < 0) acc[2] = v;
    if (compare(v, acc[3]) > 0) acc[3] = v;
  }
  acc[0]++;
  return acc;
}

export function mergeAccumulators(a: NumericAccumulator, b: NumericAccumulator): NumericAccumulator {
  if (b[0] === 0) return a;
  if (a[0] === 0) return b;
  return [a[0] + b[0], a[1] + b[1], compare(b[2], a[2]) < 0 ? b[2] : a[2], compare(b[3], a[3]) > 0 ? b[3] : a[3]];
}

/** The number in a record's field, or an error naming the record, the field and the fix. */
export function numericField(value: unknown, field: FieldRef): number {
  const v = readField(value, field);
  if (typeof v !== 'number') {
    throw new TypeError(`NumericAggregate over ${describeField(field)}: ${formatValue(value)} holds ${formatValue(v)} there, not a number. Fix: aggregate a numeric field, or map the records first`);
  }
  return v;
}

/**
 * count, sum, min, max and avg of one numeric field. The sum starts at the first value and adds
 * each later one in order (a single -0 sums to -0), avg is sum / count, min and max order values
 * as Java's Double.compare: the kernels' rules, so both paths agree.
 */
export class NumericAggregate<IN = unknown> implements AggregateFunction<IN, NumericAccumulator, NumericResult> {
  readonly field: FieldRef;
  readonly aggregates: readonly NumericAggregateName[];

  private constructor(field: FieldRef, aggregates: readonly NumericAggregateName[]) {
    this.field = field;
    this.aggregates = aggregates;
  }

  static of<IN = unknown>(field: FieldRef, ...aggregates: NumericAggregateName[]): NumericAggregate<IN> {
    const where = `NumericAggregate.of(${JSON.stringify(field)}${aggregates.map((a) => `, ${JSON.stringify(a)}`).join('')})`;
    if (typeof field !== 'number' && typeof field !== 'string') throw new TypeError(`${where}: the field is a tuple position (number) or an object property (string)`);
    if (aggregates.length === 0) throw new Error(`${where}: name at least one aggregate. Fix: NumericAggregate.of(${JSON.stringify(field)}, 'count', 'sum', 'max')`);
    for (const a of aggregates) {
      if (!NAMES.includes(a)) throw new Error(`${where}: unknown aggregate ${JSON.stringify(a)}; expected ${NAMES.map((n) => `'${n}'`).join(', ')}`);
    }
    return new NumericAggregate<IN>(field, [...new Set(aggregates)]);
  }

  createAccumulator(): NumericAccumulator {
    return [0, 0, 0, 0];
  }

  add(value: IN, acc: NumericAccumulator): NumericAccumulator {
    return addNumber(numericField(value, this.field), acc);
  }

  getResult(acc: NumericAccumulator): NumericResult {
    const result: NumericResult = {};
    for (const a of this.aggregates) {
      result[a] = a === 'count' ? acc[0] : a === 'sum' ? acc[1] : a === 'min' ? acc[2] : a === 'max' ? acc[3] : acc[1] / acc[0];
    }
    return result;
  }

  merge(a: NumericAccumulator, b: NumericAccumulator): NumericAccumulator {
    return mergeAccumulators(a, b);
  }
}

export type KeyedWindowResult<KEY, R> = { key: KEY; start: number; end: number } & R;

/**
 * Emits each result with its key and window in front: `{ key, start, end, ...result }` (a result
 * that is not an object goes in `value`). A GlobalWindow's bounds are -Infinity and +Infinity.
 */
export class KeyAndWindow<R, KEY = unknown> extends ProcessWindowFunction<R, KeyedWindowResult<KEY, R>, KEY, Window> {
  process(key: KEY, context: ProcessWindowContext<Window>, elements: Iterable<R>, out: Collector<KeyedWindowResult<KEY, R>>): void {
    const w = context.window();
    const start = w instanceof TimeWindow ? w.start : MIN_WATERMARK;
    const end = w instanceof TimeWindow ? w.end : MAX_WATERMARK;
    for (const r of elements) {
      const fields = r !== null && typeof r === 'object' && !Array.isArray(r) ? r : { value: r };
      out.collect({ key, start, end, ...fields } as KeyedWindowResult<KEY, R>);
    }
  }
}
