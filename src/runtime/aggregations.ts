import type { FieldRef } from '../core/fields.ts';
import type { BuiltInAggregation } from '../plan/graph.ts';
import { compareValues } from './compare.ts';
import { readField, withField } from '../core/fields.ts';

/**
 * Flink's built-in keyed aggregations as reduce functions over (accumulated, next):
 * sum/min/max replace only `field` in the key's first record; minBy/maxBy keep the whole
 * record holding the extreme, and on ties keep the earlier one.
 */
export function aggregationReducer(aggregation: BuiltInAggregation, field: FieldRef): (acc: unknown, next: unknown) => unknown {
  switch (aggregation) {
    case 'sum':
      return (acc, next) => withField(acc, field, add(readField(acc, field), readField(next, field)));
    case 'min':
      return (acc, next) => {
        const a = readField(acc, field);
        const b = readField(next, field);
        return compareValues(b, a) < 0 ? withField(acc, field, b) : acc;
      };
    case 'max':
      return (acc, next) => {
        const a = readField(acc, field);
        const b = readField(next, field);
        return compareValues(b, a) > 0 ? withField(acc, field, b) : acc;
      };
    case 'minBy':
      return (acc, next) => (compareValues(readField(next, field), readField(acc, field)) < 0 ? next : acc);
    case 'maxBy':
      return (acc, next) => (compareValues(readField(next, field), readField(acc, field)) > 0 ? next : acc);
  }
}

function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  throw new TypeError(`sum needs numbers (or bigints) in the field, got ${typeof a} and ${typeof b}`);
}
