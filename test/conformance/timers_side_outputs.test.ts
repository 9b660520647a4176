// Event time, timers and side outputs. Ports of PyFlink's test_process_function,
// test_timestamp_assigner_and_watermark_strategy (STREAMING and BATCH), test_keyed_co_process,
// test_process_side_output, test_side_output_chained_with_upstream_operator,
// test_process_multiple_side_output, test_co_process_side_output, test_keyed_process_side_output,
// test_keyed_co_process_side_output, test_side_output_stream_execute_and_collect,
// test_side_output_tag_reusing; plus timer and watermark rules from Flink's docs.
import { describe, expect, it } from 'vitest';
import { WatermarkStrategy } from '../../src/index.ts';
import type { KeyedProcessContext, OnTimerContext, ProcessContext } from '../../src/index.ts';
import { cases, fourRows, secondColumn } from './cases/timers_side_outputs.ts';
import { PARALLELISMS, Turnstile, collector, envAt, javaLong, perKey, runCase, runOutputs, sorted } from './support.ts';

type TsRow = [number, string];

describe.each(PARALLELISMS)('event time and timers, parallelism %i', (p) => {
  it('test_process_function: ctx.timestamp() is the assigned timestamp; no watermark yet within the first interval', async () => {
    const out = await runCase(cases.test_process_function, p);
    expect(sorted(out)).toEqual(fourRows.map((r) =>
      `current timestamp: ${r[1]}, current watermark: -9223372036854775808, current_value: Row(f0=${r[0]}, f1='${r[1]}')`));
  });

  it('without a timestamp assigner, ctx.timestamp() is null and the watermark is Long.MIN_VALUE', async () => {
    const out = await runCase(cases.without_timestamp_assigner, p);
    expect(sorted(out)).toEqual([[1, null, '-9223372036854775808'], [2, null, '-9223372036854775808']]);
  });

  it('test_timestamp_assigner_and_watermark_strategy (STREAMING): the end of input fires the event-time timer', async () => {
    const out = await runCase(cases.test_timestamp_assigner_and_watermark_strategy, p);
    expect(sorted(out)).toEqual(sorted([
      ...fourRows.map((r) => `current key: ${r[0]}, current timestamp: ${r[1]}, current watermark: -9223372036854775808, current_value: Row(f0=${r[0]}, f1='${r[1]}')`),
      'on timer: 3',
    ]));
  });

  it('test_timestamp_assigner_and_watermark_strategy (BATCH): the watermark stays at its minimum while records flow', async () => {
    const out = await runCase(cases.test_timestamp_assigner_and_watermark_strategy_batch, p);
    expect(sorted(out)).toEqual(fourRows.map((r) => `current key: ${r[0]}, current timestamp: ${r[1]}, current watermark: -9223372036854775808`));
  });

  it('test_keyed_co_process: keyed state shared by both inputs, and an event-time timer', async () => {
    const out = await runCase(cases.test_keyed_co_process, p);
    expect(sorted(out)).toEqual(sorted([['a', 2], ['b', 2], ['b', 3], ['c', 2], ['c', 3], ['d', 2], ['on_timer', 4]]));
  });

  it('timers fire in timestamp order when the watermark passes them, in the key\'s context, seeing that watermark', async () => {
    const env = envAt(p);
    const timestamps: (number | null)[] = [];
    const out: string[] = [];
    cases.timers_fire_in_timestamp_order(env).addSink((v, ctx) => { out.push(v); timestamps.push(ctx.timestamp()); });
    await env.execute();
    const groups = perKey(out, (line) => line[0]);
    expect(groups.get('"a"')).toEqual([
      'a@1000 sees watermark -9223372036854775808',
      'a@2500 sees watermark 1499',
      'a timer 2000 (EVENT_TIME, timestamp 2000) at watermark 2499',
      'a timer 3500 (EVENT_TIME, timestamp 3500) at watermark 3999',
      'a@5000 sees watermark 3999',
      'a timer 6000 (EVENT_TIME, timestamp 6000) at watermark 9223372036854775807',
    ]);
    expect(groups.get('"b"')).toEqual([
      'b@1500 sees watermark 999',
      'b@4000 sees watermark 2499',
      'b timer 2500 (EVENT_TIME, timestamp 2500) at watermark 3999',
      'b timer 5000 (EVENT_TIME, timestamp 5000) at watermark 9223372036854775807',
    ]);
    // Records emitted by onTimer carry the timer's timestamp; the others the element's.
    expect(sorted(timestamps)).toEqual([1000, 1500, 2000, 2500, 2500, 3500, 4000, 5000, 5000, 6000]);
  });

  it('at most one timer per (key, timestamp); a deleted timer does not fire', async () => {
    const out = await runCase(cases.one_timer_per_key_and_timestamp, p);
    expect(sorted(out)).toEqual(['a:100', 'b:100']);
  });

  it('a punctuated watermark generator (forGenerator) fires timers at its punctuation', async () => {
    const out = await runCase(cases.punctuated_watermarks, p);
    expect(perKey(out, (l) => l.replace(/^timer /, '').split('@')[0]).get('"a"')).toEqual([
      'a@100 watermark -9223372036854775808',
      'a@200 watermark -9223372036854775808',
      'timer a@150 watermark 250',
      'timer a@250 watermark 250',
      'a@300 watermark 250',
      'timer a@350 watermark 9223372036854775807',
    ]);
    expect(out).toContain('flush@250 watermark -9223372036854775808');
  });

  it('a two-input operator\'s watermark is the minimum of its inputs', async () => {
    // A turnstile orders the two sources: input 1 sends 1000, input 2 sends 2000, input 1 sends
    // 5000 and ends, and only then input 2 ends. Input 1's watermark reaches 4999, but input 2
    // holds the operator at 1999 until its end, so the timer at 3000 fires only at the end.
    const turn = new Turnstile();
    async function* input1() {
      yield 1000;
      await turn.until(2);
      yield 5000;
    }
    async function* input2() {
      await turn.until(1);
      yield 2000;
      await turn.until(3);
    }
    const env = envAt(p);
    env.getConfig().setPerRecordWatermarks(true);
    const strategy = () => WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((x) => x);
    const s1 = env.addSource(input1(), 'input 1').assignTimestampsAndWatermarks(strategy()).setParallelism(1);
    const s2 = env.addSource(input2(), 'input 2').assignTimestampsAndWatermarks(strategy()).setParallelism(1);
    const out = await s1.connect(s2).keyBy(() => 'k', () => 'k').process({
      processElement1(v: number, ctx: KeyedProcessContext<string>) {
        if (v === 1000) ctx.timerService().registerEventTimeTimer(3000);
        turn.advance();
      },
      processElement2() {
        turn.advance();
      },
      *onTimer(ts: number, ctx: OnTimerContext<string>) {
        yield `timer ${ts} at watermark ${javaLong(ctx.timerService().currentWatermark())} after ${turn.count} elements`;
      },
    }).executeAndCollect();
    expect(out).toEqual(['timer 3000 at watermark 9223372036854775807 after 3 elements']);
  });

  it('BoundedOutOfOrderness: watermark = max timestamp seen - bound - 1, never going back', async () => {
    const out = await runCase(cases.bounded_out_of_orderness, p);
    expect(out).toEqual([[1000, Number.NEGATIVE_INFINITY], [1300, 749], [1200, 1049], [2000, 1049]]);
  });

  it('periodic watermarks: the first one comes one interval after the start, not at once', async () => {
    // Flink's TimestampsAndWatermarksOperator.open() registers its first periodic emit at
    // now + autoWatermarkInterval. With a clock that stands still, no periodic watermark may come
    // before the end of input, so every record sees Long.MIN_VALUE.
    const env = envAt(p, { clock: () => 1_700_000_000_000 });
    env.getConfig().setAutoWatermarkInterval(200).setBatchSize(1);
    const out = await env.fromCollection(fourRows)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<TsRow>().withTimestampAssigner(secondColumn))
      .setParallelism(1)
      .process({
        *processElement(v: TsRow, ctx: ProcessContext) {
          yield `${v[0]}: ${javaLong(ctx.timerService().currentWatermark())}`;
        },
      })
      .executeAndCollect();
    expect(sorted(out)).toEqual(['1: -9223372036854775808', '2: -9223372036854775808', '3: -9223372036854775808', '4: -9223372036854775808']);
  });
});

