import type { RecordBatch } from '../../core/elements.ts';
import type { Collector, Emitted, OutputTag } from '../../core/functions.ts';
import { OutputTag as Tag } from '../../core/functions.ts';
import type { IntervalJoinDefinition, ProcessJoinContext } from '../../core/join_functions.ts';
import { MapStateDescriptor } from '../../core/state.ts';
import type { MapState } from '../../core/state.ts';
import { emitReturned, instanceForSubtask, promiseReturned, requireMethods } from '../../core/user_functions.ts';
import type { OperatorContext, StateInitializationContext } from '../operator.ts';
import type { InternalTimerService } from '../timers.ts';
import { FunctionOperator } from './function_operator.ts';

type JoinFn = (left: unknown, right: unknown, ctx: ProcessJoinContext, out: Collector<unknown>) => Emitted<unknown>;

/** Each side's elements by timestamp, as Flink's IntervalJoinOperator keeps them. */
const LEFT_BUFFER = new MapStateDescriptor<number, unknown[]>('LEFT_BUFFER');
const RIGHT_BUFFER = new MapStateDescriptor<number, unknown[]>('RIGHT_BUFFER');
const CLEANUP_TIMERS = 'CLEANUP_TIMER';

/**
 * `keyed.intervalJoin(other).between(lower, upper).process(fn)` (Flink's IntervalJoinOperator):
 * each element is kept in its side's buffer and joined with the other side's buffered elements
 * of its key whose timestamps lie within the bounds; each pair carries the larger timestamp. An
 * element behind the watermark is late: dropped, or sent to its side's late-data output. A
 * cleanup timer per element's timestamp drops it once no element to come can join it.
 */
export class IntervalJoinOperator extends FunctionOperator {
  readonly #join: JoinFn;
  readonly #lower: number;
  readonly #upper: number;
  readonly #lateTags: readonly [OutputTag<unknown> | null, OutputTag<unknown> | null];
  readonly #pair: PairContext;
  #buffers!: readonly [MapState<number, unknown[]>, MapState<number, unknown[]>];
  #cleanup!: InternalTimerService;

  constructor(ctx: OperatorContext) {
    const def = ctx.functions.fn as IntervalJoinDefinition;
    super({ ...ctx, functions: { ...ctx.functions, fn: instanceForSubtask(def.fn, ctx.subtaskIndex) } });
    const fn = this.fn;
    if (typeof fn !== 'function') requireMethods(fn, ['processElement'], `intervalJoin(...).process() on "${ctx.node.name}"`);
    this.#join = typeof fn === 'function' ? (fn as JoinFn) : (fn as { processElement: JoinFn }).processElement.bind(fn);
    this.#lower = def.lowerBound;
    this.#upper = def.upperBound;
    this.#lateTags = [def.leftLateTag, def.rightLateTag];
    this.#pair = new PairContext((tag, value, timestamp) => this.out.side(tag, value, timestamp));
  }

  override initializeState(context: StateInitializationContext): void | Promise<void> {
    const done = super.initializeState(context);
    const backend = this.keyedStateBackend!;
    this.#buffers = [backend.getMapState(LEFT_BUFFER), backend.getMapState(RIGHT_BUFFER)];
    this.#cleanup = this.timeServiceManager!.getInternalTimerService(CLEANUP_TIMERS, {
      onEventTime: (timer) => this.#clean(timer.timestamp),
      onProcessingTime: () => {},
    });
    return done;
  }

  processBatch(input: number, batch: RecordBatch): void {
    const { values, timestamps } = batch;
    const left = input === 0;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const timestamp = timestamps === null ? Number.NaN : timestamps[i];
        if (timestamp !== timestamp) {
          throw new Error(`a record of its ${left ? 'left' : 'right'} input has no timestamp, and an interval join runs in event time. Fix: give that input timestamps (assignTimestampsAndWatermarks(WatermarkStrategy...) or a source whose records carry them)`);
        }
        this.setKey(batch, i);
        this.#element(values[i], timestamp, left);
      }
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
  }

  /** Buffers one element and joins it with the other side's (relative bounds: the other side's timestamp minus this one's). */
  #element(value: unknown, timestamp: number, left: boolean): void {
    if (timestamp < this.currentWatermark) {
      const tag = this.#lateTags[left ? 0 : 1];
      if (tag !== null) this.out.side(tag.id, value, timestamp);
      return;
    }
    const [ours, theirs] = left ? this.#buffers : [this.#buffers[1], this.#buffers[0]];
    const bucket = ours.get(timestamp);
    if (bucket === null) ours.put(timestamp, [value]);
    else {
      bucket.push(value);
      ours.put(timestamp, bucket);
    }
    const lower = left ? this.#lower : -this.#upper;
    const upper = left ? this.#upper : -this.#lower;
    // Pairs come in the order of the other side's timestamps (Flink's follows its hash map's).
    const from = timestamp + lower;
    const to = timestamp + upper;
    const matching: number[] = [];
    for (const other of theirs.keys()) if (other >= from && other <= to) matching.push(other);
    if (matching.length > 1) matching.sort((a, b) => a - b);
    for (const other of matching) {
      for (const element of theirs.get(other)!) {
        if (left) this.#emit(value, element, timestamp, other);
        else this.#emit(element, value, other, timestamp);
      }
    }
    this.#cleanup.registerEventTimeTimer(null, upper > 0 ? timestamp + upper : timestamp);
  }

  #emit(left: unknown, right: unknown, leftTimestamp: number, rightTimestamp: number): void {
    const pair = this.#pair;
    pair.left = leftTimestamp;
    pair.right = rightTimestamp;
    const p = this.pctx;
    p.ts = p.outTs = Math.max(leftTimestamp, rightTimestamp);
    const returned = this.#join.call(this.fn, left, right, pair, p.collector);
    if (returned instanceof Promise) throw promiseReturned('the ProcessJoinFunction');
    emitReturned(returned, p.collector);
  }

  /**
   * A cleanup timer at t is due for the left bucket whose elements stop joining at t and the right
   * bucket likewise (each side's cleanup time is a one-to-one function of its timestamp), so one
   * timer, without a namespace, clears both.
   */
  #clean(time: number): void {
    this.#buffers[0].remove(this.#upper <= 0 ? time : time - this.#upper);
    this.#buffers[1].remove(this.#lower <= 0 ? time + this.#lower : time);
  }
}

/** The `ctx` a ProcessJoinFunction gets: one per operator subtask, updated per pair. */
class PairContext implements ProcessJoinContext {
  left = Number.NaN;
  right = Number.NaN;
  readonly #side: (tag: string, value: unknown, timestamp: number) => void;

  constructor(side: (tag: string, value: unknown, timestamp: number) => void) {
    this.#side = side;
  }

  getLeftTimestamp(): number {
    return this.left;
  }

  getRightTimestamp(): number {
    return this.right;
  }

  getTimestamp(): number {
    return Math.max(this.left, this.right);
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    if (!(tag instanceof Tag)) throw new TypeError('ctx.output(tag, value): tag must be an OutputTag, e.g. new OutputTag("unmatched")');
    this.#side(tag.id, value, this.getTimestamp());
  }
}
