/**
 * The window API around the operator: evictors, per-window and per-key state in a
 * ProcessWindowFunction, BATCH mode, and bad input refused with the operator, the call and the fix.
 */
import { describe, expect, it } from 'vitest';
import {
  CountEvictor, CountTrigger, EventTimeSessionWindows, GlobalWindows, NumericAggregate, OutputTag, ProcessWindowFunction,
  ReducingStateDescriptor, RuntimeExecutionMode, SlidingEventTimeWindows, StreamExecutionEnvironment, TimeEvictor, TimeWindow,
  TriggerResult, TumblingEventTimeWindows, ValueStateDescriptor, WatermarkStrategy,
} from '../../src/index.ts';
import type { Collector, OnMergeContext, ProcessWindowContext, Trigger, TriggerContext, Window } from '../../src/index.ts';
import { WindowHarness } from './harness.ts';

type T2 = [string, number];
const key = (t: T2) => t[0];
const sumApply = (k: unknown, _w: Window, input: Iterable<T2>, out: Collector<string>) => {
  out.collect(`${String(k)} ${[...input].map((t) => t[1]).join('+')}`);
};

describe('evictors', () => {
  it('a count evictor keeps the last n elements when a count trigger fires (Flink\'s countWindow(size, slide))', async () => {
    const h = await WindowHarness.open<T2>((k) => k.countWindow(3, 2).apply(sumApply), key);
    for (let i = 1; i <= 7; i++) h.processElement(['a', i], i);
    h.processElement(['b', 1], 1);
    h.processElement(['b', 2], 2);
    expect(h.output).toEqual(['a 1+2@Infinity', 'a 2+3+4@Infinity', 'a 4+5+6@Infinity', 'b 1+2@Infinity']);
  });

  it('a time evictor drops elements older than its size before the newest, before the function runs', async () => {
    const h = await WindowHarness.open<T2>((k) => k.window(TumblingEventTimeWindows.of(10_000)).evictor(TimeEvictor.of(2000)).apply(sumApply), key);
    for (const ts of [1000, 2000, 5000, 5500, 3600]) h.processElement(['a', ts], ts);
    h.processWatermark(9999);
    expect(h.output).toEqual(['a 5000+5500+3600@9999', 'WM 9999']);
  });

  it('an evictor after the function (doEvictAfter) shapes what the next firing sees, and reduce runs over what is left', async () => {
    const h = await WindowHarness.open<T2>((k) => k.window(GlobalWindows.create()).trigger(CountTrigger.of(2)).evictor(CountEvictor.of(1, true))
      .reduce((a, b) => [a[0], a[1] + b[1]]), key);
    for (let i = 1; i <= 5; i++) h.processElement(['a', i * 10], i);
    // Fires with [10, 20] (sum 30), keeps [20]; then [20, 30, 40] (sum 90), keeps [40].
    expect(h.output).toEqual(['(a,30)@Infinity', '(a,90)@Infinity']);
  });
});

describe('a user\'s trigger', () => {
  it('a plain object with Flink\'s methods fires where it says, keeps state per window, and merges with sessions', async () => {
    const seen = new ReducingStateDescriptor<number>('big ones', (a, b) => a + b);
    /** Fires on every element once a window has had two values over 10, and at the window's end (purging). */
    const twoBig = {
      onElement(e: T2, _ts: number | null, w: TimeWindow, ctx: TriggerContext) {
        ctx.registerEventTimeTimer(w.maxTimestamp());
        const big = ctx.getPartitionedState(seen);
        if (e[1] > 10) big.add(1);
        return (big.get() ?? 0) >= 2 ? TriggerResult.FIRE : TriggerResult.CONTINUE;
      },
      onEventTime: (time: number, w: TimeWindow) => (time === w.maxTimestamp() ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE),
      onProcessingTime: () => TriggerResult.CONTINUE,
      onMerge(w: TimeWindow, ctx: OnMergeContext) {
        ctx.mergePartitionedState(seen);
        ctx.registerEventTimeTimer(w.maxTimestamp());
      },
      clear(w: TimeWindow, ctx: TriggerContext) {
        ctx.getPartitionedState(seen).clear();
        ctx.deleteEventTimeTimer(w.maxTimestamp());
      },
    };
    const h = await WindowHarness.open<T2>((k) => k.window(EventTimeSessionWindows.withGap(100)).trigger(twoBig).apply(sumApply), key);
    h.processElement(['a', 11], 0);
    h.processElement(['a', 12], 180);
    expect(h.output).toEqual([]);
    // Joins the two sessions: their counts of big values (1 and 1) merge to 2, so this small one fires the merged window.
    h.processElement(['a', 5], 90);
    h.processWatermark(1000);
    expect(h.output).toEqual(['a 11+12+5@279', 'a 11+12+5@279', 'WM 1000']);
    const tumbling = await WindowHarness.open<T2>((k) => k.window(TumblingEventTimeWindows.of(1000)).trigger(twoBig).apply(sumApply), key);
    for (const [v, ts] of [[11, 1], [2, 2], [30, 3], [4, 4]]) tumbling.processElement(['b', v], ts);
    tumbling.processWatermark(999);
    expect(tumbling.output).toEqual(['b 11+2+30@999', 'b 11+2+30+4@999', 'b 11+2+30+4@999', 'WM 999']);
  });
});

