import type { Lifecycle } from './functions.ts';

/** Where an async function puts the results of one input (Flink's ResultFuture); only the first call counts. */
export interface ResultFuture<OUT> {
  /** The input's results: any iterable, empty to emit nothing. */
  complete(results: Iterable<OUT>): void;
  /** The call failed: the job fails, naming the operator and the input. */
  completeExceptionally(error: unknown): void;
}

/**
 * Flink's AsyncFunction, for `AsyncDataStream.orderedWait` / `unorderedWait`: `asyncInvoke`
 * starts a call (a `fetch()`) and completes the result future when it answers. It may also be
 * an `async` method: its rejection fails the input. `timeout` is called when the input's time
 * is up; without it, a timeout fails the job, as Flink's default `timeout` does.
 */
export interface AsyncFunction<IN, OUT> extends Lifecycle {
  asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<void>;
  timeout?(input: IN, resultFuture: ResultFuture<OUT>): void;
}

/** An AsyncFunction, or a plain function whose promise resolves to the input's results. */
export type AsyncFunctionLike<IN, OUT> = AsyncFunction<IN, OUT> | ((input: IN) => Promise<Iterable<OUT>>);
