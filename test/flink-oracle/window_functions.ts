/**
 * The window node on Eddy's side: assigners, triggers and window functions named by the spec,
 * twins of src/main/java/eddy/oracle/Windows.java. Built through the public API only.
 */
import {
  ContinuousEventTimeTrigger, CountTrigger, EventTimeSessionWindows, EventTimeTrigger, GlobalWindows, KeyAndWindow,
  NumericAggregate, OutputTag, PurgingTrigger, SlidingEventTimeWindows, TimeWindow, TumblingEventTimeWindows,
} from '../../src/index.ts';
import type {
  AggregateFunction, AllWindowedStream, Collector, DataStream, KeyedStream, ProcessAllWindowContext, ProcessWindowContext,
  ReduceFunction, Trigger, TypeInformation, Window, WindowAssigner, WindowedStream,
} from '../../src/index.ts';
import { REC_TYPE, REDUCES } from './functions.ts';
import type { AssignerSpec, Rec, TriggerSpec, WindowNode, WindowReduceFn } from './spec.ts';

type Key = string | number;

export const LATE = new OutputTag<Rec>('late', REC_TYPE);

function minS(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return a <= b ? a : b;
}

export const WINDOW_REDUCES: Record<WindowReduceFn, ReduceFunction<Rec>> = {
  ...REDUCES,
  maxAll: (a, b) => [minS(a[0], b[0]), Math.max(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])],
};

/** count and sum of n; the result is ['agg', count, sum / count, sum]. */
class Agg implements AggregateFunction<Rec, [number, number], Rec> {
  createAccumulator(): [number, number] {
    return [0, 0];
  }
  add(r: Rec, acc: [number, number]): [number, number] {
    return [acc[0] + 1, acc[1] + r[1]];
  }
  getResult(acc: [number, number]): Rec {
    return ['agg', acc[0], acc[1] / acc[0], acc[1]];
  }
  merge(a: [number, number], b: [number, number]): [number, number] {
    return [a[0] + b[0], a[1] + b[1]];
  }
}

/** By t, n, x, then s with null first: twin of Windows.ORDER (Java's compareTo on strings is UTF-16 order, as JS's <). */
function compareRecs(a: Rec, b: Rec): number {
  if (a[3] !== b[3]) return a[3] < b[3] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  if (a[2] !== b[2]) return a[2] < b[2] ? -1 : 1;
  if (Object.is(a[2], -0) !== Object.is(b[2], -0)) return Object.is(a[2], -0) ? -1 : 1;
  if (a[0] === b[0]) return 0;
  if (a[0] === null) return -1;
  if (b[0] === null) return 1;
  return a[0] < b[0] ? -1 : 1;
}

/** [key, count, start, end], then each element with the key as s (sorted for merged sessions; see Windows.java). */
function emit(key: string, w: Window, elements: Iterable<Rec>, merging: boolean, out: Collector<Rec>): void {
  const list = [...elements];
  if (merging) list.sort(compareRecs);
  const start = w instanceof TimeWindow ? w.start : -Infinity;
  const end = w instanceof TimeWindow ? w.end : Infinity;
  out.collect([key, list.length, start, end]);
  for (const r of list) out.collect([key, r[1], r[2], r[3]]);
}

function assigner(a: AssignerSpec): WindowAssigner<Rec, Window> {
  switch (a.kind) {
    case 'tumbling': return TumblingEventTimeWindows.of(a.size, a.offset) as WindowAssigner<Rec, Window>;
    case 'sliding': return SlidingEventTimeWindows.of(a.size, a.slide, a.offset) as WindowAssigner<Rec, Window>;
    case 'session': return EventTimeSessionWindows.withGap<Rec>(a.gap) as WindowAssigner<Rec, Window>;
    case 'global': return GlobalWindows.create<Rec>() as WindowAssigner<Rec, Window>;
    case 'count': throw new Error('spec: a count window is built with countWindow');
  }
}

function trigger(t: TriggerSpec): Trigger<unknown, Window> {
  switch (t.kind) {
    case 'eventTime': return EventTimeTrigger.create();
    case 'count': return CountTrigger.of(t.count);
    case 'continuousEventTime': return ContinuousEventTimeTrigger.of(t.interval);
    case 'purging': return PurgingTrigger.of(trigger(t.nested)) as Trigger<unknown, Window>;
  }
}

/** What both windowed streams take: the settings, and the functions as calls on it. */
interface Windowed {
  trigger(t: Trigger<unknown, Window>): unknown;
  allowedLateness(ms: number): unknown;
  sideOutputLateData(tag: OutputTag<Rec>): unknown;
}

