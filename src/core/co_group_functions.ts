/**
 * The functions of Flink's window joins and co-groups (`a.join(b)` / `a.coGroup(b)` ...
 * `.window(assigner).apply(fn)`), called once per key and window.
 */
import type { Collector, Emitted, Lifecycle } from './functions.ts';
import { AbstractRichFunction } from './rich_functions.ts';

/** Gets both inputs' elements of one key and window (either list may be empty), in arrival order. */
export type CoGroupFunction<T1, T2, O> =
  | ((first: T1[], second: T2[], out: Collector<O>) => Emitted<O>)
  | (Lifecycle & { coGroup(first: T1[], second: T2[], out: Collector<O>): Emitted<O> });

/** Returns the joined record of one pair: every first-input element of a key and window with every second-input one. */
export type JoinFunction<T1, T2, O> =
  | ((first: T1, second: T2) => O)
  | (Lifecycle & { join(first: T1, second: T2): O });

/** Emits any number of records for one pair, with `out.collect` or as an iterable it returns (Flink's FlatJoinFunction). */
export abstract class FlatJoinFunction<T1, T2, O> extends AbstractRichFunction {
  abstract join(first: T1, second: T2, out: Collector<O>): Emitted<O>;
}