describe.each(PARALLELISMS)('processing-time timers at the end of a bounded STREAMING job, parallelism %i', (p) => {
  it('are dropped, as when a Flink task finishes: the job ends at once and the timers never fire', async () => {
    const env = envAt(p);
    const out = await env.fromCollection(['a', 'b', 'c']).keyBy((w) => w).process({
      *processElement(w: string, ctx: KeyedProcessContext<string>) {
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 3_600_000);
        yield `element ${w}`;
      },
      *onTimer(timestamp: number, ctx: OnTimerContext<string>) {
        yield `timer ${ctx.getCurrentKey()} ${timestamp}`;
      },
    }).executeAndCollect();
    expect(sorted(out)).toEqual(['element a', 'element b', 'element c']);
  });
});

describe.each(PARALLELISMS)('side outputs, parallelism %i', (p) => {
  it('test_process_side_output', async () => {
    const { main, side } = await runOutputs(cases.test_process_side_output, p);
    expect(sorted(main)).toEqual(['a', 'b', 'c']);
    expect(sorted(side)).toEqual([0, 1, 2]);
  });

  it('test_side_output_chained_with_upstream_operator', async () => {
    const { main, side } = await runOutputs(cases.test_side_output_chained_with_upstream_operator, p);
    expect(sorted(main)).toEqual(['a', 'b', 'c']);
    expect(sorted(side)).toEqual([1, 2, 3]);
  });

  it('test_process_multiple_side_output', async () => {
    const { main, side1, side2 } = await runOutputs(cases.test_process_multiple_side_output, p);
    expect(sorted(main)).toEqual(['a', 'b', 'c']);
    expect(sorted(side1)).toEqual([0, 1, 2]);
    expect(sorted(side2)).toEqual(['a0', 'b1', 'c2']);
  });

  it('test_co_process_side_output', async () => {
    const { main, side } = await runOutputs(cases.test_co_process_side_output, p);
    expect(sorted(main)).toEqual(['a', 'a', 'b', 'c', 'c', 'd']);
    expect(sorted(side)).toEqual([0, 0, 1, 1, 2, 3]);
  });

  it('test_keyed_process_side_output', async () => {
    const { main, side } = await runOutputs(cases.test_keyed_process_side_output, p);
    expect(sorted(main)).toEqual([1, 2, 3, 4]);
    expect(sorted(side)).toEqual([1, 2, 4, 6]);
  });

  it('test_keyed_co_process_side_output: both inputs count into one ReducingState per key', async () => {
    const { main, side } = await runOutputs(cases.test_keyed_co_process_side_output, p);
    expect(sorted(main)).toEqual(sorted([['a', 1], ['b', 2], ['a', 3], ['b', 4], ['b', 5], ['a', 6], ['b', 7], ['a', 8]]));
    expect(sorted(side)).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('test_side_output_stream_execute_and_collect', async () => {
    expect(sorted(await runCase(cases.test_side_output_stream_execute_and_collect, p))).toEqual([2, 4, 6]);
  });

  it('test_side_output_tag_reusing: one tag on two operators; tags are equal by id', async () => {
    const { side1, side2 } = await runOutputs(cases.test_side_output_tag_reusing, p);
    expect(sorted(side1)).toEqual([2, 4, 6]);
    expect(sorted(side2)).toEqual([4, 8, 12]);
  });

  it('onTimer can write to a side output; side records keep their timestamps', async () => {
    const env = envAt(p);
    const main = collector<string>();
    const side: [string, number | null][] = [];
    const streams = cases.on_timer_side_output(env);
    streams.main.addSink(main.sink);
    streams.late.addSink((v, ctx) => { side.push([v, ctx.timestamp()]); });
    await env.execute();
    expect(sorted(main.values)).toEqual(['x', 'y']);
    expect(sorted(side)).toEqual([['element x', 5], ['element y', 7], ['timer x@50', 50], ['timer y@70', 70]]);
  });
});
