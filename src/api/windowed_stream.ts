/**
 * Flink's WindowedStream (`keyBy(...).window(assigner)`) and AllWindowedStream
 * (`windowAll(assigner)`): set the trigger, evictor, allowed lateness and late-data side output,
 * then name the window function. The operator is added when the function is given.
 */
import type { AggregateFunction, ReduceFunction } from '../core/functions.ts';
import { OutputTag } from '../core/functions.ts';
import type { FieldRef } from '../core/fields.ts';
import type { TypeInformation, TypeSpec } from '../core/types.ts';
import { reduceFunctionOf, requireMethods } from '../core/user_functions.ts';
import { GlobalWindows, MergingWindowAssigner } from '../core/windowing/assigners.ts';
import type { WindowAssigner } from '../core/windowing/assigners.ts';
import { asEvictor, CountEvictor } from '../core/windowing/evictors.ts';
import type { Evictor } from '../core/windowing/evictors.ts';
import { NamedAggregate } from '../core/windowing/aggregates.ts';
import { KeyAndWindow, NumericAggregate } from '../core/windowing/numeric_aggregate.ts';
import type {
  AllWindowFunction, ProcessAllWindowFunctionLike, ProcessWindowFunctionLike, WindowFunction,
} from '../core/windowing/functions.ts';
import { asTrigger, CountTrigger, PurgingTrigger } from '../core/windowing/triggers.ts';
import type { Trigger, TriggerLike } from '../core/windowing/triggers.ts';
import type { GlobalWindow, Window } from '../core/windowing/windows.ts';
import type { BuiltInAggregation } from '../plan/graph.ts';
import type { BuiltInWindowFunction, WindowConfig, WindowDefinition, WindowFunctionCall } from '../plan/window_plan.ts';
import { aggregationReducer } from '../runtime/aggregations.ts';
import { addOperator, typeOf } from './data_stream.ts';
import type { DataStream, OperatorInput, StreamState } from './data_stream.ts';
import type { KeyFunction } from '../plan/job.ts';
import { keyedInput, keyedStreamState } from './keyed_stream.ts';
import { NamedReducer } from './window_reducers.ts';
import type { KeyedStream } from './keyed_stream.ts';

/** Where a windowed stream's records come from: its input, how it is keyed, and whether it is windowAll. */
export interface WindowInput {
  readonly stream: StreamState;
  readonly input: OperatorInput;
  readonly keyOf: KeyFunction;
  readonly all: boolean;
}

type Contents = WindowDefinition['contents'];

/** What both windowed streams share: the window's settings, and how they become an operator. */
class WindowSettings {
  readonly input: WindowInput;
  readonly assigner: WindowAssigner<unknown, Window>;
  trigger: Trigger<unknown, Window> | null = null;
  evictor: Evictor<unknown, Window> | null = null;
  allowedLateness = 0;
  lateDataTag: string | null = null;

  constructor(input: WindowInput, assigner: unknown) {
    if (!(assigner instanceof Object) || typeof (assigner as WindowAssigner<unknown, Window>).assignWindows !== 'function') {
      throw new TypeError(`${input.all ? 'windowAll' : 'window'}(assigner): expected a WindowAssigner, e.g. TumblingEventTimeWindows.of(Time.minutes(1))`);
    }
    this.input = input;
    this.assigner = assigner as WindowAssigner<unknown, Window>;
  }

  get merging(): boolean {
    return this.assigner instanceof MergingWindowAssigner;
  }

  setTrigger(trigger: unknown): void {
    const t = asTrigger<unknown, Window>(trigger, 'trigger(trigger)');
    if (this.merging && !t.canMerge()) throw new Error('trigger(trigger): A merging window assigner cannot be used with a trigger that does not support merging. Fix: give the trigger canMerge() returning true and an onMerge(window, ctx)');
    this.trigger = t;
  }

