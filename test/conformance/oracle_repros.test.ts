/**
 * Behaviours the Flink oracle (test/flink-oracle) found where Eddy differed from Apache Flink,
 * each pinned here in Flink's terms after the fix, from the oracle's shrunk repro.
 */
import { describe, expect, it, vi } from 'vitest';
import { KeyedProcessFunction, OutputTag, RuntimeExecutionMode, StreamExecutionEnvironment, Types, WatermarkStrategy } from '../../src/index.ts';
import type { Collector, KeyedProcessContext, OnTimerContext, ProcessContext, RuntimeContext, TypeInformation } from '../../src/index.ts';

type Pair = [string, number];

describe('long-rejects-watermark-infinity: a LONG field may hold a watermark', () => {
  // Flink's currentWatermark() is a long: Long.MIN_VALUE before any watermark, Long.MAX_VALUE at
  // the end of input. Eddy writes them as -Infinity and +Infinity, so LONG accepts those two.
  class EmitsWatermarks extends KeyedProcessFunction<string, Pair, Pair> {
    processElement(r: Pair, ctx: KeyedProcessContext<string>, out: Collector<Pair>) {
      out.collect([r[0], ctx.timerService().currentWatermark()]);
      ctx.timerService().registerEventTimeTimer(r[1]);
    }
    override onTimer(_ts: number, ctx: OnTimerContext<string>, out: Collector<Pair>) {
      out.collect([ctx.getCurrentKey(), ctx.timerService().currentWatermark()]);
    }
  }
  const LONG_PAIR = Types.TUPLE([Types.STRING(), Types.LONG()]) as unknown as TypeInformation<Pair>;

  it('accepts Long.MIN_VALUE and Long.MAX_VALUE (-Infinity, +Infinity) in an outputType check', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out = await env.fromCollection<Pair>([['a', 0]]).keyBy((r) => r[0]).process(new EmitsWatermarks(), LONG_PAIR).executeAndCollect();
    expect(out).toEqual([['a', Number.NEGATIVE_INFINITY], ['a', Number.POSITIVE_INFINITY]]);
  });

  it('still refuses NaN and fractions', async () => {
    for (const bad of [Number.NaN, 1.5]) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const job = env.fromCollection([1]).map(() => ['a', bad] as Pair, LONG_PAIR).executeAndCollect();
      await expect(job).rejects.toThrow(`${bad} at [1] is not a LONG (a safe integer, a bigint, or ±Infinity for Long.MIN_VALUE/MAX_VALUE)`);
    }
  });
});

describe('processing-time-timer-output-timestamp: what a processing-time onTimer emits has no timestamp', () => {
  // KeyedProcessOperator.onProcessingTime erases the collector's timestamp, onEventTime sets the
  // timer's; in both, ctx.timestamp() is the timer's time (OnTimerContext), and a side output
  // emitted there carries it.
  const SIDE = new OutputTag<string>('from onTimer');
  class BothDomains extends KeyedProcessFunction<string, Pair, string> {
    processElement(r: Pair, ctx: KeyedProcessContext<string>) {
      ctx.timerService().registerEventTimeTimer(r[1] + 5);
      ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 1);
    }
    override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>) {
      const at = ctx.timeDomain() === 'EVENT_TIME' ? String(ts) : 'now + 1';
      out.collect(`${ctx.timeDomain()} timer at ${at}, ctx.timestamp() ${ctx.timestamp() === ts ? 'is' : 'is not'} its time`);
      ctx.output(SIDE, `${ctx.timeDomain()} ${ts}`);
    }
  }

  for (const mode of [RuntimeExecutionMode.STREAMING, RuntimeExecutionMode.BATCH]) {
    it(`in ${mode}`, async () => {
      // A clock that moves on every reading: the processing-time timer comes due while the source waits.
      let now = 10_000;
      const env = StreamExecutionEnvironment.getExecutionEnvironment({ clock: () => now++ }).setRuntimeMode(mode);
      const main: [string, number | null][] = [];
      const side: string[] = [];
      let release = (): void => {};
      const released = new Promise<void>((resolve) => { release = resolve; });
      // In STREAMING a processing-time timer still pending at the end is dropped: the source stays open until it fired.
      async function* events(): AsyncGenerator<Pair> {
        yield ['a', 100];
        if (mode === RuntimeExecutionMode.STREAMING) await released;
      }
      const timed = env.addSource(events())
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Pair>().withTimestampAssigner((r) => r[1]))
        .keyBy((r) => r[0])
        .process(new BothDomains());
      timed.addSink((v, ctx) => {
        main.push([v, ctx.timestamp()]);
        release();
      });
      timed.getSideOutput(SIDE).addSink((v, ctx) => { side.push(`${v} stamped ${ctx.timestamp()}`); });
      await env.execute();
      expect(main.sort()).toEqual([
        ['EVENT_TIME timer at 105, ctx.timestamp() is its time', 105],
        ['PROCESSING_TIME timer at now + 1, ctx.timestamp() is its time', null],
      ]);
      expect(side.sort()).toEqual(['EVENT_TIME 105 stamped 105', expect.stringMatching(/^PROCESSING_TIME (\d+) stamped \1$/)]);
    });
  }
});

