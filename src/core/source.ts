/**
 * Eddy's source contract, modelled on Flink's FLIP-27 `Source`: a source makes one reader per
 * parallel subtask; the runtime polls readers without blocking and awaits `isAvailable()` when
 * a reader has nothing ready. Reader state (an offset) is plain data so checkpoints can keep it.
 */
import type { Column } from './elements.ts';

export type Boundedness = 'BOUNDED' | 'CONTINUOUS_UNBOUNDED';

/** Named columns of equal length (typed arrays for numbers): records that need not become objects. */
export interface Columns {
  readonly length: number;
  readonly columns: Readonly<Record<string, Column>>;
}

export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /**
   * Set for a source with `splitCount`: the split this reader reads, to its end. Which subtask
   * gets which split is decided as they ask (see `Source.splitCount`).
   */
  readonly split?: number;
}

/** Records with their event timestamps (epoch ms), one for each: what `pollTimestamped` returns. */
export interface TimestampedRecords<T> {
  readonly values: T[];
  readonly timestamps: number[];
}

export interface SourceReader<T> {
  /** Up to `max` records that are ready now; an empty array when none are; null at the end of input. */
  pollNext(max: number): T[] | null;
  /**
   * Optional, for readers whose input carries event time (a Kafka record's timestamp): up to
   * `max` records with their timestamps, as Flink's `SourceOutput.collect(record, timestamp)`.
   * When present the runtime calls it instead of `pollNext`; a `WatermarkStrategy` without a
   * timestamp assigner then uses these timestamps.
   */
  pollTimestamped?(max: number): TimestampedRecords<T> | null;
  /**
   * Optional, for columnar readers: up to `max` rows as columns (length 0 when none are ready,
   * null at the end). When present the runtime calls it instead of `pollNext`.
   */
  pollColumns?(max: number): Columns | null;
  /** Resolves when `pollNext` may return records (or the end) again. */
  isAvailable(): Promise<void>;
  /** The reader's position, structured-clone safe, for checkpoint `checkpointId`. */
  snapshotState(checkpointId: number): unknown;
  /**
   * Optional (Flink's SourceReader is a CheckpointListener): the checkpoint that took
   * `snapshotState(checkpointId)` is durable. For effects outside the job that must follow a
   * checkpoint, such as committing a consumer group's offsets; a reader whose split has ended is
   * still told of the next checkpoint after it, and the source closes only once a promise it
   * returns then has settled. A failure (thrown, or the promise rejected) fails the job, as in
   * Flink: an effect whose failure does no harm (a commit for monitoring) should report it and
   * resolve.
   */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface Source<T> {
  readonly boundedness: Boundedness;
  /** The highest parallelism the source can be split into (1 for a single ordered input). */
  readonly maxParallelism?: number;
  /**
   * For sources read as columns (`pollColumns`): their names and kinds, so the planner can run
   * keyed aggregations over them in the WASM kernels.
   */
  readonly columns?: readonly { readonly name: string; readonly numeric: 'int' | 'float' | null }[];
  /**
   * Optional: the input is cut into this many splits. A subtask of a bounded source takes the
   * next unread split whenever it finishes one (Flink's split enumerator answering readers'
   * split requests), so a subtask on a faster or less loaded core reads more of the input.
   * `createReader` is then called once per split, with `context.split` set, and that reader ends
   * at the split's end. A subtask of an unbounded source (whose splits need not end, as Kafka's
   * partitions) takes splits up to its share, ⌈splitCount ÷ parallelism⌉, and reads them all at
   * once. Every worker builds the job itself, so the count must not depend on which worker asks.
   * Without it, subtask i reads the one part `createReader` gives it.
   */
  readonly splitCount?: number;
  createReader(context: SourceReaderContext, restoredState?: unknown): SourceReader<T>;
  /**
   * Optional, for a bounded source every worker holds whole (a job module builds it in each, from
   * the same data): a reader that reads its rows in morsels, each one `claims` gives it, whenever
   * it has read the last. Every subtask of the source claims from the same counters wherever it
   * runs (DuckDB's morsel-driven threads, Flink's split requests without the round trip), so a
   * subtask on a faster or less loaded core reads more of the input; each morsel is read by
   * exactly one subtask. The runtime uses it for a BATCH job spread over workers that share
   * memory; such a reader has no position to checkpoint (BATCH jobs take none) and its
   * `snapshotState` throws. Elsewhere `createReader` is used.
   */
  createMorselReader?(context: SourceReaderContext, claims: MorselClaims): SourceReader<T>;
}

/**
 * Hands out the morsels of one source, each once, to the readers that share it: a subtask's own
 * part of them first (subtask i of p: morsels ⌊count·i/p⌋ to ⌊count·(i+1)/p⌋, as fixed parts
 * would), in order, then, once that is read, the next unclaimed morsel of the other parts.
 */
export interface MorselClaims {
  /** The next morsel (of `count`, the same for every reader) for this reader; -1 once every one is claimed. */
  next(count: number): number;
}

export function isSource(value: unknown): value is Source<unknown> {
  return typeof value === 'object' && value !== null
    && typeof (value as Source<unknown>).createReader === 'function'
    && typeof (value as Source<unknown>).boundedness === 'string';
}

/** The slice [start, end) of `count` items that subtask `index` of `parallelism` reads. */
export function splitRange(count: number, index: number, parallelism: number): { start: number; end: number } {
  return {
    start: Math.floor((count * index) / parallelism),
    end: Math.floor((count * (index + 1)) / parallelism),
  };
}

export const ALWAYS_AVAILABLE: Promise<void> = Promise.resolve();
