import {
  FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX, FIELD_MIN_INDEX, FIELD_MAX_INDEX, FIELD_FIRST_INDEX,
  EMIT_COUNT, EMIT_SUM, EMIT_MIN, EMIT_MAX, EMIT_AVG, EMIT_MIN_BY, EMIT_MAX_BY, EMIT_FIRST,
  COL_COUNT, COL_SUM, COL_MIN, COL_MAX, COL_MIN_INDEX, COL_MAX_INDEX, COL_FIRST_INDEX,
} from '../../assembly/abi.ts';

/** Aggregates a KeyedAggregator can keep per key; the set is fixed at creation. */
export type AggregateName = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'minBy' | 'maxBy' | 'first';

export const AGGREGATE_NAMES: readonly AggregateName[] = ['count', 'sum', 'avg', 'min', 'max', 'minBy', 'maxBy', 'first'];

const FIELDS_OF: Record<AggregateName, number> = {
  count: FIELD_COUNT,
  sum: FIELD_SUM,
  avg: FIELD_SUM | FIELD_COUNT,
  min: FIELD_MIN,
  max: FIELD_MAX,
  minBy: FIELD_MIN | FIELD_MIN_INDEX,
  maxBy: FIELD_MAX | FIELD_MAX_INDEX,
  first: FIELD_FIRST_INDEX,
};

const EMIT_OF: Record<AggregateName, number> = {
  count: EMIT_COUNT, sum: EMIT_SUM, avg: EMIT_AVG, min: EMIT_MIN, max: EMIT_MAX,
  minBy: EMIT_MIN_BY, maxBy: EMIT_MAX_BY, first: EMIT_FIRST,
};

/** The slot fields (a bitmask) needed for a set of aggregates: 8 bytes per key per field. */
export function fieldsFor(aggregates: readonly AggregateName[]): number {
  if (aggregates.length === 0) throw new Error('KeyedAggregator: name at least one aggregate');
  let fields = 0;
  for (const name of aggregates) {
    const f = FIELDS_OF[name];
    if (f === undefined) throw new Error(`KeyedAggregator: unknown aggregate "${String(name)}"; expected one of ${AGGREGATE_NAMES.join(', ')}`);
    fields |= f;
  }
  return fields;
}

export function emitCodeFor(name: AggregateName, fields: number): number {
  const needed = FIELDS_OF[name];
  if (needed === undefined || (fields & needed) !== needed) {
    throw new Error(`KeyedAggregator.update: cannot emit "${String(name)}", the aggregator was not created with it`);
  }
  return EMIT_OF[name];
}

/** The aggregate needs the caller's record index column. */
export function needsIndexes(fields: number): boolean {
  return (fields & (FIELD_MIN_INDEX | FIELD_MAX_INDEX | FIELD_FIRST_INDEX)) !== 0;
}

/**
 * Output columns for drainInto/changedInto: row r of each present column describes keys[r].
 * Columns the aggregator does not keep are left untouched.
 */
export interface AggregateColumns {
  keys: Float64Array;
  count?: Float64Array;
  sum?: Float64Array;
  avg?: Float64Array;
  min?: Float64Array;
  max?: Float64Array;
  /** minBy: record index of the key's minimum. */
  minIndex?: Float64Array;
  /** maxBy: record index of the key's maximum. */
  maxIndex?: Float64Array;
  /** record index of the key's first record. */
  firstIndex?: Float64Array;
}

/** One key's aggregates; fields the aggregator does not keep are absent. */
export interface KeyAggregates {
  key: number;
  count?: number;
  sum?: number;
  avg?: number;
  min?: number;
  max?: number;
  minIndex?: number;
  maxIndex?: number;
  firstIndex?: number;
}

type ValueColumn = Exclude<keyof AggregateColumns, 'keys' | 'avg'>;

/** Which ROWS column (see assembly/abi.ts) carries each output, and the field that must exist. */
export const ROW_COLUMN_OF: readonly (readonly [ValueColumn, number, number])[] = [
  ['count', COL_COUNT, FIELD_COUNT],
  ['sum', COL_SUM, FIELD_SUM],
  ['min', COL_MIN, FIELD_MIN],
  ['max', COL_MAX, FIELD_MAX],
  ['minIndex', COL_MIN_INDEX, FIELD_MIN_INDEX],
  ['maxIndex', COL_MAX_INDEX, FIELD_MAX_INDEX],
  ['firstIndex', COL_FIRST_INDEX, FIELD_FIRST_INDEX],
];
