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
import { addNumber, mergeAccumulators, numericField } from './numeric_aggregate.ts';
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
    return addNumber(numericField(value, this.field), acc);
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
    return mergeAccumulators(a, b);
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