describe('keyed-sink-not-partitioned: a sink on a KeyedStream is partitioned by key', () => {
  // keyBy(f).sinkTo(sink) in Flink: each record goes to the sink subtask owning its key group
  // (key "a" to subtask 1 of 2, "b" and "c" to subtask 0; see key_groups.test.ts).
  class BySubtask {
    private subtask = -1;
    private readonly rows: [number, string][];
    constructor(rows: [number, string][]) {
      this.rows = rows;
    }
    open(ctx: RuntimeContext) {
      this.subtask = ctx.getIndexOfThisSubtask();
    }
    invoke(r: Pair) {
      this.rows.push([this.subtask, `${r[0]}${r[1]}`]);
    }
  }

  it('addSink', async () => {
    const rows: [number, string][] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    env.fromCollection<Pair>([['a', 1], ['b', 2], ['a', 3], ['c', 4], ['a', 5]]).keyBy((r) => r[0]).addSink(new BySubtask(rows));
    await env.execute();
    expect(rows.filter(([s]) => s === 1)).toEqual([[1, 'a1'], [1, 'a3'], [1, 'a5']]);
    expect(rows.filter(([s]) => s === 0)).toEqual([[0, 'b2'], [0, 'c4']]);
  });

  it('print', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(line); });
    try {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
      env.fromCollection<Pair>([['a', 1], ['b', 2], ['a', 3]]).keyBy((r) => r[0]).print('k');
      await env.execute();
    } finally {
      log.mockRestore();
    }
    expect(lines.sort()).toEqual(['k:1> ["b", 2]', 'k:2> ["a", 1]', 'k:2> ["a", 3]']);
  });
});

describe('watermarks-operator-parallelism: assignTimestampsAndWatermarks runs at its input\'s parallelism', () => {
  // DataStream.assignTimestampsAndWatermarks gives the operator its input's parallelism, so on a
  // parallelism-1 source one generator sees every record, in order, chained to the source.
  type Event = [key: string, n: number, time: number];
  const strategy = () => WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e[2]);

  it('keeps a parallelism-1 source\'s order and watermarks in a parallel job', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    env.getConfig().setPerRecordWatermarks(true);
    const rows: string[] = [];
    const stamped = env.fromCollection<Event>([['a', 1, 0], ['a', 2, 0], ['a', 3, 1], ['a', 4, 2]]).assignTimestampsAndWatermarks(strategy());
    expect(stamped.getParallelism()).toBe(1);
    stamped.keyBy((e) => e[0]).sum(1).addSink((e, ctx) => { rows.push(`${e[1]}@${ctx.timestamp()} wm ${ctx.currentWatermark()}`); });
    await env.execute();
    expect(rows).toEqual(['1@0 wm -Infinity', '3@0 wm -1', '6@1 wm -1', '10@2 wm 0']);
  });

  it('follows its input\'s parallelism, or its own when set', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(3);
    const parallel = env.fromSequence(1, 10).map((n): Event => ['k', n, n]).setParallelism(2);
    expect(parallel.assignTimestampsAndWatermarks(strategy()).getParallelism()).toBe(2);
    expect(parallel.assignTimestampsAndWatermarks(strategy()).setParallelism(4).getParallelism()).toBe(4);
    expect(env.fromSequence(1, 10).map((n): Event => ['k', n, n]).assignTimestampsAndWatermarks(strategy()).getParallelism()).toBe(3);
  });
});

