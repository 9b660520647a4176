/**
 * Window functions, as Flink's: a ProcessWindowFunction sees the key, a context (the window, time,
 * per-window and per-key state, side outputs) and the window's elements; a WindowFunction the key,
 * the window and the elements. The *All* variants are for `windowAll`, which has no key.
 */
import type { Collector, Emitted, Lifecycle, OutputTag, RuntimeContext } from '../functions.ts';
import type { Window } from './windows.ts';

/** Keyed state of the current key, scoped to one window or to the key as a whole. */
export type WindowStateStore = Pick<RuntimeContext, 'getState' | 'getListState' | 'getMapState' | 'getReducingState' | 'getAggregatingState'>;

export interface ProcessAllWindowContext<W extends Window> {
  window(): W;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** State of this window only: cleared with the window (implement `clear` to clear it yourself). */
  windowState(): WindowStateStore;
  /** State of the key across its windows. */
  globalState(): WindowStateStore;
  output<X>(tag: OutputTag<X>, value: X): void;
}

export type ProcessWindowContext<W extends Window> = ProcessAllWindowContext<W>;

export abstract class ProcessWindowFunction<IN, OUT, KEY, W extends Window> {
  open?(context: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
  abstract process(key: KEY, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): Emitted<OUT>;
  /** The window is gone (its cleanup time passed): clear its window state. */
  clear?(context: ProcessWindowContext<W>): void;
}

export abstract class ProcessAllWindowFunction<IN, OUT, W extends Window> {
  open?(context: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
  abstract process(context: ProcessAllWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): Emitted<OUT>;
  clear?(context: ProcessAllWindowContext<W>): void;
}

export type ProcessWindowFunctionLike<IN, OUT, KEY, W extends Window> = Lifecycle & {
  process(key: KEY, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): Emitted<OUT>;
  clear?(context: ProcessWindowContext<W>): void;
};

export type ProcessAllWindowFunctionLike<IN, OUT, W extends Window> = Lifecycle & {
  process(context: ProcessAllWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): Emitted<OUT>;
  clear?(context: ProcessAllWindowContext<W>): void;
};

export type WindowFunction<IN, OUT, KEY, W extends Window> =
  | ((key: KEY, window: W, input: Iterable<IN>, out: Collector<OUT>) => Emitted<OUT>)
  | (Lifecycle & { apply(key: KEY, window: W, input: Iterable<IN>, out: Collector<OUT>): Emitted<OUT> });

export type AllWindowFunction<IN, OUT, W extends Window> =
  | ((window: W, input: Iterable<IN>, out: Collector<OUT>) => Emitted<OUT>)
  | (Lifecycle & { apply(window: W, input: Iterable<IN>, out: Collector<OUT>): Emitted<OUT> });
