/**
 * The events a kernel window takes from a batch: each record's key, event time and value, as
 * columns. Column batches give theirs as they are; records are read one by one, with the JS
 * path's errors for a missing timestamp or a value that is not a number.
 */
import type { Column, ColumnBatch, RecordBatch } from '../../core/elements.ts';
import { namedRows, sliceColumns } from '../../core/elements.ts';
import { numericField } from '../../core/windowing/numeric_aggregate.ts';
import type { WindowKernelPlan } from '../../plan/window_kernel_routing.ts';

export interface Events {
  readonly length: number;
  readonly keys: Column;
  readonly timestamps: ArrayLike<number>;
  readonly values: Float64Array;
}

/** Thrown with the index of the record it is about, so the operator can name the record. */
export class EventError extends Error {
  readonly index: number;
  constructor(message: string, index: number) {
    super(message);
    this.index = index;
  }
}

export function noTimestamp(plan: WindowKernelPlan): string {
  const name = plan.size === plan.slide ? 'TumblingEventTimeWindows' : 'SlidingEventTimeWindows';
  return `${name} needs each record's event time, and this record has no timestamp. Fix: call assignTimestampsAndWatermarks(WatermarkStrategy...withTimestampAssigner(...)) before the window, or use a processing-time window`;
}

// A NaN timestamp (a record without one) is found where the operator adds the events: the
// kernel stops at it, as at a late one.
function checkTimestamps(plan: WindowKernelPlan, timestamps: ArrayLike<number> | null): ArrayLike<number> {
  if (timestamps === null) throw new EventError(noTimestamp(plan), 0);
  return timestamps;
}

/**
 * Record i's value is not a number: the job fails at the first bad record, as on the JS path,
 * which may be an earlier one without a timestamp (the kernel would only have reached it later).
 */
function badValue(plan: WindowKernelPlan, timestamps: ArrayLike<number>, i: number, error: unknown): EventError {
  for (let j = 0; j < i; j++) {
    if (timestamps[j] !== timestamps[j]) return new EventError(noTimestamp(plan), j);
  }
  return new EventError((error as Error).message, i);
}

export function eventsOfColumns(plan: WindowKernelPlan, batch: ColumnBatch): Events {
  const timestamps = checkTimestamps(plan, batch.timestamps);
  const field = plan.valueField;
  if (field === null) return { length: batch.length, keys: batch.columns[plan.keyColumn!], timestamps, values: new Float64Array(batch.length) };
  const column = batch.columns[field as string];
  let values: Float64Array;
  if (column instanceof Float64Array) {
    values = column;
  } else if (ArrayBuffer.isView(column)) {
    values = Float64Array.from(column as ArrayLike<number>);
  } else {
    values = new Float64Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const v = (column as readonly unknown[] | undefined)?.[i];
      if (typeof v === 'number') {
        values[i] = v;
        continue;
      }
      try {
        values[i] = numericField(namedRows(sliceColumns(batch, i, i + 1))[0], field);
      } catch (error) {
        throw badValue(plan, timestamps, i, error);
      }
    }
  }
  return { length: batch.length, keys: batch.columns[plan.keyColumn!], timestamps, values };
}

export function eventsOfRecords(plan: WindowKernelPlan, batch: RecordBatch): Events {
  const { values: records, keys } = batch;
  if (keys === null) throw new Error('internal: a kernel window got records without their keys');
  const timestamps = checkTimestamps(plan, batch.timestamps);
  const values = new Float64Array(records.length);
  const field = plan.valueField;
  // A count reads no field: its values are never used.
  if (field === null) return { length: records.length, keys, timestamps, values };
  for (let i = 0; i < records.length; i++) {
    try {
      values[i] = numericField(records[i], field);
    } catch (error) {
      throw badValue(plan, timestamps, i, error);
    }
  }
  return { length: records.length, keys, timestamps, values };
}
