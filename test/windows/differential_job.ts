// The randomized window test's pipeline (test/windows/differential.test.ts), in one module so that
// the test runs it in this thread and, as a job module with the case as its parameters, in
// workers (the case as JSON). Results and late elements come out as one stream of lines: `<key> <result>@<timestamp>`
// and `<key> late <value>@<timestamp>`.
import {
  EventTimeSessionWindows, KeyAndWindow, NumericAggregate, OutputTag, SlidingEventTimeWindows, TumblingEventTimeWindows,
  Types, WatermarkStrategy, defineJob,
} from '../../src/index.ts';
import type { DataStream, StreamExecutionEnvironment } from '../../src/index.ts';

export type Rec = [key: number | string, value: number, time: number];

export interface Case {
  readonly events: Rec[];
  readonly assigner: 'tumbling' | 'sliding' | 'session' | 'count';
  /** Time windows: size and slide in ms; sessions: size is the gap; count windows: records (slide = size: countWindow(size)). */
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  readonly lateness: number;
  readonly outOfOrderness: number;
  readonly fn: 'sum' | 'numeric';
  readonly stringKeys: boolean;
  readonly parallelism: number;
  /** Double values (with -0, NaN, ±Infinity): tumbling windows only, where both paths add in arrival order. */
  readonly doubles: boolean;
}

/** -0 shown as such: the kernels' sums, minima and maxima keep it. */
export const num = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

export const line = (key: unknown, text: string) => `${typeof key === 'string' ? `"${key}"` : String(key)} ${text}`;

export function buildCase(env: StreamExecutionEnvironment, c: Case, kernels: boolean): DataStream<string> {
  env.setParallelism(c.parallelism);
  env.getConfig().setKernelsEnabled(kernels).setPerRecordWatermarks(true);
  const tag = new OutputTag<[number | string, number]>('late');
  const keyType = c.stringKeys ? Types.STRING() : Types.INT();
  const valueType = c.doubles ? Types.DOUBLE() : Types.INT();
  const keyedStream = env.fromCollection<Rec>(c.events, Types.TUPLE([keyType, valueType, Types.INT()]))
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Rec>(c.outOfOrderness).withTimestampAssigner((r) => r[2])).setParallelism(1)
    .map((r): [number | string, number] => [r[0], r[1]], Types.TUPLE([keyType, valueType])).setParallelism(1)
    .keyBy(0);
  const timeWindows = c.assigner === 'tumbling' ? TumblingEventTimeWindows.of(c.size, c.offset)
    : c.assigner === 'sliding' ? SlidingEventTimeWindows.of(c.size, c.slide, c.offset)
    : EventTimeSessionWindows.withGap(c.size);
  const keyed = c.assigner === 'count'
    ? (c.slide === c.size ? keyedStream.countWindow(c.size) : keyedStream.countWindow(c.size, c.slide))
    : keyedStream.window(timeWindows).allowedLateness(c.lateness).sideOutputLateData(tag);
  const windowed = c.fn === 'sum' ? keyed.sum(1) : keyed.aggregate(NumericAggregate.of<[number | string, number]>(1, 'count', 'sum', 'min', 'max'), new KeyAndWindow());
  const shown = windowed.process({
    processElement: (r: unknown, ctx) => {
      if (Array.isArray(r)) return [line(r[0], `[${String(r[0])},${num(r[1] as number)}]@${ctx.timestamp()}`)];
      const o = r as { key: unknown; start: number; end: number; count: number; sum: number; min: number; max: number };
      return [line(o.key, `${o.start}..${o.end} count ${o.count} sum ${num(o.sum)} min ${num(o.min)} max ${num(o.max)}@${ctx.timestamp()}`)];
    },
  }, Types.STRING());
  if (c.assigner === 'count') return shown;
  const late = windowed.getSideOutput(tag).process({
    processElement: (r: [number | string, number], ctx) => [line(r[0], `late ${r[1]}@${ctx.timestamp()}`)],
  }, Types.STRING());
  return shown.union(late);
}

export default defineJob((env, parameters) => buildCase(env, JSON.parse(String(parameters.case)) as Case, parameters.kernels === true) as unknown as DataStream<unknown>, { name: 'window differential case' });