  setAllowedLateness(ms: number): void {
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
      throw new Error(`allowedLateness(${String(ms)}): The allowed lateness cannot be negative; it is a whole number of milliseconds >= 0. Fix: allowedLateness(Time.seconds(10))`);
    }
    this.allowedLateness = ms;
  }

  setLateDataTag(tag: unknown): void {
    if (!(tag instanceof OutputTag)) throw new TypeError('sideOutputLateData(tag): expected an OutputTag, e.g. new OutputTag("late-data"); read it with getSideOutput(tag) on the window\'s result');
    this.lateDataTag = tag.id;
  }

  reduceContents(fn: unknown, where: string): Contents {
    reduceFunctionOf(fn, where);
    const f = fn as { open?: unknown; close?: unknown };
    if (typeof fn === 'object' && fn !== null && (typeof f.open === 'function' || typeof f.close === 'function')) {
      throw new Error(`${where}: ReduceFunction of reduce can not be a RichFunction (it has open/close). Fix: pass a plain reduce function, and put open/close on a window function: reduce(fn, windowFunction)`);
    }
    return { kind: 'reduce', fn: fn as ReduceFunction<unknown> };
  }

  aggregateContents(fn: unknown, where: string): Contents {
    requireMethods(fn, ['createAccumulator', 'add', 'getResult'], where);
    if (this.merging && typeof (fn as { merge?: unknown }).merge !== 'function') {
      throw new Error(`${where}: merging (session) windows merge accumulators, and this AggregateFunction has no merge(a, b). Fix: implement merge`);
    }
    return { kind: 'aggregate', fn: fn as AggregateFunction<unknown, unknown, unknown> };
  }

  /** A window function given to reduce/aggregate/process/apply: an object with process(...), or a function / object with apply(...). */
  windowFunction(fn: unknown, where: string): WindowFunctionCall {
    if (fn === undefined || fn === null) return { kind: 'passThrough' };
    if (typeof fn === 'object' && typeof (fn as { process?: unknown }).process === 'function') {
      if (this.input.all && fn instanceof KeyAndWindow) throw new Error(`${where}: KeyAndWindow needs a key, and windowAll has none. Fix: key the stream and use window(), or pass your own ProcessAllWindowFunction`);
      return { kind: 'process', fn };
    }
    if (typeof fn === 'function' || (typeof fn === 'object' && typeof (fn as { apply?: unknown }).apply === 'function')) return { kind: 'apply', fn };
    throw new TypeError(`${where}: the window function is an object with process(${this.input.all ? '' : 'key, '}context, elements, out), or a function / object with apply(${this.input.all ? '' : 'key, '}window, elements, out)`);
  }

  /** Adds the window operator. */
  build<O>(contents: Contents, call: WindowFunctionCall, fnName: string, outputType: TypeSpec | null, builtIn: BuiltInWindowFunction | null): DataStream<O> {
    const trigger = this.trigger ?? this.assigner.getDefaultTrigger();
    const def: WindowDefinition = {
      assigner: this.assigner, trigger, evictor: this.evictor, allowedLateness: this.allowedLateness,
      lateDataTag: this.lateDataTag, contents, windowFunction: call, all: this.input.all,
    };
    const config: WindowConfig = {
      assigner: this.assigner.describe(), defaultTrigger: this.trigger === null, evictor: this.evictor !== null,
      allowedLateness: this.allowedLateness, lateDataTag: this.lateDataTag, contents: contents.kind,
      builtIn: this.trigger === null && this.evictor === null ? builtIn : null, all: this.input.all,
    };
    const name = `${this.input.all ? 'AllWindow' : 'Window'}(${describe(this.assigner)}, ${describe(trigger)}${this.evictor === null ? '' : `, ${describe(this.evictor)}`}, ${fnName})`;
    return addOperator<O>(this.input.stream.env, {
      kind: 'window', name, keyed: true, config: { kind: 'window', window: config }, outputType,
      functions: { fn: def, keySelectors: [this.input.keyOf] }, parallelism: this.input.all ? 1 : null,
    }, [this.input.input]);
  }

  aggregation<T>(aggregation: BuiltInAggregation, field: FieldRef): DataStream<T> {
    if (typeof field !== 'number' && typeof field !== 'string') throw new TypeError(`${aggregation}(field): a field is a tuple position (number) or an object property (string)`);
    const reducer = aggregationReducer(aggregation, field);
    return this.build<T>({ kind: 'reduce', fn: (a: unknown, b: unknown) => reducer(a, b) }, { kind: 'passThrough' }, `${aggregation}(${JSON.stringify(field)})`,
      typeOf(this.input.stream), { kind: 'aggregation', aggregation, field });
  }

  /** A reduce; Reducers.* without a window function is the same window as sum(field) ... maxBy(field). */
  reduce<O>(fn: unknown, windowFn: unknown, outputType: TypeSpec | undefined): DataStream<O> {
    const contents = this.reduceContents(fn, 'reduce(fn)');
    const call = this.windowFunction(windowFn, 'reduce(fn, windowFunction)');
    const builtIn: BuiltInWindowFunction | null = fn instanceof NamedReducer && call.kind === 'passThrough' ? { kind: 'aggregation', aggregation: fn.aggregation, field: fn.field } : null;
    return this.build<O>(contents, call, call.kind === 'passThrough' ? (builtIn === null ? 'reduce' : String(fn)) : `reduce, ${call.kind}`, outputType ?? (call.kind === 'passThrough' ? typeOf(this.input.stream) : null), builtIn);
  }

  aggregate<O>(fn: unknown, windowFn: unknown, outputType: TypeSpec | null, where: string): DataStream<O> {
    const contents = this.aggregateContents(fn, where);
    const call = this.windowFunction(windowFn, where);
    const plain = call.kind === 'passThrough' || (call.kind === 'process' && call.fn instanceof KeyAndWindow);
    let builtIn: BuiltInWindowFunction | null = null;
    if (plain && fn instanceof NumericAggregate) builtIn = { kind: 'numeric', field: fn.field, aggregates: fn.aggregates, keyAndWindow: call.kind === 'process', scalar: false };
    if (plain && fn instanceof NamedAggregate) builtIn = { kind: 'numeric', field: fn.field, aggregates: [fn.aggregate], keyAndWindow: call.kind === 'process', scalar: true };
    return this.build<O>(contents, call, call.kind === 'passThrough' ? 'aggregate' : `aggregate, ${call.kind}`, outputType, builtIn);
  }
}

