/**
 * What travels between operators, in-band: batches of records (row batches, or column batches
 * that stay typed arrays end to end), watermarks, checkpoint barriers and the end of input.
 */
import { keyGroupFor } from './key_groups.ts';

export interface RecordBatch {
  readonly values: unknown[];
  /** Event timestamps, one per value (NaN where a record has none), or null when none has one. */
  readonly timestamps: number[] | null;
  /** Set by a hash partitioner: each record's key and key group, so keyed operators need not recompute them. */
  readonly keys: unknown[] | null;
  readonly keyGroups: number[] | null;
}

export type NumericColumn = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
/** A column: a typed array for numbers, or a plain array for anything else. */
export type Column = NumericColumn | readonly unknown[];

/**
 * A batch of named-row records held as columns. It becomes JS records only where a row operator
 * or a record sink needs them (`materialize`).
 */
export interface ColumnBatch {
  readonly length: number;
  readonly columns: Readonly<Record<string, Column>>;
  readonly timestamps: Float64Array | null;
  /**
   * Set by a hash partitioner on a key column: that column's name and each row's key group, or
   * null key groups where they were not sent along (`materialize` derives them from the keys).
   */
  readonly keyColumn: string | null;
  readonly keyGroups: Int32Array | null;
}

/**
 * The one element union. Every stage (an operator's output, a partitioner, a gate and its queue,
 * the port codec) takes it through one entry point: data elements are split, routed and encoded;
 * every other kind is plain data that partitioners broadcast and codecs pass through as it is,
 * so a new control element (a checkpoint barrier) touches only the stages that act on it.
 */
export type StreamElement = DataElement | ControlElement;

export type DataElement =
  | { readonly kind: 'batch'; readonly batch: RecordBatch }
  | { readonly kind: 'columns'; readonly batch: ColumnBatch };

export type ControlElement =
  | { readonly kind: 'watermark'; readonly timestamp: number }
  /** Checkpoint n's barrier: what came before it on a channel belongs to checkpoint n, what comes after to the next. */
  | { readonly kind: 'barrier'; readonly checkpointId: number }
  /** Flink's WatermarkStatus: an idle channel sends no watermarks for now and is left out of the minimum. */
  | { readonly kind: 'watermarkStatus'; readonly idle: boolean }
  | { readonly kind: 'end' };

export function isData(element: StreamElement): element is DataElement {
  return element.kind === 'batch' || element.kind === 'columns';
}

/** Records in a data element, 0 for a control element. */
export function recordsIn(element: StreamElement): number {
  return element.kind === 'batch' ? element.batch.values.length : element.kind === 'columns' ? element.batch.length : 0;
}

export const NO_TIMESTAMP = Number.NaN;

const exclusive = new WeakSet<ColumnBatch>();

/**
 * Marks a column batch whose typed arrays no other code holds: a hash partitioner's part for one
 * consumer, or a batch received from another worker. The operator that takes it from its queue
 * may write into those arrays instead of allocating its output (the kernel's rolling results).
 */
export function markExclusive(batch: ColumnBatch): ColumnBatch {
  exclusive.add(batch);
  return batch;
}

export function isExclusive(batch: ColumnBatch): boolean {
  return exclusive.has(batch);
}

export function recordBatch(values: unknown[], timestamps: number[] | null = null): RecordBatch {
  return { values, timestamps, keys: null, keyGroups: null };
}

export function columnBatch(columns: Record<string, Column>, length: number, timestamps: Float64Array | null = null): ColumnBatch {
  return { length, columns, timestamps, keyColumn: null, keyGroups: null };
}

/** The rows of a column batch as plain objects `{ column: value }` (named rows). */
export function namedRows(batch: Pick<ColumnBatch, 'columns' | 'length'>): Record<string, unknown>[] {
  const names = Object.keys(batch.columns);
  const cols = names.map((n) => batch.columns[n]);
  const values = new Array<Record<string, unknown>>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]] = cols[c][i];
    values[i] = row;
  }
  return values;
}

/**
 * A column batch as a record batch of named rows, with keys if partitioned. Key groups a
 * partitioner did not send along are derived from the keys here, so they cost only consumers
 * that need them (keyed JS operators, not kernels).
 */
export function materialize(batch: ColumnBatch, maxParallelism: number): RecordBatch {
  const keys = batch.keyColumn === null ? null : Array.from(batch.columns[batch.keyColumn] as ArrayLike<unknown>);
  return {
    values: namedRows(batch),
    timestamps: batch.timestamps === null ? null : Array.from(batch.timestamps),
    keys,
    keyGroups: batch.keyGroups !== null ? Array.from(batch.keyGroups) : keys?.map((k) => keyGroupFor(k, maxParallelism)) ?? null,
  };
}

/** Rows [start, end) of a column batch, sharing memory with it (typed-array views, array slices). */
export function sliceColumns(batch: ColumnBatch, start: number, end: number): ColumnBatch {
  const columns: Record<string, Column> = {};
  for (const [name, col] of Object.entries(batch.columns)) columns[name] = ArrayBuffer.isView(col) ? (col as NumericColumn).subarray(start, end) : col.slice(start, end);
  return {
    length: end - start,
    columns,
    timestamps: batch.timestamps?.subarray(start, end) ?? null,
    keyColumn: batch.keyColumn,
    keyGroups: batch.keyGroups?.subarray(start, end) ?? null,
  };
}
