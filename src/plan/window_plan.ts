/**
 * A window operator in the plan: plain data the planner reads (`WindowConfig`, in the graph) and
 * the user objects the runtime runs (`WindowDefinition`, beside the graph in NodeFunctions.fn).
 */
import type { AggregateFunction, ReduceFunction } from '../core/functions.ts';
import type { FieldRef } from '../core/fields.ts';
import type { AssignerDescription, WindowAssigner } from '../core/windowing/assigners.ts';
import type { Evictor } from '../core/windowing/evictors.ts';
import type { NumericAggregateName } from '../core/windowing/numeric_aggregate.ts';
import type { Trigger } from '../core/windowing/triggers.ts';
import type { Window } from '../core/windowing/windows.ts';
import type { BuiltInAggregation } from './graph.ts';

/** What a window does with its elements as they come: keep them, reduce them, or aggregate them. */
export type WindowContentsKind = 'list' | 'reduce' | 'aggregate';

/** The built-in functions the planner may run in the kernels. */
export type BuiltInWindowFunction =
  | { readonly kind: 'aggregation'; readonly aggregation: BuiltInAggregation; readonly field: FieldRef }
  | {
    readonly kind: 'numeric';
    /** Null: count of records (Aggregates.count()), reading no field. */
    readonly field: FieldRef | null;
    readonly aggregates: readonly NumericAggregateName[];
    readonly keyAndWindow: boolean;
    /** Aggregates.*: the result is the one aggregate's number, not a { count, sum, ... } row. */
    readonly scalar: boolean;
  };

export interface WindowConfig {
  /** Null for a user's own assigner. */
  readonly assigner: AssignerDescription | null;
  /** True when no trigger() was set: the assigner's default trigger fires. */
  readonly defaultTrigger: boolean;
  readonly evictor: boolean;
  readonly allowedLateness: number;
  /** The side output late elements go to (sideOutputLateData), or null: they are dropped. */
  readonly lateDataTag: string | null;
  readonly contents: WindowContentsKind;
  /** Set when the window's function is one the planner knows; null for user functions. */
  readonly builtIn: BuiltInWindowFunction | null;
  /** windowAll: one window operator over the whole stream, at parallelism 1. */
  readonly all: boolean;
}

/** How the window function is called: with the key (keyed) or without (windowAll). */
export type WindowFunctionCall =
  | { readonly kind: 'process'; readonly fn: unknown }
  | { readonly kind: 'apply'; readonly fn: unknown }
  | { readonly kind: 'passThrough' };

export interface WindowDefinition {
  readonly assigner: WindowAssigner<unknown, Window>;
  readonly trigger: Trigger<unknown, Window>;
  readonly evictor: Evictor<unknown, Window> | null;
  readonly allowedLateness: number;
  readonly lateDataTag: string | null;
  readonly contents:
    | { readonly kind: 'list' }
    | { readonly kind: 'reduce'; readonly fn: ReduceFunction<unknown> }
    | { readonly kind: 'aggregate'; readonly fn: AggregateFunction<unknown, unknown, unknown> };
  readonly windowFunction: WindowFunctionCall;
  readonly all: boolean;
}
