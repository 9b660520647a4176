/**
 * Flink's interval join (`keyed.intervalJoin(other).between(lower, upper).process(fn)`): the
 * function it calls for each joined pair, and what the planner keeps beside the join's node.
 */
import type { Collector, Emitted, Lifecycle, OutputTag } from './functions.ts';
import { AbstractRichFunction } from './rich_functions.ts';

/** What a ProcessJoinFunction sees of the pair it is called for (Flink's ProcessJoinFunction.Context). */
export interface ProcessJoinContext {
  /** The left element's timestamp. */
  getLeftTimestamp(): number;
  /** The right element's timestamp. */
  getRightTimestamp(): number;
  /** The pair's timestamp, the larger of the two: what records collected now carry. */
  getTimestamp(): number;
  /** Emits to a side output, with the pair's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Called once for each left and right element of one key whose timestamps lie within the join's bounds. */
export abstract class ProcessJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>): Emitted<OUT>;
}

/** A ProcessJoinFunction, an object of its shape, or a plain function of the same arguments. */
export type ProcessJoinFunctionLike<IN1, IN2, OUT> =
  | ((left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>) => Emitted<OUT>)
  | (Lifecycle & { processElement(left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>): Emitted<OUT> });

/**
 * An interval join as planned: the user's function, the bounds (inclusive, in milliseconds,
 * relative to the left element's timestamp: exclusive ones are moved in by one, as Flink's
 * IntervalJoinOperator does) and the side outputs for late elements of each input.
 */
export class IntervalJoinDefinition {
  readonly fn: unknown;
  readonly lowerBound: number;
  readonly upperBound: number;
  readonly leftLateTag: OutputTag<unknown> | null;
  readonly rightLateTag: OutputTag<unknown> | null;
  constructor(fn: unknown, lowerBound: number, upperBound: number, leftLateTag: OutputTag<unknown> | null, rightLateTag: OutputTag<unknown> | null) {
    this.fn = fn;
    this.lowerBound = lowerBound;
    this.upperBound = upperBound;
    this.leftLateTag = leftLateTag;
    this.rightLateTag = rightLateTag;
  }
}
