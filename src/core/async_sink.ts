import type { Lifecycle } from './functions.ts';
import { isTwoPhaseCommitSink } from './user_functions.ts';

/**
 * How an asynchronous sink batches its records and how many writes it keeps in flight (the
 * settings of Flink's AsyncSinkBase, with defaults for web APIs).
 */
export interface AsyncSinkOptions {
  /** The most records one `write` gets (default 500). */
  readonly maxBatchSize?: number;
  /**
   * The most writes in flight at once (default 4). When they all are and a whole batch waits
   * besides, the sink takes no input: its task stops, and the job's backpressure holds the
   * sources back until a write completes.
   */
  readonly maxInFlightRequests?: number;
  /** A batch that is not full is written once its oldest record has waited this long, in ms (default 100). */
  readonly maxTimeInBufferMs?: number;
  /** A write that has not settled after this long, in ms, fails the job (default 60,000; 0: no limit). */
  readonly requestTimeoutMs?: number;
}

export const ASYNC_SINK_DEFAULTS: Required<AsyncSinkOptions> = {
  maxBatchSize: 500,
  maxInFlightRequests: 4,
  maxTimeInBufferMs: 100,
  requestTimeoutMs: 60_000,
};

/**
 * Eddy's asynchronous, batched sink (Flink's AsyncSinkBase / AsyncSinkWriter): `write` gets a
 * batch of records and returns a promise that settles once the batch is acknowledged (sent,
 * stored, posted). It is the one place where a job awaits: every other user function is
 * synchronous. Read with `stream.sinkTo(sink)`.
 *
 * At-least-once with checkpoints: the records of writes not yet acknowledged when a checkpoint
 * is taken, and those waiting for a write, are kept in the checkpoint and written again after a
 * restore from it. A write that rejects (or does not settle within `requestTimeoutMs`) fails the
 * job, naming the sink and the cause; the job's restart strategy applies.
 *
 * Fields of a sink object are copied per parallel subtask and per restart (a shallow copy, as
 * Flink deserializes a sink anew), so keep connections in fields set by `open()`, and use plain
 * fields, not `#private` ones, which do not survive the copy.
 */
export interface AsyncSink<T> extends Lifecycle {
  write(batch: T[]): Promise<void>;
  readonly asyncSinkOptions?: AsyncSinkOptions;
}

/** An object with `write(batch)` that is not a two-phase-commit sink (those have prepareCommit and commit too). */
export function isAsyncSink(fn: unknown): fn is AsyncSink<unknown> {
  return typeof fn === 'object' && fn !== null && typeof (fn as { write?: unknown }).write === 'function'
    && !isTwoPhaseCommitSink(fn) && typeof (fn as { invoke?: unknown }).invoke !== 'function';
}

/** The sink's options with defaults filled in, each checked: a bad one is refused when the job is built. */
export function asyncSinkSettings(sink: AsyncSink<unknown>, where: string): Required<AsyncSinkOptions> {
  const given = sink.asyncSinkOptions ?? {};
  const settings = { ...ASYNC_SINK_DEFAULTS, ...given };
  const whole = (name: keyof AsyncSinkOptions, min: number) => {
    const v = settings[name];
    if (!Number.isSafeInteger(v) || v < min) {
      throw new RangeError(`${where}: asyncSinkOptions.${name} must be a whole number >= ${min}, got ${String(v)}; leave it out for the default, ${ASYNC_SINK_DEFAULTS[name]}`);
    }
  };
  whole('maxBatchSize', 1);
  whole('maxInFlightRequests', 1);
  whole('maxTimeInBufferMs', 0);
  whole('requestTimeoutMs', 0);
  return settings;
}