function describe(part: unknown): string {
  const p = part as { toString?: () => string; constructor?: { name?: string } };
  if (typeof p.toString === 'function' && p.toString !== Object.prototype.toString) return p.toString();
  return p.constructor?.name !== undefined && p.constructor.name !== 'Object' ? p.constructor.name : 'user';
}

let makeWindowed: <T, K, W extends Window>(w: WindowSettings) => WindowedStream<T, K, W>;
let makeAllWindowed: <T, W extends Window>(w: WindowSettings) => AllWindowedStream<T, W>;

/** `keyBy(...).window(assigner)`: each key's windows apart. */
export class WindowedStream<T, K, W extends Window> {
  readonly #w: WindowSettings;

  private constructor(w: WindowSettings) {
    this.#w = w;
  }

  static {
    makeWindowed = <X, Y, Z extends Window>(w: WindowSettings) => new WindowedStream<X, Y, Z>(w);
  }

  /** Replaces the assigner's default trigger (a Trigger, or an object with its methods). */
  trigger(trigger: TriggerLike<T, W>): this {
    this.#w.setTrigger(trigger);
    return this;
  }

  /** Removes elements before and/or after the window function runs (the window then keeps every element). */
  evictor(evictor: Evictor<T, W>): this {
    this.#w.evictor = asEvictor(evictor, 'evictor(evictor)');
    return this;
  }

  /** How long after its end a window keeps its state: late elements within it fire the window again. */
  allowedLateness(ms: number): this {
    this.#w.setAllowedLateness(ms);
    return this;
  }

  /** Elements too late for every window they belong to go to this side output instead of being dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.#w.setLateDataTag(tag);
    return this;
  }

  reduce<O = T>(fn: ReduceFunction<T>, windowFunction?: ProcessWindowFunctionLike<T, O, K, W> | WindowFunction<T, O, K, W>, outputType?: TypeInformation<O>): DataStream<O> {
    return this.#w.reduce<O>(fn, windowFunction, outputType);
  }

  aggregate<ACC, R, O = R>(fn: AggregateFunction<T, ACC, R>, windowFunction?: ProcessWindowFunctionLike<R, O, K, W> | WindowFunction<R, O, K, W>, outputType?: TypeInformation<O>): DataStream<O> {
    return this.#w.aggregate<O>(fn, windowFunction, outputType ?? null, 'aggregate(fn)');
  }

  process<O>(fn: ProcessWindowFunctionLike<T, O, K, W>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['process'], 'process(fn)');
    return this.#w.build<O>({ kind: 'list' }, this.#w.windowFunction(fn, 'process(fn)'), 'process', outputType ?? null, null);
  }

  apply<O>(fn: WindowFunction<T, O, K, W>, outputType?: TypeInformation<O>): DataStream<O> {
    const call = this.#w.windowFunction(fn, 'apply(fn)');
    if (call.kind !== 'apply') throw new TypeError('apply(fn): expected a function (key, window, elements, out) or an object with apply(...); a ProcessWindowFunction goes to process(fn)');
    return this.#w.build<O>({ kind: 'list' }, call, 'apply', outputType ?? null, null);
  }

  sum(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('sum', field);
  }
  min(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('min', field);
  }
  max(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('max', field);
  }
  minBy(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('minBy', field);
  }
  maxBy(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('maxBy', field);
  }
}

/** `windowAll(assigner)`: windows over the whole stream, in one subtask. */
export class AllWindowedStream<T, W extends Window> {
  readonly #w: WindowSettings;

  private constructor(w: WindowSettings) {
    this.#w = w;
  }

  static {
    makeAllWindowed = <X, Z extends Window>(w: WindowSettings) => new AllWindowedStream<X, Z>(w);
  }

  trigger(trigger: TriggerLike<T, W>): this {
    this.#w.setTrigger(trigger);
    return this;
  }

  evictor(evictor: Evictor<T, W>): this {
    this.#w.evictor = asEvictor(evictor, 'evictor(evictor)');
    return this;
  }

