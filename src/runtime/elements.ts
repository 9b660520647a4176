/**
 * What travels between operators, in-band: batches of records, watermarks and the end of input
 * (checkpoint barriers join this union later). Batches are columnar: parallel arrays.
 */
export interface RecordBatch {
  readonly values: unknown[];
  /** Event timestamps, one per value (NaN where a record has none), or null when none has one. */
  readonly timestamps: number[] | null;
  /** Set by a hash partitioner: each record's key and key group, so keyed operators need not recompute them. */
  readonly keys: unknown[] | null;
  readonly keyGroups: number[] | null;
}

export type StreamElement =
  | { readonly kind: 'batch'; readonly batch: RecordBatch }
  | { readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly kind: 'end' };

export const NO_TIMESTAMP = Number.NaN;

export function recordBatch(values: unknown[], timestamps: number[] | null = null): RecordBatch {
  return { values, timestamps, keys: null, keyGroups: null };
}