function configure(w: Windowed, node: WindowNode): void {
  if (node.trigger !== undefined) w.trigger(trigger(node.trigger));
  if (node.allowedLateness !== undefined) w.allowedLateness(node.allowedLateness);
  if (node.lateData === true) w.sideOutputLateData(LATE);
}

function reduceFn(node: WindowNode): ReduceFunction<Rec> {
  if (node.reduceFn === undefined) throw new Error(`spec: window ${node.id} (${node.fn}) needs a reduceFn`);
  return WINDOW_REDUCES[node.reduceFn];
}

type NumericRow = { key?: Key; count: number; sum: number; avg: number };

/** A window node's output, and the window operator itself, whose side output holds the late records. */
export interface BuiltWindow {
  out: DataStream<Rec>;
  operator: SideOutputs;
}

export type SideOutputs = Pick<DataStream<unknown>, 'getSideOutput'>;

const same = (out: DataStream<Rec>): BuiltWindow => ({ out, operator: out });

export function keyedWindow(input: KeyedStream<Rec, Key>, node: WindowNode, type: TypeInformation<Rec> | undefined): BuiltWindow {
  const a = node.assigner;
  const merging = a.kind === 'session';
  const w: WindowedStream<Rec, Key, Window> = a.kind === 'count'
    ? input.countWindow(a.size, a.slide) as unknown as WindowedStream<Rec, Key, Window>
    : input.window(assigner(a));
  configure(w as unknown as Windowed, node);
  const process = { process: (key: Key, ctx: ProcessWindowContext<Window>, elements: Iterable<Rec>, out: Collector<Rec>) => emit(String(key), ctx.window(), elements, merging, out) };
  switch (node.fn) {
    case 'reduce': return same(w.reduce(reduceFn(node)));
    case 'reduceProcess': return same(w.reduce(reduceFn(node), process, type));
    case 'aggregate': return same(w.aggregate(new Agg(), undefined, type));
    case 'aggregateKey':
      if (node.numeric === true) {
        const operator = w.aggregate(NumericAggregate.of<Rec>(1, 'count', 'sum', 'avg'), new KeyAndWindow());
        return { operator, out: operator.map((r): Rec => { const n = r as unknown as NumericRow; return [String(n.key), n.count, n.avg, n.sum]; }, type) };
      }
      return same(w.aggregate(new Agg(), { process: (key: Key, _ctx: ProcessWindowContext<Window>, rs: Iterable<Rec>, out: Collector<Rec>) => {
        for (const r of rs) out.collect([String(key), r[1], r[2], r[3]]);
      } }, type));
    case 'aggregateProcess': return same(w.aggregate(new Agg(), process, type));
    case 'process': return same(w.process(process, type));
  }
}

export function allWindow(input: DataStream<Rec>, node: WindowNode, type: TypeInformation<Rec> | undefined): BuiltWindow {
  const a = node.assigner;
  const merging = a.kind === 'session';
  const w: AllWindowedStream<Rec, Window> = a.kind === 'count'
    ? input.countWindowAll(a.size, a.slide) as unknown as AllWindowedStream<Rec, Window>
    : input.windowAll(assigner(a));
  configure(w as unknown as Windowed, node);
  const process = { process: (ctx: ProcessAllWindowContext<Window>, elements: Iterable<Rec>, out: Collector<Rec>) => emit('all', ctx.window(), elements, merging, out) };
  switch (node.fn) {
    case 'reduce': return same(w.reduce(reduceFn(node)));
    case 'reduceProcess': return same(w.reduce(reduceFn(node), process, type));
    case 'aggregate': return same(w.aggregate(new Agg(), undefined, type));
    case 'aggregateKey':
      if (node.numeric === true) {
        const operator = w.aggregate(NumericAggregate.of<Rec>(1, 'count', 'sum', 'avg'));
        const out = operator.map((r): Rec => { const n = r as unknown as NumericRow; return ['all', n.count, n.avg, n.sum]; }, type)
          .setParallelism(1); // where the windowAll runs: a forward edge, as if the map were part of it
        return { operator, out };
      }
      return same(w.aggregate(new Agg(), { process: (_ctx: ProcessAllWindowContext<Window>, rs: Iterable<Rec>, out: Collector<Rec>) => {
        for (const r of rs) out.collect(['all', r[1], r[2], r[3]]);
      } }, type));
    case 'aggregateProcess': return same(w.aggregate(new Agg(), process, type));
    case 'process': return same(w.process(process, type));
  }
}