describe('a ProcessWindowFunction\'s state', () => {
  it('windowState() is the window\'s own (cleared in clear()), globalState() the key\'s across windows', async () => {
    const firings = new ValueStateDescriptor<number>('firings');
    const seen = new ValueStateDescriptor<number>('seen');
    class Counting extends ProcessWindowFunction<T2, string, string, TimeWindow> {
      process(k: string, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<T2>, out: Collector<string>) {
        const mine = ctx.windowState().getState(firings);
        const all = ctx.globalState().getState(seen);
        mine.update((mine.value() ?? 0) + 1);
        all.update((all.value() ?? 0) + [...elements].length);
        out.collect(`${k} [${ctx.window().start},${ctx.window().end}) firing ${mine.value()} elements ${[...elements].length} key total ${all.value()} wm ${ctx.currentWatermark()}`);
      }
      override clear(ctx: ProcessWindowContext<TimeWindow>) {
        ctx.windowState().getState(firings).clear();
      }
    }
    const h = await WindowHarness.open<T2>((k) => k.window(TumblingEventTimeWindows.of(1000)).allowedLateness(500).process(new Counting()), key);
    h.processElement(['a', 1], 100);
    h.processElement(['a', 1], 200);
    h.processWatermark(999);
    h.processElement(['a', 1], 300); // late but allowed: fires again
    h.processElement(['a', 1], 1200);
    h.processWatermark(1999);
    expect(h.output).toEqual([
      'a [0,1000) firing 1 elements 2 key total 2 wm 999@999', 'WM 999',
      'a [0,1000) firing 2 elements 3 key total 5 wm 999@999',
      'a [1000,2000) firing 1 elements 1 key total 6 wm 1999@1999', 'WM 1999',
    ]);
    const left = h.snapshot().subtasks[0].keyed.flatMap((p) => (p.kind === 'heap' ? p.states.flatMap((s) => s.entries.map((e) => `${s.name} ${JSON.stringify(e[2])} ${JSON.stringify(e[3])}`)) : []));
    // [0, 1000) is gone (cleaned up at 999 + 500 <= 1999, its clear() ran); [1000, 2000) stays until 2499.
    expect(left).toEqual(['window-contents "1000:2000" [["a",1]]', 'firings "1000:2000" 1', 'seen null 6']);
  });
});

describe('BATCH mode', () => {
  it('fires every event-time window once, at the end of input', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setRuntimeMode(RuntimeExecutionMode.BATCH);
    const out = await env.fromCollection<T2>([['a', 1], ['b', 2], ['a', 1500], ['a', 3]])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<T2>().withTimestampAssigner((e) => e[1]))
      .keyBy(key).window(TumblingEventTimeWindows.of(1000)).reduce((x, y) => [x[0], x[1] + y[1]]).executeAndCollect();
    expect(out.sort()).toEqual([['a', 1500], ['a', 4], ['b', 2]]);
  });
});

