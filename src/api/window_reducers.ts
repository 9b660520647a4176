/**
 * `Reducers.sum/min/max/minBy/maxBy(field)`: ReduceFunctions by name, the same as a windowed
 * stream's `sum(field)` ... `maxBy(field)` (Flink's field aggregations: the first record with the
 * field summed, or its minimum / maximum; minBy/maxBy the record holding it). The planner
 * recognises these objects in `reduce(...)` (never a user's function, whatever it does), so a
 * window over them may run in the WASM kernels.
 */
import { describeField } from '../core/fields.ts';
import type { FieldRef } from '../core/fields.ts';
import type { BuiltInAggregation } from '../plan/graph.ts';
import { aggregationReducer } from '../runtime/aggregations.ts';

export class NamedReducer<T = unknown> {
  readonly aggregation: BuiltInAggregation;
  readonly field: FieldRef;
  // Not #private: each subtask runs a shallow copy of a function object, and #private members do not survive one.
  private readonly combine: (a: unknown, b: unknown) => unknown;

  constructor(aggregation: BuiltInAggregation, field: FieldRef) {
    if (typeof field !== 'number' && typeof field !== 'string') throw new TypeError(`Reducers.${aggregation}(field): the field is a tuple position (number) or an object property (string), got ${typeof field}`);
    this.aggregation = aggregation;
    this.field = field;
    this.combine = aggregationReducer(aggregation, field);
  }

  reduce(a: T, b: T): T {
    return this.combine(a, b) as T;
  }

  toString(): string {
    return `Reducers.${this.aggregation}(${describeField(this.field)})`;
  }
}

export const Reducers = {
  sum: <T = unknown>(field: FieldRef): NamedReducer<T> => new NamedReducer<T>('sum', field),
  min: <T = unknown>(field: FieldRef): NamedReducer<T> => new NamedReducer<T>('min', field),
  max: <T = unknown>(field: FieldRef): NamedReducer<T> => new NamedReducer<T>('max', field),
  minBy: <T = unknown>(field: FieldRef): NamedReducer<T> => new NamedReducer<T>('minBy', field),
  maxBy: <T = unknown>(field: FieldRef): NamedReducer<T> => new NamedReducer<T>('maxBy', field),
} as const;
