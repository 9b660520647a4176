/**
 * Batches as they cross a thread: numeric columns become typed arrays whose buffers are
 * transferred (moved, not copied); anything else is a plain array left to structured clone.
 * Every typed array in an encoded batch owns its whole buffer, so transferring it detaches
 * nothing the sender still uses.
 */
import type { Column, ColumnBatch, NumericColumn, RecordBatch } from '../runtime/elements.ts';
import { isHandedOver } from '../runtime/partitioner.ts';

/** A column as posted: a Float64Array when every entry is a number, otherwise the plain array. */
export type EncodedColumn = Float64Array | readonly unknown[];

export interface EncodedBatch {
  readonly length: number;
  readonly values: EncodedColumn;
  readonly timestamps: Float64Array | null;
  readonly keys: EncodedColumn | null;
  /** Int32Array when every key group is an int32 (always, for real key groups), else Float64Array. */
  readonly keyGroups: Int32Array | Float64Array | null;
}

export interface EncodedColumns {
  readonly length: number;
  /** Typed-array columns are compact copies (the sender's batch stays usable), or a partitioner's own arrays, moved. */
  readonly columns: Readonly<Record<string, Column>>;
  readonly timestamps: Float64Array | null;
  readonly keyColumn: string | null;
  readonly keyGroups: Int32Array | null;
}

/** One pass: a Float64Array if every entry is a number, else the array itself. */
function encodeColumn(xs: readonly unknown[]): EncodedColumn {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'number') return xs;
    out[i] = x;
  }
  return out;
}

function encodeKeyGroups(groups: readonly number[]): Int32Array | Float64Array {
  const out = new Int32Array(groups.length);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if ((g | 0) !== g || Object.is(g, -0)) return toFloat64(groups);
    out[i] = g;
  }
  return out;
}

// Explicit loops: V8 runs these several times faster than `new Float64Array(array)` or `Array.from`.
function toFloat64(xs: readonly number[]): Float64Array {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i];
  return out;
}

function toArray(xs: Float64Array | Int32Array): number[] {
  // Pre-filled with a double, so the array starts (and stays) packed doubles.
  const out = new Array<number>(xs.length).fill(0.5);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i];
  return out;
}

function decodeColumn(col: EncodedColumn): unknown[] {
  return col instanceof Float64Array ? toArray(col) : (col as unknown[]);
}

export function encodeBatch(batch: RecordBatch): EncodedBatch {
  return {
    length: batch.values.length,
    values: encodeColumn(batch.values),
    timestamps: batch.timestamps === null ? null : toFloat64(batch.timestamps),
    keys: batch.keys === null ? null : encodeColumn(batch.keys),
    keyGroups: batch.keyGroups === null ? null : encodeKeyGroups(batch.keyGroups),
  };
}

export function decodeBatch(encoded: EncodedBatch): RecordBatch {
  return {
    values: decodeColumn(encoded.values),
    timestamps: encoded.timestamps === null ? null : toArray(encoded.timestamps),
    keys: encoded.keys === null ? null : decodeColumn(encoded.keys),
    keyGroups: encoded.keyGroups === null ? null : toArray(encoded.keyGroups),
  };
}

export function encodeColumns(batch: ColumnBatch): EncodedColumns {
  // A hash partitioner's per-consumer batch is used by nobody else: its buffers move as they are.
  const own = isHandedOver(batch);
  const columns: Record<string, Column> = {};
  for (const [name, col] of Object.entries(batch.columns)) columns[name] = ArrayBuffer.isView(col) ? movable(col as NumericColumn, own) : col;
  return {
    length: batch.length,
    columns,
    timestamps: batch.timestamps === null ? null : movable(batch.timestamps, own),
    keyColumn: batch.keyColumn,
    keyGroups: batch.keyGroups === null ? null : movable(batch.keyGroups, own),
  };
}

/** The array itself when it may be transferred (owned, spanning its whole buffer), else a compact copy. */
function movable<A extends NumericColumn>(col: A, own: boolean): A {
  return own && col.byteOffset === 0 && col.byteLength === col.buffer.byteLength ? col : col.slice() as A;
}

export function decodeColumns(encoded: EncodedColumns): ColumnBatch {
  return encoded;
}

/** The buffers to list as transferables when posting `encoded`. */
export function transferablesOf(encoded: EncodedBatch | EncodedColumns): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (x: unknown) => {
    if (ArrayBuffer.isView(x) && x.buffer instanceof ArrayBuffer && !out.includes(x.buffer)) out.push(x.buffer);
  };
  if ('values' in encoded) {
    add(encoded.values);
    add(encoded.keys);
  } else {
    for (const col of Object.values(encoded.columns)) add(col);
  }
  add(encoded.timestamps);
  add(encoded.keyGroups);
  return out;
}
