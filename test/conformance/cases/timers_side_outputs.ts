// The pipelines of timers_side_outputs.test.ts (event time, timers, watermarks, side outputs),
// built the same in the test thread and in workers.
import {
  CoProcessFunction, KeyedCoProcessFunction, KeyedProcessFunction, OutputTag, ProcessFunction, ReducingStateDescriptor,
  RuntimeExecutionMode, Types, ValueStateDescriptor, WatermarkStrategy,
} from '../../../src/index.ts';
import type {
  Collector, KeyedProcessContext, OnTimerContext, ProcessContext, ReducingState, RuntimeContext, ValueState, WatermarkGenerator,
  WatermarkOutput,
} from '../../../src/index.ts';
import { javaLong, pyRow, wholeSequence } from '../support.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

type TsRow = [number, string];
export const secondColumn = { extractTimestamp: (value: TsRow) => Number(value[1]) };
export const fourRows: TsRow[] = [[1, '1603708211000'], [2, '1603708224000'], [3, '1603708226000'], [4, '1603708289000']];
const abc: [string, number][] = [['a', 0], ['b', 1], ['c', 2]];
type Ev = [string, number];

class CurrentTimestamp extends ProcessFunction<TsRow, string> {
  *processElement(value: TsRow, ctx: ProcessContext) {
    yield `current timestamp: ${ctx.timestamp()}, current watermark: ${javaLong(ctx.timerService().currentWatermark())}, current_value: ${pyRow(value)}`;
  }
}

class TimerOnKeyOne extends KeyedProcessFunction<number, TsRow, string> {
  *processElement(value: TsRow, ctx: KeyedProcessContext<number>) {
    // PyFlink registers on the first element a subtask sees (an instance flag); at parallelism 1
    // that is the element of key 1, so the port registers for key 1 at every parallelism.
    if (ctx.getCurrentKey() === 1) ctx.timerService().registerEventTimeTimer(3);
    yield `current key: ${ctx.getCurrentKey()}, current timestamp: ${ctx.timestamp()}, `
      + `current watermark: ${javaLong(ctx.timerService().currentWatermark())}, current_value: ${pyRow(value)}`;
  }
  override *onTimer(timestamp: number) {
    yield `on timer: ${timestamp}`;
  }
}

class CountingKeyedCoProcessFunction extends KeyedCoProcessFunction<string, [string, number], [string, number], [string, number]> {
  private countState!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.countState = ctx.getState(new ValueStateDescriptor('count', Types.INT()));
  }
  private count(): number {
    const count = (this.countState.value() ?? 0) + 1;
    this.countState.update(count);
    return count;
  }
  processElement1(value: [string, number], ctx: KeyedProcessContext<string>): [string, number][] {
    // PyFlink: the first element of input 1 a subtask sees (at parallelism 1, key "a").
    if (ctx.getCurrentKey() === 'a') ctx.timerService().registerEventTimeTimer(3);
    return [[value[0], this.count()]];
  }
  processElement2(value: [string, number]): [string, number][] {
    return [[value[0], this.count()]];
  }
  override onTimer(timestamp: number): [string, number][] {
    return [['on_timer', timestamp]];
  }
}

class Timers extends KeyedProcessFunction<string, Ev, string> {
  *processElement(value: Ev, ctx: KeyedProcessContext<string>) {
    ctx.timerService().registerEventTimeTimer(value[1] + 1000);
    yield `${value[0]}@${ctx.timestamp()} sees watermark ${javaLong(ctx.timerService().currentWatermark())}`;
  }
  override *onTimer(ts: number, ctx: OnTimerContext<string>) {
    yield `${ctx.getCurrentKey()} timer ${ts} (${ctx.timeDomain()}, timestamp ${ctx.timestamp()}) at watermark ${javaLong(ctx.timerService().currentWatermark())}`;
  }
}

class Punctuated implements WatermarkGenerator<Ev> {
  onEvent(event: Ev, ts: number, output: WatermarkOutput) {
    if (event[0] === 'flush') output.emitWatermark(ts);
  }
  onPeriodicEmit() {}
}

