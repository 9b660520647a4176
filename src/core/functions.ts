import type { Accumulator, DoubleCounter, Histogram, IntCounter, LongCounter } from './accumulators.ts';
import type { MetricGroup } from './metric_group.ts';
import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  OperatorStateStore, ReducingState, ReducingStateDescriptor, ValueState, ValueStateDescriptor,
} from './state.ts';
import type { TypeInformation } from './types.ts';
import { AbstractRichFunction } from './rich_functions.ts';

/** Handed to `open()`: where the function runs, and its keyed state. */
export interface RuntimeContext {
  getTaskName(): string;
  /** The operator uid: stable across runs, it addresses this operator's state. */
  getOperatorUid(): string;
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** Registers an accumulator under a name new in this subtask; the job's result merges every subtask's. */
  addAccumulator<IN, V>(name: string, accumulator: Accumulator<IN, V>): void;
  /** This subtask's accumulator of that name, or null. */
  getAccumulator<IN, V>(name: string): Accumulator<IN, V> | null;
  /** The IntCounter of that name, made at first use (an error if the name holds another kind). */
  getIntCounter(name: string): IntCounter;
  getLongCounter(name: string): LongCounter;
  getDoubleCounter(name: string): DoubleCounter;
  getHistogram(name: string): Histogram;
  /** This operator subtask's metric group: counters, gauges and meters shown with its metrics. */
  getMetricGroup(): MetricGroup;
}

/** Optional lifecycle of every function object (Flink's RichFunction). */
export interface Lifecycle {
  open?(context: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** A function object that is told when a checkpoint is durable, or given up (Flink's CheckpointListener). */
export interface CheckpointListener {
  notifyCheckpointComplete(checkpointId: number): void;
  notifyCheckpointAborted?(checkpointId: number): void;
}

/** What `CheckpointedFunction.initializeState` is given (Flink's FunctionInitializationContext). */
export interface FunctionInitializationContext {
  /** Whether this run restores state from a checkpoint or savepoint. */
  isRestored(): boolean;
  /** Non-keyed list state, this subtask's share of it restored. */
  getOperatorStateStore(): OperatorStateStore;
}

/** What `CheckpointedFunction.snapshotState` is given (Flink's FunctionSnapshotContext). */
export interface FunctionSnapshotContext {
  getCheckpointId(): number;
}

/**
 * A function object with non-keyed state of its own (Flink's CheckpointedFunction): a buffering
 * sink's pending records, a source's own position. `initializeState` runs before `open`, restoring
 * its lists; `snapshotState` writes them at each checkpoint.
 */
export interface CheckpointedFunction {
  initializeState(context: FunctionInitializationContext): void;
  snapshotState(context: FunctionSnapshotContext): void;
}

export interface Collector<T> {
  collect(value: T): void;
}

/** Names a side output; `getSideOutput(tag)` reads it. Tags are equal when their ids are. */
export class OutputTag<T> {
  readonly id: string;
  readonly type: TypeInformation<T> | undefined;
  constructor(id: string, type?: TypeInformation<T>) {
    if (typeof id !== 'string' || id.length === 0) throw new Error('OutputTag needs a non-empty id');
    this.id = id;
    this.type = type;
  }
}

export type TimeDomain = 'EVENT_TIME' | 'PROCESSING_TIME';

export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(timestamp: number): void;
  registerProcessingTimeTimer(timestamp: number): void;
  deleteEventTimeTimer(timestamp: number): void;
  deleteProcessingTimeTimer(timestamp: number): void;
}

export interface ProcessContext {
  /** The element's event timestamp, or null when it has none. */
  timestamp(): number | null;
  timerService(): TimerService;
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
}

export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): TimeDomain;
}

/** What a function may return to emit records: nothing, or any iterable (array, generator). */
export type Emitted<O> = Iterable<O> | void | undefined | null;

export type MapFunction<I, O> = ((value: I) => O) | (Lifecycle & { map(value: I): O });
export type FlatMapFunction<I, O> =
  | ((value: I, out: Collector<O>) => Emitted<O>)
  | (Lifecycle & { flatMap(value: I, out: Collector<O>): Emitted<O> });
export type FilterFunction<I> = ((value: I) => boolean) | (Lifecycle & { filter(value: I): boolean });
export type ReduceFunction<T> = ((a: T, b: T) => T) | (Lifecycle & { reduce(a: T, b: T): T });
export type KeySelector<T, K> = ((value: T) => K) | { getKey(value: T): K };
/** partitionCustom's choice of the next operator's subtask for a key: an integer from 0 to numPartitions - 1. */
export type Partitioner<K> = ((key: K, numPartitions: number) => number) | { partition(key: K, numPartitions: number): number };