  allowedLateness(ms: number): this {
    this.#w.setAllowedLateness(ms);
    return this;
  }

  sideOutputLateData(tag: OutputTag<T>): this {
    this.#w.setLateDataTag(tag);
    return this;
  }

  reduce<O = T>(fn: ReduceFunction<T>, windowFunction?: ProcessAllWindowFunctionLike<T, O, W> | AllWindowFunction<T, O, W>, outputType?: TypeInformation<O>): DataStream<O> {
    return this.#w.reduce<O>(fn, windowFunction, outputType);
  }

  aggregate<ACC, R, O = R>(fn: AggregateFunction<T, ACC, R>, windowFunction?: ProcessAllWindowFunctionLike<R, O, W> | AllWindowFunction<R, O, W>, outputType?: TypeInformation<O>): DataStream<O> {
    return this.#w.aggregate<O>(fn, windowFunction, outputType ?? null, 'aggregate(fn)');
  }

  process<O>(fn: ProcessAllWindowFunctionLike<T, O, W>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['process'], 'process(fn)');
    return this.#w.build<O>({ kind: 'list' }, this.#w.windowFunction(fn, 'process(fn)'), 'process', outputType ?? null, null);
  }

  apply<O>(fn: AllWindowFunction<T, O, W>, outputType?: TypeInformation<O>): DataStream<O> {
    const call = this.#w.windowFunction(fn, 'apply(fn)');
    if (call.kind !== 'apply') throw new TypeError('apply(fn): expected a function (window, elements, out) or an object with apply(...); a ProcessAllWindowFunction goes to process(fn)');
    return this.#w.build<O>({ kind: 'list' }, call, 'apply', outputType ?? null, null);
  }

  sum(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('sum', field);
  }
  min(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('min', field);
  }
  max(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('max', field);
  }
  minBy(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('minBy', field);
  }
  maxBy(field: FieldRef = 0): DataStream<T> {
    return this.#w.aggregation<T>('maxBy', field);
  }
}

export function newWindowedStream<T, K, W extends Window>(input: WindowInput, assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
  return makeWindowed<T, K, W>(new WindowSettings(input, assigner));
}

export function newAllWindowedStream<T, W extends Window>(input: WindowInput, assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
  return makeAllWindowed<T, W>(new WindowSettings(input, assigner));
}

/** Count windows over GlobalWindows, as Flink builds them: `size` elements, fired every `slide` (Java's rule). */
function countWindowed<S extends WindowedStream<never, unknown, GlobalWindow> | AllWindowedStream<never, GlobalWindow>>(stream: S, size: number, slide: number | undefined, where: string): S {
  const check = (n: unknown, what: string): number => {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new Error(`${where}: ${what} must be a whole number of elements > 0, got ${String(n)}. Fix: ${where.split('(')[0]}(100)`);
    return n;
  };
  check(size, 'the size');
  if (slide === undefined) return stream.trigger(PurgingTrigger.of(CountTrigger.of(size))) as S;
  check(slide, 'the slide');
  return stream.evictor(CountEvictor.of(size)).trigger(CountTrigger.of(slide)) as S;
}

export function keyedWindows<T, K, W extends Window>(keyed: KeyedStream<T, K>, assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
  const state = keyedStreamState(keyed);
  return newWindowedStream<T, K, W>({ stream: state.stream, input: keyedInput(keyed, 0), keyOf: state.keyOf, all: false }, assigner);
}

export function keyedCountWindows<T, K>(keyed: KeyedStream<T, K>, size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
  const where = `countWindow(${String(size)}${slide === undefined ? '' : `, ${String(slide)}`})`;
  return countWindowed(keyedWindows<T, K, GlobalWindow>(keyed, GlobalWindows.create<T>()) as unknown as WindowedStream<never, unknown, GlobalWindow>, size, slide, where) as unknown as WindowedStream<T, K, GlobalWindow>;
}

const ONE_KEY: KeyFunction = () => 0;

export function allWindows<T, W extends Window>(stream: StreamState, assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
  const input: OperatorInput = { stream, input: 0, partitioning: 'hash', keyDescription: 'windowAll (one key)', keyField: null };
  return newAllWindowedStream<T, W>({ stream, input, keyOf: ONE_KEY, all: true }, assigner);
}

export function allCountWindows<T>(stream: StreamState, size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
  const where = `countWindowAll(${String(size)}${slide === undefined ? '' : `, ${String(slide)}`})`;
  return countWindowed(allWindows<T, GlobalWindow>(stream, GlobalWindows.create<T>()) as unknown as AllWindowedStream<never, GlobalWindow>, size, slide, where) as unknown as AllWindowedStream<T, GlobalWindow>;
}