export const cases = {
  test_process_function: (env) => {
    env.getConfig().setAutoWatermarkInterval(2000);
    return env.fromCollection(fourRows, Types.ROW([Types.INT(), Types.STRING()]))
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<TsRow>().withTimestampAssigner(secondColumn))
      .process(new CurrentTimestamp(), Types.STRING());
  },

  without_timestamp_assigner: (env) => env.fromCollection([1, 2])
    .process({ *processElement(v: number, ctx: ProcessContext) { yield [v, ctx.timestamp(), javaLong(ctx.timerService().currentWatermark())]; } }),

  test_timestamp_assigner_and_watermark_strategy: (env) => {
    env.getConfig().setAutoWatermarkInterval(2000);
    return env.fromCollection(fourRows, Types.ROW([Types.INT(), Types.STRING()]))
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<TsRow>().withTimestampAssigner(secondColumn))
      .keyBy((x) => x[0], Types.INT())
      .process(new TimerOnKeyOne(), Types.STRING());
  },

  test_timestamp_assigner_and_watermark_strategy_batch: (env) => env.setRuntimeMode(RuntimeExecutionMode.BATCH)
    .fromCollection(fourRows, Types.ROW([Types.INT(), Types.STRING()]))
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<TsRow>().withTimestampAssigner(secondColumn))
    .keyBy((x) => x[0], Types.INT())
    .process({
      *processElement(value: TsRow, ctx: KeyedProcessContext<number>) {
        yield `current key: ${ctx.getCurrentKey()}, current timestamp: ${ctx.timestamp()}, current watermark: ${javaLong(ctx.timerService().currentWatermark())}`;
      },
    }, Types.STRING()),

  test_keyed_co_process: (env) => {
    const strategy = WatermarkStrategy.forMonotonousTimestamps<[string, number]>().withTimestampAssigner((x) => x[1]);
    const ds1 = env.fromCollection<[string, number]>([['a', 1], ['b', 2], ['c', 3]], Types.ROW([Types.STRING(), Types.INT()]))
      .assignTimestampsAndWatermarks(strategy);
    const ds2 = env.fromCollection<[string, number]>([['b', 2], ['c', 3], ['d', 4]], Types.ROW([Types.STRING(), Types.INT()]))
      .assignTimestampsAndWatermarks(strategy);
    return ds1.connect(ds2)
      .keyBy((x) => x[0], (x) => x[0])
      .process(new CountingKeyedCoProcessFunction())
      .map((x) => [x[0], x[1] + 1]);
  },

  /** Its test adds a sink of its own, to read each record's timestamp. */
  timers_fire_in_timestamp_order: (env) => {
    env.getConfig().setPerRecordWatermarks(true); // one watermark (ts - 1) after every record
    return env.fromCollection<Ev>([['a', 1000], ['b', 1500], ['a', 2500], ['b', 4000], ['a', 5000]])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e[1]))
      .setParallelism(1) // one watermark generator sees every record (a rebalanced one per subtask would not)
      .keyBy((e) => e[0])
      .process(new Timers());
  },

  one_timer_per_key_and_timestamp: (env) => env.fromCollection<[string, number]>([['a', 10], ['a', 11], ['b', 12]])
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[string, number]>().withTimestampAssigner((e) => e[1]))
    .keyBy((e) => e[0])
    .process({
      processElement(_v: [string, number], ctx: KeyedProcessContext<string>) {
        ctx.timerService().registerEventTimeTimer(100);
        ctx.timerService().registerEventTimeTimer(100);
        ctx.timerService().registerEventTimeTimer(200);
        ctx.timerService().deleteEventTimeTimer(200);
      },
      *onTimer(ts: number, ctx: OnTimerContext<string>) {
        yield `${ctx.getCurrentKey()}:${ts}`;
      },
    }),

  punctuated_watermarks: (env) => {
    env.getConfig().setAutoWatermarkInterval(0); // only the punctuations and the final watermark
    return env.fromCollection<Ev>([['a', 100], ['a', 200], ['flush', 250], ['a', 300]])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forGenerator<Ev>(() => new Punctuated()).withTimestampAssigner((e) => e[1]))
      .setParallelism(1)
      .keyBy((e) => e[0])
      .process({
        *processElement(v: Ev, ctx: KeyedProcessContext<string>) {
          if (v[0] === 'a') ctx.timerService().registerEventTimeTimer(v[1] + 50);
          yield `${v[0]}@${v[1]} watermark ${javaLong(ctx.timerService().currentWatermark())}`;
        },
        *onTimer(ts: number, ctx: OnTimerContext<string>) {
          yield `timer ${ctx.getCurrentKey()}@${ts} watermark ${javaLong(ctx.timerService().currentWatermark())}`;
        },
      });
  },

  bounded_out_of_orderness: (env) => {
    env.getConfig().setPerRecordWatermarks(true);
    return env.fromCollection([1000, 1300, 1200, 2000])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<number>(250).withTimestampAssigner((x) => x))
      .setParallelism(1)
      .keyBy(() => 0)
      .process({
        *processElement(v: number, ctx: KeyedProcessContext<number>) {
          yield [v, ctx.timerService().currentWatermark()] as [number, number];
        },
      });
  },

  test_process_side_output: (env) => {
    const tag = new OutputTag<number>('side', Types.INT());
    class MyProcessFunction extends ProcessFunction<[string, number], string> {
      *processElement(value: [string, number], ctx: ProcessContext) {
        yield value[0];
        ctx.output(tag, value[1]);
      }
    }
    const ds2 = env.fromCollection(abc, Types.ROW([Types.STRING(), Types.INT()])).process(new MyProcessFunction(), Types.STRING());
    return { main: ds2, side: ds2.getSideOutput(tag) };
  },

  test_side_output_chained_with_upstream_operator: (env) => {
    const tag = new OutputTag<number>('side', Types.INT());
    const ds2 = env.fromCollection(abc, Types.ROW([Types.STRING(), Types.INT()]))
      .map((e) => [e[0], e[1] + 1] as [string, number])
      .process({ *processElement(value: [string, number], ctx: ProcessContext) { yield value[0]; ctx.output(tag, value[1]); } }, Types.STRING());
    return { main: ds2, side: ds2.getSideOutput(tag) };
  },

  test_process_multiple_side_output: (env) => {
    const tag1 = new OutputTag<number>('side1', Types.INT());
    const tag2 = new OutputTag<string>('side2', Types.STRING());
    const ds2 = env.fromCollection(abc, Types.ROW([Types.STRING(), Types.INT()])).process({
      *processElement(value: [string, number], ctx: ProcessContext) {
        yield value[0];
        ctx.output(tag1, value[1]);
        ctx.output(tag2, value[0] + String(value[1]));
      },
    }, Types.STRING());
    return { main: ds2, side1: ds2.getSideOutput(tag1), side2: ds2.getSideOutput(tag2) };
  },

  test_co_process_side_output: (env) => {
    const tag = new OutputTag<number>('side', Types.INT());
    class MyCoProcessFunction extends CoProcessFunction<[string, number], [number, string], string> {
      *processElement1(value: [string, number], ctx: ProcessContext) { yield value[0]; ctx.output(tag, value[1]); }
      *processElement2(value: [number, string], ctx: ProcessContext) { yield value[1]; ctx.output(tag, value[0]); }
    }
    const ds1 = env.fromCollection(abc, Types.ROW([Types.STRING(), Types.INT()]));
    const ds2 = env.fromCollection<[number, string]>([[3, 'c'], [1, 'a'], [0, 'd']], Types.ROW([Types.INT(), Types.STRING()]));
    const ds3 = ds1.connect(ds2).process(new MyCoProcessFunction(), Types.STRING());
    return { main: ds3, side: ds3.getSideOutput(tag) };
  },

  test_keyed_process_side_output: (env) => {
    const tag = new OutputTag<number>('side', Types.INT());
    class MyKeyedProcessFunction extends KeyedProcessFunction<string, [string, number], number> {
      private reducingState!: ReducingState<number>;
      override open(ctx: RuntimeContext) {
        this.reducingState = ctx.getReducingState(new ReducingStateDescriptor('reduce', (i: number, j: number) => i + j, Types.INT()));
      }
      *processElement(value: [string, number], ctx: KeyedProcessContext<string>) {
        yield value[1];
        this.reducingState.add(value[1]);
        ctx.output(tag, this.reducingState.get()!);
      }
    }
    const ds2 = env.fromCollection<[string, number]>([['a', 1], ['b', 2], ['a', 3], ['b', 4]], Types.ROW([Types.STRING(), Types.INT()]))
      .keyBy((e) => e[0]).process(new MyKeyedProcessFunction(), Types.INT());
    return { main: ds2, side: ds2.getSideOutput(tag) };
  },

  test_keyed_co_process_side_output: (env) => {
    const tag = new OutputTag<number>('side', Types.INT());
    class MyKeyedCoProcessFunction extends KeyedCoProcessFunction<string, [string, number], [number, string], [string, number]> {
      private reducingState!: ReducingState<number>;
      override open(ctx: RuntimeContext) {
        this.reducingState = ctx.getReducingState(new ReducingStateDescriptor('reduce', (i: number, j: number) => i + j, Types.INT()));
      }
      *processElement1(value: [string, number], ctx: KeyedProcessContext<string>) {
        yield [ctx.getCurrentKey(), value[1]] as [string, number];
        this.reducingState.add(1);
        ctx.output(tag, this.reducingState.get()!);
      }
      *processElement2(value: [number, string], ctx: KeyedProcessContext<string>) {
        yield [ctx.getCurrentKey(), value[0]] as [string, number];
        this.reducingState.add(1);
        ctx.output(tag, this.reducingState.get()!);
      }
    }
    const ds1 = env.fromCollection<[string, number]>([['a', 1], ['b', 2], ['a', 3], ['b', 4]], Types.ROW([Types.STRING(), Types.INT()]));
    const ds2 = env.fromCollection<[number, string]>([[8, 'a'], [7, 'b'], [6, 'a'], [5, 'b']], Types.ROW([Types.INT(), Types.STRING()]));
    const ds3 = ds1.keyBy((e) => e[0]).connect(ds2.keyBy((e) => e[1]))
      .process(new MyKeyedCoProcessFunction(), Types.TUPLE([Types.STRING(), Types.INT()]));
    return { main: ds3, side: ds3.getSideOutput(tag) };
  },

  test_side_output_stream_execute_and_collect: (env) => {
    const tag = new OutputTag<number>('side', Types.INT());
    const ds = env.fromCollection([1, 2, 3], Types.INT())
      .process({ *processElement(v: number, ctx: ProcessContext) { yield v; ctx.output(tag, v * 2); } });
    return ds.getSideOutput(tag);
  },

  test_side_output_tag_reusing: (env) => {
    const tag = new OutputTag<number>('side', Types.INT());
    const fn = () => ({ *processElement(v: number, ctx: ProcessContext) { yield v; ctx.output(tag, v * 2); } });
    const ds = env.fromCollection([1, 2, 3], Types.INT()).process(fn());
    return {
      side1: ds.getSideOutput(tag),
      side2: ds.map((i) => i * 2).process(fn()).getSideOutput(new OutputTag<number>('side')),
    };
  },

  /** Its test adds sinks of its own, to read the side records' timestamps. */
  on_timer_side_output: (env) => {
    const late = new OutputTag<string>('timers');
    const ds = env.fromCollection<[string, number]>([['x', 5], ['y', 7]])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[string, number]>().withTimestampAssigner((e) => e[1]))
      .keyBy((e) => e[0])
      .process({
        *processElement(v: [string, number], ctx: KeyedProcessContext<string>, _out: Collector<string>) {
          ctx.timerService().registerEventTimeTimer(v[1] * 10);
          ctx.output(late, `element ${v[0]}`);
          yield v[0];
        },
        onTimer(ts: number, ctx: OnTimerContext<string>) {
          ctx.output(late, `timer ${ctx.getCurrentKey()}@${ts}`);
        },
      });
    return { main: ds, late: ds.getSideOutput(late) };
  },
} satisfies Record<string, CaseBuilder>;

export const suite = {
  cases,
  orderKeys: {
    timers_fire_in_timestamp_order: (line) => line[0],
    punctuated_watermarks: (line) => line.replace(/^timer /, '').split('@')[0],
    bounded_out_of_orderness: wholeSequence,
  },
} satisfies SuiteOf<typeof cases>;
