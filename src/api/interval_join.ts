import { OutputTag } from '../core/functions.ts';
import { IntervalJoinDefinition } from '../core/join_functions.ts';
import type { ProcessJoinFunctionLike } from '../core/join_functions.ts';
import { requireMethods } from '../core/user_functions.ts';
import type { TypeInformation } from '../core/types.ts';
import { addOperator } from './data_stream.ts';
import type { DataStream } from './data_stream.ts';
import { keyedInput, keyedStreamState } from './keyed_stream.ts';
import type { KeyedStream } from './keyed_stream.ts';

const WHERE = 'intervalJoin(other)';

/**
 * `left.intervalJoin(right)` (Flink's KeyedStream.IntervalJoin): joins each left element with
 * the right elements of its key whose timestamps lie within bounds relative to its own, set by
 * `between(lowerMs, upperMs)`. Event time only, as in Flink.
 */
export class IntervalJoin<T1, T2, K> {
  readonly #left: KeyedStream<T1, K>;
  readonly #right: KeyedStream<T2, K>;
  #processingTime = false;

  constructor(left: KeyedStream<T1, K>, right: KeyedStream<T2, K>) {
    this.#left = left;
    this.#right = right;
  }

  /** The join runs in event time (the default). */
  inEventTime(): this {
    this.#processingTime = false;
    return this;
  }

  /** Refused by `between`, as Flink refuses it: an interval join needs the elements' timestamps. */
  inProcessingTime(): this {
    this.#processingTime = true;
    return this;
  }

  /** Joins right elements with timestamps in [left + lowerMs, left + upperMs] (both inclusive unless made exclusive). */
  between(lowerMs: number, upperMs: number): IntervalJoined<T1, T2, K> {
    if (this.#processingTime) throw new Error(`${WHERE}.between(...): time-bounded stream joins are only supported in event time (as in Flink). Fix: leave out inProcessingTime(), and give both inputs timestamps and watermarks`);
    for (const [name, bound] of [['lower', lowerMs], ['upper', upperMs]] as const) {
      if (typeof bound !== 'number' || !Number.isFinite(bound)) throw new TypeError(`${WHERE}.between(${String(lowerMs)}, ${String(upperMs)}): the ${name} bound must be a finite number of milliseconds, e.g. between(-5000, 5000)`);
    }
    if (lowerMs > upperMs) throw new Error(`${WHERE}.between(${lowerMs}, ${upperMs}): the lower bound is above the upper bound, so nothing could join. Fix: between(${upperMs}, ${lowerMs})`);
    return new IntervalJoined<T1, T2, K>(this.#left, this.#right, lowerMs, upperMs);
  }
}

/** An interval join with its bounds (Flink's KeyedStream.IntervalJoined): `process(fn)` adds it to the job. */
export class IntervalJoined<T1, T2, K> {
  readonly #left: KeyedStream<T1, K>;
  readonly #right: KeyedStream<T2, K>;
  readonly #lower: number;
  readonly #upper: number;
  #lowerInclusive = true;
  #upperInclusive = true;
  #leftLate: OutputTag<T1> | null = null;
  #rightLate: OutputTag<T2> | null = null;

  constructor(left: KeyedStream<T1, K>, right: KeyedStream<T2, K>, lower: number, upper: number) {
    this.#left = left;
    this.#right = right;
    this.#lower = lower;
    this.#upper = upper;
  }

  /** Right elements exactly at left + lowerMs are not joined. */
  lowerBoundExclusive(): this {
    this.#lowerInclusive = false;
    return this;
  }

  /** Right elements exactly at left + upperMs are not joined. */
  upperBoundExclusive(): this {
    this.#upperInclusive = false;
    return this;
  }

  /** Left elements that come behind the watermark go to this side output instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<T1>): this {
    this.#leftLate = checkedTag(tag, 'sideOutputLeftLateData');
    return this;
  }

  /** Right elements that come behind the watermark go to this side output instead of being dropped. */
  sideOutputRightLateData(tag: OutputTag<T2>): this {
    this.#rightLate = checkedTag(tag, 'sideOutputRightLateData');
    return this;
  }

  /** Calls `fn(left, right, ctx, out)` for each joined pair; what it collects carries the pair's larger timestamp. */
  process<O>(fn: ProcessJoinFunctionLike<T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    if (typeof fn !== 'function') requireMethods(fn, ['processElement'], `${WHERE}.process()`);
    const left = keyedStreamState(this.#left);
    const right = keyedStreamState(this.#right);
    if (left.stream.env !== right.stream.env) throw new Error(`${WHERE}: both streams must come from the same StreamExecutionEnvironment`);
    const definition = new IntervalJoinDefinition(
      fn,
      this.#lowerInclusive ? this.#lower : this.#lower + 1,
      this.#upperInclusive ? this.#upper : this.#upper - 1,
      this.#leftLate as OutputTag<unknown> | null,
      this.#rightLate as OutputTag<unknown> | null,
    );
    return addOperator<O>(left.stream.env, {
      kind: 'coProcess', name: 'Interval Join', keyed: true, outputType: outputType ?? null,
      functions: { fn: definition, keySelectors: [left.keyOf, right.keyOf] },
    }, [keyedInput(this.#left, 0), keyedInput(this.#right, 1)]);
  }
}

function checkedTag<T>(tag: OutputTag<T>, call: string): OutputTag<T> {
  if (!(tag instanceof OutputTag)) throw new TypeError(`${WHERE}...${call}(tag): tag must be an OutputTag, e.g. new OutputTag("late-left")`);
  return tag;
}