describe('batch-aggregate-timestamp and batch-watermark-after-end: a BATCH aggregation\'s results', () => {
  // BatchGroupedReduceOperator emits each key's final result from a timer at the end of the key,
  // stamped Long.MAX_VALUE (+Infinity here), before the operator passes the final watermark on:
  // the next operator reads them with the watermark still at its minimum, and their timers fire.
  const batchEnv = (p = 1) => StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p).setRuntimeMode(RuntimeExecutionMode.BATCH);
  type Row = [key: string, n: number];

  it('carry the maximal timestamp (sum, min, max, minBy, maxBy, reduce; JS path and kernel)', async () => {
    const env = batchEnv(2);
    const stamps: string[] = [];
    const rows = env.fromCollection<Row>([['a', 1], ['b', 2], ['a', 3]]);
    const keyed = () => rows.keyBy((r) => r[0]);
    const aggregates = [keyed().sum(1), keyed().min(1), keyed().max(1), keyed().minBy(1), keyed().maxBy(1), keyed().reduce((x, y) => [x[0], x[1] * y[1]])];
    aggregates.forEach((s, i) => s.addSink((r, ctx) => { stamps.push(`${i} ${r[0]}=${r[1]}@${ctx.timestamp()}`); }));
    env.fromColumns({ key: Int32Array.of(7, 8, 7), value: Float64Array.of(1, 2, 3) }).keyBy('key').sum('value')
      .addSink((r, ctx) => { stamps.push(`kernel ${r.key}=${r.value}@${ctx.timestamp()}`); });
    await env.execute();
    expect(stamps.sort()).toEqual([
      '0 a=4@Infinity', '0 b=2@Infinity', '1 a=1@Infinity', '1 b=2@Infinity', '2 a=3@Infinity', '2 b=2@Infinity',
      '3 a=1@Infinity', '3 b=2@Infinity', '4 a=3@Infinity', '4 b=2@Infinity', '5 a=3@Infinity', '5 b=2@Infinity',
      'kernel 7=4@Infinity', 'kernel 8=2@Infinity',
    ]);
  });

  it('reach the next operator before the final watermark: it reads the minimal one, and its timers fire', async () => {
    const env = batchEnv();
    const out: string[] = [];
    const sums = env.fromCollection<Row>([['a', 1], ['b', 2], ['a', 3]]).keyBy((r) => r[0]).sum(1);
    sums.process({
      processElement: (r: Row, ctx: ProcessContext, o: Collector<string>) => o.collect(`${r[0]}=${r[1]} sees watermark ${ctx.timerService().currentWatermark()}`),
    }).addSink((line) => { out.push(line); });
    sums.keyBy((r) => r[0]).process(new (class extends KeyedProcessFunction<string, Row, string> {
      processElement(r: Row, ctx: KeyedProcessContext<string>) {
        ctx.timerService().registerEventTimeTimer(r[1]);
      }
      override onTimer(ts: number, ctx: OnTimerContext<string>, o: Collector<string>) {
        o.collect(`${ctx.getCurrentKey()} timer ${ts}`);
      }
    })()).addSink((line) => { out.push(line); });
    await env.execute();
    expect(out.sort()).toEqual(['a timer 4', 'a=4 sees watermark -Infinity', 'b timer 2', 'b=2 sees watermark -Infinity']);
  });
});