describe('bad input', () => {
  const keyed = () => StreamExecutionEnvironment.getExecutionEnvironment().fromCollection<T2>([['a', 1]]).keyBy(key);

  it('refuses bad sizes, offsets and gaps, naming the call and the fix', () => {
    expect(() => TumblingEventTimeWindows.of(0)).toThrow('TumblingEventTimeWindows.of(0): the size must be a whole number of milliseconds > 0, got 0. Fix: TumblingEventTimeWindows.of(Time.minutes(1))');
    expect(() => TumblingEventTimeWindows.of(1000, 1000)).toThrow('TumblingEventTimeWindows.of(1000, 1000): TumblingEventTimeWindows parameters must satisfy abs(offset) < size (offset 1000). Fix: pass an offset in milliseconds with abs(offset) < 1000');
    expect(() => SlidingEventTimeWindows.of(1000, 0.5)).toThrow('SlidingEventTimeWindows.of(1000, 0.5): the slide must be a whole number of milliseconds > 0, got 0.5');
    expect(() => EventTimeSessionWindows.withGap(-1)).toThrow('EventTimeSessionWindows.withGap(-1): the gap must be a whole number of milliseconds > 0, got -1');
    expect(() => CountTrigger.of(0)).toThrow('CountTrigger.of(0): the count must be a whole number > 0. Fix: CountTrigger.of(100)');
    expect(() => keyed().countWindow(0)).toThrow('countWindow(0): the size must be a whole number of elements > 0, got 0. Fix: countWindow(100)');
  });

  it('refuses settings Flink refuses', () => {
    const noMerge = { onElement: () => null, onEventTime: () => null, onProcessingTime: () => null, clear: () => {} } as unknown as Trigger<T2, TimeWindow>;
    expect(() => keyed().window(EventTimeSessionWindows.withGap(10)).trigger(noMerge)).toThrow('trigger(trigger): A merging window assigner cannot be used with a trigger that does not support merging. Fix: give the trigger canMerge() returning true and an onMerge(window, ctx)');
    expect(() => keyed().window(TumblingEventTimeWindows.of(10)).allowedLateness(-1)).toThrow('allowedLateness(-1): The allowed lateness cannot be negative; it is a whole number of milliseconds >= 0. Fix: allowedLateness(Time.seconds(10))');
    expect(() => keyed().window(TumblingEventTimeWindows.of(10)).sideOutputLateData('late' as never)).toThrow('sideOutputLateData(tag): expected an OutputTag, e.g. new OutputTag("late-data"); read it with getSideOutput(tag) on the window\'s result');
    expect(() => keyed().window(TumblingEventTimeWindows.of(10)).reduce({ reduce: (a: T2) => a, open: () => {} })).toThrow('reduce(fn): ReduceFunction of reduce can not be a RichFunction (it has open/close). Fix: pass a plain reduce function, and put open/close on a window function: reduce(fn, windowFunction)');
    const noMergeAgg = { createAccumulator: () => 0, add: (_v: T2, a: number) => a + 1, getResult: (a: number) => a };
    expect(() => keyed().window(EventTimeSessionWindows.withGap(10)).aggregate(noMergeAgg)).toThrow('aggregate(fn): merging (session) windows merge accumulators, and this AggregateFunction has no merge(a, b). Fix: implement merge');
    expect(() => keyed().window({} as never)).toThrow('window(assigner): expected a WindowAssigner, e.g. TumblingEventTimeWindows.of(Time.minutes(1))');
    expect(() => NumericAggregate.of('v', 'median' as never)).toThrow(`NumericAggregate.of("v", "median"): unknown aggregate "median"; expected 'count', 'sum', 'min', 'max', 'avg'`);
  });

  it('fails the job, naming the operator and record, when an event-time window gets a record without a timestamp', async () => {
    const run = keyed().window(TumblingEventTimeWindows.of(10)).reduce((a) => a).name('Tumbling').executeAndCollect();
    await expect(run).rejects.toThrow('Operator "Tumbling" (uid window-1, subtask 1/1) failed on record ["a", 1]: TumblingEventTimeWindows needs each record\'s event time, and this record has no timestamp. Fix: call assignTimestampsAndWatermarks(WatermarkStrategy...withTimestampAssigner(...)) before the window, or use a processing-time window');
  });

  it('runs windowAll at parallelism 1 only', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1, 2]).countWindowAll(2).reduce((a, b) => a + b).setParallelism(2).addSink(() => {});
    await expect(env.execute()).rejects.toThrow('windowAll runs at parallelism 1 (it sees the whole stream), and it was given 2. Fix: remove setParallelism(2) from the windowAll, or key the stream and use window()');
  });

  it('a NumericAggregate over a field that is not a number fails naming the record', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const run = env.fromCollection([{ k: 'a', v: 'x' }]).keyBy('k').countWindow(1).aggregate(NumericAggregate.of('v', 'sum')).executeAndCollect();
    await expect(run).rejects.toThrow('failed on record {k: "a", v: "x"}: NumericAggregate over field "v": {k: "a", v: "x"} holds "x" there, not a number. Fix: aggregate a numeric field, or map the records first');
  });

  it('keeps late data apart by its tag, read with getSideOutput on the result', async () => {
    const tag = new OutputTag<T2>('too-late');
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setPerRecordWatermarks(true);
    const result = env.fromCollection<T2>([['a', 10], ['a', 2000], ['a', 5]])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<T2>().withTimestampAssigner((e) => e[1]))
      .keyBy(key).window(TumblingEventTimeWindows.of(1000)).sideOutputLateData(tag).reduce((a, b) => [a[0], a[1] + b[1]]);
    const late: T2[] = [];
    result.getSideOutput(tag).addSink((e) => { late.push(e); });
    expect(await result.executeAndCollect()).toEqual([['a', 10], ['a', 2000]]);
    expect(late).toEqual([['a', 5]]);
  });
});
