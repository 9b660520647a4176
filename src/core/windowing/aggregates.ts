/**
 * `Aggregates.count()`, `Aggregates.sum/min/max/avg(field)`: AggregateFunctions by name whose
 * result is one number (NumericAggregate's rules: sums add in arrival order, min and max order
 * values as Java's Double.compare). The planner recognises these objects (never a user's
 * function, whatever it does) and may run windows over them in the WASM kernels; on the JS path
 * they are ordinary AggregateFunctions with the same results.
 */
import type { AggregateFunction } from '../functions.ts';
import { describeField } from '../fields.ts';
import type { FieldRef } from '../fields.ts';
import { compare, numericField } from './numeric_aggregate.ts';
import type { NumericAccumulator, NumericAggregateName } from './numeric_aggregate.ts';

function checkField(field: unknown, where: string): FieldRef {
  if (typeof field !== 'number' && typeof field !== 'string') throw new TypeError(`${where}: the field is a tuple position (number) or an object property (string), got ${typeof field}`);
  return field;
}

/** One of count, sum, min, max or avg of a numeric field (count: of records), as a plain number. */
export class NamedAggregate<IN = unknown> implements AggregateFunction<IN, NumericAccumulator, number> {
  /** Null for count, which reads no field. */
  readonly field: FieldRef | null;
  readonly aggregate: NumericAggregateName;

  constructor(aggregate: NumericAggregateName, field: FieldRef | null) {
    this.aggregate = aggregate;
    this.field = field;
  }

  createAccumulator(): NumericAccumulator {
    return [0, 0, 0, 0];
  }

  add(value: IN, acc: NumericAccumulator): NumericAccumulator {
    if (this.field === null) {
      acc[0]++;
      return acc;
    }
    const v = numericField(value, this.field);
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

  getResult(acc: NumericAccumulator): number {
    switch (this.aggregate) {
      case 'count': return acc[0];
      case 'sum': return acc[1];
      case 'min': return acc[2];
      case 'max': return acc[3];
      case 'avg': return acc[1] / acc[0];
    }
  }

  merge(a: NumericAccumulator, b: NumericAccumulator): NumericAccumulator {
    if (b[0] === 0) return a;
    if (a[0] === 0) return b;
    return [a[0] + b[0], a[1] + b[1], compare(b[2], a[2]) < 0 ? b[2] : a[2], compare(b[3], a[3]) > 0 ? b[3] : a[3]];
  }

  toString(): string {
    return this.field === null ? `Aggregates.${this.aggregate}()` : `Aggregates.${this.aggregate}(${describeField(this.field)})`;
  }
}

export const Aggregates = {
  /** The number of records in the window. */
  count: <IN = unknown>(): NamedAggregate<IN> => new NamedAggregate<IN>('count', null),
  sum: <IN = unknown>(field: FieldRef): NamedAggregate<IN> => new NamedAggregate<IN>('sum', checkField(field, 'Aggregates.sum(field)')),
  min: <IN = unknown>(field: FieldRef): NamedAggregate<IN> => new NamedAggregate<IN>('min', checkField(field, 'Aggregates.min(field)')),
  max: <IN = unknown>(field: FieldRef): NamedAggregate<IN> => new NamedAggregate<IN>('max', checkField(field, 'Aggregates.max(field)')),
  avg: <IN = unknown>(field: FieldRef): NamedAggregate<IN> => new NamedAggregate<IN>('avg', checkField(field, 'Aggregates.avg(field)')),
} as const;
