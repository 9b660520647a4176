import type { Collector, Emitted, Lifecycle, OutputTag, TimeDomain, TimerService } from './functions.ts';
import { AbstractRichFunction } from './rich_functions.ts';
import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  ReducingState, ReducingStateDescriptor, StateDescriptor, ValueState, ValueStateDescriptor,
} from './state.ts';

/**
 * Broadcast state as `processElement` and `onTimer` see it (Flink's ReadOnlyBroadcastState): every
 * parallel instance holds its own copy, which only the broadcast side may change.
 */
export interface ReadOnlyBroadcastState<K, V> {
  /** The value under `key`, or null when there is none. */
  get(key: K): V | null;
  contains(key: K): boolean;
  /** Every entry, as frozen `[key, value]` pairs in insertion order. */
  immutableEntries(): Iterable<readonly [K, V]>;
}

/** Broadcast state as `processBroadcastElement` sees it (Flink's BroadcastState). Keys and values are plain data. */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]> | Map<K, V>): void;
  remove(key: K): void;
  clear(): void;
  /** Every entry, as `[key, value]` pairs in insertion order. */
  entries(): [K, V][];
  [Symbol.iterator](): Iterator<[K, V]>;
}

/** What both sides' contexts have (Flink's BaseBroadcastProcessFunction.BaseContext). */
export interface BroadcastBaseContext {
  /** The element's event timestamp, or null when it has none. */
  timestamp(): number | null;
  output<X>(tag: OutputTag<X>, value: X): void;
  currentProcessingTime(): number;
  currentWatermark(): number;
}

/** `processElement`'s context: the broadcast state, read-only (Flink's BroadcastProcessFunction.ReadOnlyContext). */
export interface BroadcastReadOnlyContext extends BroadcastBaseContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/** `processBroadcastElement`'s context: the broadcast state, read-write (Flink's BroadcastProcessFunction.Context). */
export interface BroadcastContext extends BroadcastBaseContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/** The keyed state a descriptor names, as `applyToKeyedState` hands it to the function. */
export type KeyedStateOf<D> =
  D extends ValueStateDescriptor<infer T> ? ValueState<T>
    : D extends ListStateDescriptor<infer T> ? ListState<T>
      : D extends MapStateDescriptor<infer K, infer V> ? MapState<K, V>
        : D extends ReducingStateDescriptor<infer T> ? ReducingState<T>
          : D extends AggregatingStateDescriptor<infer IN, infer _ACC, infer OUT> ? AggregatingState<IN, OUT>
            : never;

/** The keyed variant's `processElement` context: also the current key and its timers. */
export interface KeyedBroadcastReadOnlyContext<K> extends BroadcastReadOnlyContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

/** The keyed variant's `onTimer` context. */
export interface KeyedBroadcastOnTimerContext<K> extends KeyedBroadcastReadOnlyContext<K> {
  timeDomain(): TimeDomain;
}

/**
 * The keyed variant's `processBroadcastElement` context. There is no current key here: keyed
 * state is reached through `applyToKeyedState`, which visits every key of this subtask that has
 * a value in the named state.
 */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  applyToKeyedState<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: KeyedStateOf<D>) => void): void;
}

/**
 * Flink's BroadcastProcessFunction: `processElement` for the non-broadcast (non-keyed) input,
 * `processBroadcastElement` for every element of the broadcast input, in every parallel instance.
 */
export abstract class BroadcastProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): Emitted<OUT>;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): Emitted<OUT>;
}

/** Flink's KeyedBroadcastProcessFunction: the non-broadcast input is keyed, with keyed state and timers. */
export abstract class KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): Emitted<OUT>;
  abstract processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): Emitted<OUT>;
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): Emitted<OUT>;
}

/** Structural shapes `process` accepts (a class instance or a plain object). */
export type BroadcastProcessFunctionLike<IN1, IN2, OUT> = Lifecycle & {
  processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): Emitted<OUT>;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): Emitted<OUT>;
};
export type KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT> = Lifecycle & {
  processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): Emitted<OUT>;
  processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): Emitted<OUT>;
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): Emitted<OUT>;
};

/**
 * What the planner keeps beside a broadcast node: the user's function and the broadcast state
 * descriptors the broadcast stream was made with (the operator creates those states).
 */
export class BroadcastDefinition {
  readonly fn: unknown;
  readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[];
  constructor(fn: unknown, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    this.fn = fn;
    this.descriptors = descriptors;
  }
}
