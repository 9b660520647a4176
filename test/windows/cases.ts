/**
 * PyFlink's window tests (flink-python/pyflink/datastream/tests/test_window.py), as cases: each
 * builds its pipeline on an environment and says what it must give, records shown as PyFlink's
 * sink prints tuples (`(hi,0,5,4)`). Builders run in the test thread and, through
 * window_cases_job.ts, in every worker of a job, so they share nothing with the test.
 */
import {
  CountTrigger, EventTimeSessionWindows, EventTimeTrigger, GlobalWindows, KeyAndWindow, NumericAggregate,
  OutputTag, ProcessAllWindowFunction, ProcessWindowFunction, PurgingTrigger, SlidingEventTimeWindows, TumblingEventTimeWindows,
  Types, WatermarkStrategy,
} from '../../src/index.ts';
import type {
  AggregateFunction, Collector, DataStream, ProcessAllWindowContext, ProcessWindowContext, StreamExecutionEnvironment, TimeWindow, Window,
} from '../../src/index.ts';

type SI = [string, number];
type IS = [number, string];

/** A stream of any record type (DataStream<T> is invariant in T); method syntax on purpose, so every DataStream<T> fits. */
export interface AnyStream {
  executeAndCollect(): Promise<unknown[]>;
  addSink(sink: never): unknown;
}

export interface WindowCase {
  readonly build: (env: StreamExecutionEnvironment) => AnyStream;
  readonly expected: readonly string[];
  /** PyFlink runs these at parallelism 1 (their watermarks depend on one timestamp assigner seeing every record). */
  readonly parallelismOne?: boolean;
  /** Planned in the WASM kernels when kernels are on. */
  readonly kernel?: boolean;
}