export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge?(a: ACC, b: ACC): ACC;
}

export interface CoMapFunction<I1, I2, O> extends Lifecycle {
  map1(value: I1): O;
  map2(value: I2): O;
}

export interface CoFlatMapFunction<I1, I2, O> extends Lifecycle {
  flatMap1(value: I1, out: Collector<O>): Emitted<O>;
  flatMap2(value: I2, out: Collector<O>): Emitted<O>;
}

export interface SinkContext {
  timestamp(): number | null;
  currentWatermark(): number;
  currentProcessingTime(): number;
}

/**
 * A sink takes records one by one; an object sink may also take whole column batches
 * (`invokeColumns`), so columnar results reach it without becoming records. The columns are lent
 * for the call: the job may write the next batch into the same memory once it returns, so a
 * sink that keeps values copies them (`cols.value.slice()`).
 */
export type SinkFunction<T> =
  | ((value: T, context: SinkContext) => void)
  | (Lifecycle & { invoke(value: T, context: SinkContext): void; invokeColumns?(columns: Readonly<Record<string, ArrayLike<unknown>>>, length: number): void })
  | TwoPhaseCommitSink<T, unknown>;

/**
 * An exactly-once sink (Flink's two-phase-commit sink: a writer and a committer). Records are
 * written as they come, but become visible only through committables: at each checkpoint the
 * sink pre-commits what it wrote since the last (`prepareCommit`), the committables are kept in
 * the checkpoint, and they are committed once the checkpoint is durable, or after a restore
 * from it. `commit` must therefore be idempotent: committing one committable twice changes
 * nothing. At the end of a bounded input the last committables are committed at once.
 */
export interface TwoPhaseCommitSink<T, C> extends Lifecycle {
  write(value: T, context: SinkContext): void;
  /** Flushes what was written since the last call and returns what makes it visible (plain data). */
  prepareCommit(checkpointId: number): C[];
  /** Makes committables visible; called again with the same ones after a restore. */
  commit(committables: C[]): void;
  /**
   * Called once open, before any write: throws away what an earlier run wrote and never
   * pre-committed (Flink's writer recovery). `committed` are the committables of the checkpoint
   * this run restored, empty when it starts without one; `restoredCheckpointId` is that
   * checkpoint's id (null without one): every later checkpoint of the job takes a higher id,
   * including the next run's after a restart.
   */
  recover?(committed: C[], restoredCheckpointId: number | null): void;
}

/**
 * Process functions, as in Flink: extend the class (or pass any object of the same shape); as
 * rich functions, they have getRuntimeContext().
 * Emit with `out.collect(v)`, or return an iterable as PyFlink's generators do.
 */
export abstract class ProcessFunction<I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: ProcessContext, out: Collector<O>): Emitted<O>;
}

export abstract class KeyedProcessFunction<K, I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): Emitted<O>;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): Emitted<O>;
}

export abstract class CoProcessFunction<I1, I2, O> extends AbstractRichFunction {
  abstract processElement1(value: I1, ctx: ProcessContext, out: Collector<O>): Emitted<O>;
  abstract processElement2(value: I2, ctx: ProcessContext, out: Collector<O>): Emitted<O>;
}

export abstract class KeyedCoProcessFunction<K, I1, I2, O> extends AbstractRichFunction {
  abstract processElement1(value: I1, ctx: KeyedProcessContext<K>, out: Collector<O>): Emitted<O>;
  abstract processElement2(value: I2, ctx: KeyedProcessContext<K>, out: Collector<O>): Emitted<O>;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): Emitted<O>;
}

/** Structural shapes the runtime accepts (a class instance or a plain object). */
export type ProcessFunctionLike<I, O> = Lifecycle & {
  processElement(value: I, ctx: ProcessContext, out: Collector<O>): Emitted<O>;
};
export type KeyedProcessFunctionLike<K, I, O> = Lifecycle & {
  processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): Emitted<O>;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): Emitted<O>;
};
export type CoProcessFunctionLike<I1, I2, O> = Lifecycle & {
  processElement1(value: I1, ctx: ProcessContext, out: Collector<O>): Emitted<O>;
  processElement2(value: I2, ctx: ProcessContext, out: Collector<O>): Emitted<O>;
};
export type KeyedCoProcessFunctionLike<K, I1, I2, O> = Lifecycle & {
  processElement1(value: I1, ctx: KeyedProcessContext<K>, out: Collector<O>): Emitted<O>;
  processElement2(value: I2, ctx: KeyedProcessContext<K>, out: Collector<O>): Emitted<O>;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): Emitted<O>;
};