/** How PyFlink's test sink shows a record: a tuple as `(a,b)`, a string as it is. */
export function show(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map(show).join(',')})`;
  if (typeof value === 'object' && value !== null) return `(${Object.values(value).map(show).join(',')})`;
  return String(value);
}

const secondColumn = <T extends SI>() => WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((e) => e[1]);
const SI_TYPE = Types.TUPLE([Types.STRING(), Types.INT()]);
const IS_TYPE = Types.TUPLE([Types.INT(), Types.STRING()]);
const hi: SI[] = [['hi', 1], ['hi', 2], ['hi', 3], ['hi', 4], ['hi', 5], ['hi', 8], ['hi', 9], ['hi', 15]];
const ab: SI[] = [['a', 1], ['a', 2], ['b', 3], ['a', 6], ['b', 8], ['b', 9], ['a', 15]];

const timed = (env: StreamExecutionEnvironment, data: SI[]) => env.fromCollection<SI>(data, SI_TYPE).assignTimestampsAndWatermarks(secondColumn<SI>());

class CountWindowProcessFunction extends ProcessWindowFunction<SI, [string, number, number, number], string, TimeWindow> {
  process(key: string, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<SI>) {
    return [[key, ctx.window().start, ctx.window().end, [...elements].length] as [string, number, number, number]];
  }
}

class CountAllWindowProcessFunction extends ProcessAllWindowFunction<SI, [number, number, number], TimeWindow> {
  process(ctx: ProcessAllWindowContext<TimeWindow>, elements: Iterable<SI>) {
    return [[ctx.window().start, ctx.window().end, [...elements].length] as [number, number, number]];
  }
}

const sumFirstField = (key: unknown, _w: Window, inputs: Iterable<IS>, out: Collector<[string, number]>) => {
  let result = 0;
  for (const i of inputs) result += i[0];
  out.collect([key as string, result]);
};

/** Even minus odd values; the result carries the key of the last element added (PyFlink's MyAggregateFunction). */
class EvenOdd implements AggregateFunction<SI, [string, number, number], [string, number]> {
  createAccumulator(): [string, number, number] {
    return ['', 0, 0];
  }
  add(value: SI, acc: [string, number, number]): [string, number, number] {
    return value[1] % 2 === 0 ? [value[0], acc[1] + 1, acc[2]] : [value[0], acc[1], acc[2] + 1];
  }
  getResult(acc: [string, number, number]): [string, number] {
    return [acc[0], acc[1] - acc[2]];
  }
  merge(a: [string, number, number], b: [string, number, number]): [string, number, number] {
    return [a[0], a[1] + b[1], a[2] + b[2]];
  }
}

/** Sum of values; the result carries the key of the last element added. */
class TimestampSum implements AggregateFunction<SI, [number, string], [string, number]> {
  createAccumulator(): [number, string] {
    return [0, ''];
  }
  add(value: SI, acc: [number, string]): [number, string] {
    return [value[1] + acc[0], value[0]];
  }
  getResult(acc: [number, string]): [string, number] {
    return [acc[1], acc[0]];
  }
  merge(a: [number, string], b: [number, string]): [number, string] {
    return [a[0] + b[0], a[1]];
  }
}

const python = (r: SI) => `('${r[0]}', ${r[1]})`;

export const cases: Record<string, WindowCase> = {
  test_event_time_tumbling_window: {
    build: (env) => timed(env, hi).keyBy((x) => x[0]).window(TumblingEventTimeWindows.of(5)).process(new CountWindowProcessFunction()),
    expected: ['(hi,0,5,4)', '(hi,5,10,3)', '(hi,15,20,1)'],
  },
  test_count_tumbling_window: {
    build: (env) => env.fromCollection<IS>([[1, 'hi'], [2, 'hello'], [3, 'hi'], [4, 'hello'], [5, 'hi'], [6, 'hello'], [6, 'hello']], IS_TYPE)
      .keyBy((x) => x[1]).countWindow(3).apply(sumFirstField),
    expected: ['(hi,9)', '(hello,12)'],
  },
  test_event_time_sliding_window: {
    build: (env) => timed(env, hi).keyBy((x) => x[0]).window(SlidingEventTimeWindows.of(5, 2)).process(new CountWindowProcessFunction()),
    expected: ['(hi,-2,3,2)', '(hi,0,5,4)', '(hi,2,7,4)', '(hi,4,9,3)', '(hi,6,11,2)', '(hi,8,13,2)', '(hi,12,17,1)', '(hi,14,19,1)'],
  },
  // Java's countWindow(2, 1): every element fires the last (up to) 2; PyFlink's CountSlidingWindowAssigner gives only the full ones.
  test_count_sliding_window: {
    build: (env) => env.fromCollection<IS>([[1, 'hi'], [2, 'hello'], [3, 'hi'], [4, 'hello'], [5, 'hi'], [6, 'hello']], IS_TYPE)
      .keyBy((x) => x[1]).countWindow(2, 1).apply(sumFirstField),
    expected: ['(hi,1)', '(hello,2)', '(hello,6)', '(hi,8)', '(hi,4)', '(hello,10)'],
  },
  test_event_time_session_window: {
    build: (env) => timed(env, [['hi', 1], ['hi', 2], ['hi', 3], ['hi', 4], ['hi', 8], ['hi', 9], ['hi', 15]])
      .keyBy((x) => x[0]).window(EventTimeSessionWindows.withGap(5)).process(new CountWindowProcessFunction()),
    expected: ['(hi,1,14,6)', '(hi,15,20,1)'],
  },
  test_event_time_dynamic_gap_session_window: {
    build: (env) => timed(env, [['hi', 1], ['hi', 2], ['hi', 3], ['hi', 4], ['hi', 9], ['hi', 9], ['hi', 15]])
      .keyBy((x) => x[0]).window(EventTimeSessionWindows.withDynamicGap<SI>({ extract: (e) => e[1] })).process(new CountWindowProcessFunction()),
    expected: ['(hi,1,8,4)', '(hi,9,30,3)'],
    parallelismOne: true,
  },
  test_window_reduce_passthrough: {
    build: (env) => timed(env, ab).keyBy((x) => x[0]).window(EventTimeSessionWindows.withGap(2)).reduce((a, b) => [b[0], a[1] + b[1]]),
    expected: ['(a,3)', '(a,6)', '(a,15)', '(b,3)', '(b,17)'],
  },
  test_window_reduce_process: {
    build: (env) => timed(env, ab).keyBy((x) => x[0]).window(EventTimeSessionWindows.withGap(2)).reduce((a, b) => [b[0], a[1] + b[1]], {
      *process(_key: string, ctx: ProcessWindowContext<Window>, elements: Iterable<SI>) {
        yield `current window start at ${(ctx.window() as TimeWindow).start}, reduce result ${python([...elements][0])}`;
      },
    }),
    expected: ["current window start at 1, reduce result ('a', 3)", "current window start at 15, reduce result ('a', 15)",
      "current window start at 3, reduce result ('b', 3)", "current window start at 6, reduce result ('a', 6)",
      "current window start at 8, reduce result ('b', 17)"],
  },
  test_window_aggregate_passthrough: {
    build: (env) => timed(env, ab).keyBy((x) => x[0]).window(EventTimeSessionWindows.withGap(2)).aggregate(new EvenOdd()),
    expected: ['(a,-1)', '(a,0)', '(a,1)', '(b,-1)', '(b,0)'],
  },
  test_window_aggregate_accumulator_type: {
    build: (env) => timed(env, ab).keyBy((x) => x[0]).window(EventTimeSessionWindows.withGap(2)).aggregate(new TimestampSum()),
    expected: ['(a,15)', '(a,3)', '(a,6)', '(b,17)', '(b,3)'],
  },
  test_window_aggregate_process: {
    build: (env) => timed(env, ab).keyBy((x) => x[0]).window(EventTimeSessionWindows.withGap(2)).aggregate(new TimestampSum(), {
      *process(_key: string, _ctx: ProcessWindowContext<Window>, elements: Iterable<[string, number]>) {
        const r = [...elements][0];
        yield `key ${r[0]} timestamp sum ${r[1]}`;
      },
    }),
    expected: ['key a timestamp sum 15', 'key a timestamp sum 3', 'key a timestamp sum 6', 'key b timestamp sum 17', 'key b timestamp sum 3'],
  },
  test_session_window_late_merge: {
    build: (env) => timed(env, [['hi', 0], ['hi', 8], ['hi', 4]]).keyBy((x) => x[0]).window(EventTimeSessionWindows.withGap(5)).process(new CountWindowProcessFunction()),
    expected: ['(hi,0,13,3)'],
  },
  test_event_time_session_window_with_purging_trigger: {
    build: (env) => timed(env, [['hi', 1], ['hi', 2], ['hi', 3], ['hi', 4], ['hi', 8], ['hi', 9], ['hi', 15]]).keyBy((x) => x[0])
      .window(EventTimeSessionWindows.withGap(3)).trigger(PurgingTrigger.of(EventTimeTrigger.create())).process(new CountWindowProcessFunction()),
    expected: ['(hi,1,7,4)', '(hi,8,12,2)', '(hi,15,18,1)'],
  },
  test_global_window_with_purging_trigger: {
    build: (env) => timed(env, Array.from({ length: 7 }, (): SI => ['hi', 1])).keyBy((x) => x[0])
      .window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(2)))
      .process({ process: (key: string, _ctx: ProcessWindowContext<Window>, elements: Iterable<SI>) => [[key, [...elements].length]] }),
    expected: ['(hi,2)', '(hi,2)', '(hi,2)'],
    parallelismOne: true,
  },
  test_event_time_tumbling_window_all: {
    build: (env) => timed(env, [['hi', 1], ['hello', 2], ['hi', 3], ['hello', 4], ['hello', 5], ['hi', 8], ['hi', 9], ['hi', 15]])
      .windowAll(TumblingEventTimeWindows.of(5)).process(new CountAllWindowProcessFunction()),
    expected: ['(0,5,4)', '(15,20,1)', '(5,10,3)'],
  },
  test_window_all_reduce: {
    build: (env) => timed(env, ab).windowAll(EventTimeSessionWindows.withGap(2)).reduce((a, b) => [a[0], a[1] + b[1]]),
    expected: ['(a,15)', '(a,6)', '(a,23)'],
    parallelismOne: true,
  },
  test_window_all_reduce_process: {
    build: (env) => timed(env, ab).windowAll(EventTimeSessionWindows.withGap(2)).reduce((a, b) => [a[0], a[1] + b[1]], {
      *process(ctx: ProcessAllWindowContext<Window>, elements: Iterable<SI>) {
        yield `current window start at ${(ctx.window() as TimeWindow).start}, reduce result ${python([...elements][0])}`;
      },
    }),
    expected: ["current window start at 1, reduce result ('a', 6)", "current window start at 6, reduce result ('a', 23)", "current window start at 15, reduce result ('a', 15)"],
    parallelismOne: true,
  },
  test_window_all_aggregate: {
    build: (env) => timed(env, ab).windowAll(EventTimeSessionWindows.withGap(2)).aggregate(new EvenOdd()),
    expected: ['(a,-1)', '(b,-1)', '(b,1)'],
    parallelismOne: true,
  },
  test_window_all_aggregate_process: {
    build: (env) => timed(env, ab).windowAll(EventTimeSessionWindows.withGap(2)).aggregate(new TimestampSum(), {
      *process(_ctx: ProcessAllWindowContext<Window>, elements: Iterable<[string, number]>) {
        const r = [...elements][0];
        yield `key ${r[0]} timestamp sum ${r[1]}`;
      },
    }),
    expected: ['key b timestamp sum 6', 'key b timestamp sum 23', 'key a timestamp sum 15'],
    parallelismOne: true,
  },
  test_side_output_late_data: {
    build: (env) => {
      // PyFlink's PerElementWatermarkGenerator: a watermark at each new maximum timestamp.
      const perElement = WatermarkStrategy.forGenerator<SI>(() => {
        let max = Number.NEGATIVE_INFINITY;
        return {
          onEvent: (_e, ts, output) => {
            if (ts > max) output.emitWatermark((max = ts));
          },
          onPeriodicEmit: () => {},
        };
      }).withTimestampAssigner((e) => e[1]);
      const tag = new OutputTag<SI>('late-data');
      const windowed = env.fromCollection<SI>([['a', 0], ['a', 8], ['a', 4], ['a', 6]], SI_TYPE).assignTimestampsAndWatermarks(perElement)
        .keyBy((e) => e[0]).window(TumblingEventTimeWindows.of(5)).allowedLateness(0).sideOutputLateData(tag)
        .process(new CountWindowProcessFunction());
      const late = windowed.getSideOutput(tag).map((e): unknown => `late ${e[0]}, ${e[1]}`);
      return (windowed as DataStream<unknown>).union(late as DataStream<unknown>);
    },
    expected: ['(a,0,5,1)', '(a,5,10,2)', 'late a, 4'],
    parallelismOne: true,
  },
  // Windows the planner runs in the kernels (when they are on), over the same data.
  tumbling_sum: {
    build: (env) => timed(env, hi).keyBy(0).window(TumblingEventTimeWindows.of(5)).sum(1),
    expected: ['(hi,10)', '(hi,22)', '(hi,15)'],
    kernel: true,
  },
  sliding_numeric_aggregate: {
    build: (env) => timed(env, hi).keyBy(0).window(SlidingEventTimeWindows.of(5, 2))
      .aggregate(NumericAggregate.of<SI>(1, 'count', 'sum', 'max', 'avg'), new KeyAndWindow()),
    expected: ['(hi,-2,3,2,3,2,1.5)', '(hi,0,5,4,10,4,2.5)', '(hi,2,7,4,14,5,3.5)', '(hi,4,9,3,17,8,5.666666666666667)', '(hi,6,11,2,17,9,8.5)',
      '(hi,8,13,2,17,9,8.5)', '(hi,12,17,1,15,15,15)', '(hi,14,19,1,15,15,15)'],
    kernel: true,
  },
};
