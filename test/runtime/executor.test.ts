import { describe, expect, it } from 'vitest';
import { jobBuilderOf } from '../../src/api/environment.ts';
import {
  JobExecutionError, KeyedCoProcessFunction, KeyedProcessFunction, ProcessFunction, StreamExecutionEnvironment, Types, WatermarkStrategy,
} from '../../src/index.ts';
import type { Collector, KeyedProcessContext, OnTimerContext, ProcessContext } from '../../src/index.ts';
import { Executor } from '../../src/runtime/executor.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Executor', () => {
  it('chains forward edges of equal parallelism and can be stepped by hand', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const seen: number[] = [];
    env.fromCollection([1, 2, 3, 4]).map((x) => x * 10).filter((x) => x !== 20).keyBy((x) => x % 3).sum().addSink((x) => { seen.push(x); });
    const job = jobBuilderOf(env).take({ jobName: 'j', parallelism: 1, maxParallelism: null, runtimeMode: 'STREAMING', autoWatermarkInterval: 0, perRecordWatermarks: false, batchSize: 2, kernels: false });
    const ex = new Executor(job);
    expect(ex.plan.nodes.map((n) => `${n.spec.kind}:${n.inputs.map((e) => (e.chained ? 'chained' : e.resolved)).join(',')}`))
      .toEqual(['source:', 'map:chained', 'filter:chained', 'aggregate:hash', 'sink:chained']);
    await ex.open();
    // The keyed edge from the one source subtask into the one aggregation subtask is a direct
    // call (wiring's fusesAcrossKeyedEdge): a step takes a batch of 2 from the source to the sink.
    expect(ex.step()).toBeGreaterThan(0);
    expect(seen).toEqual([10]);
    ex.step();
    expect(seen).toEqual([10, 30, 50]);
    while (!ex.isFinished()) ex.step();
    expect(seen).toEqual([10, 30, 50]); // keys 1, 0, 1
    expect(ex.metrics().map((m) => [m.name, m.recordsIn, m.recordsOut])).toEqual([
      ['Collection Source', 0, 4], ['Map', 4, 4], ['Filter', 4, 3], ['Keyed Aggregation (sum)', 3, 3], ['Sink', 3, 0],
    ]);
  });

  it('ends a step past its deadline after the batch in hand, and polls sources then only while every queue is within 32', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const seen: number[] = [];
    const left = env.fromCollection(Array.from({ length: 1000 }, (_, i) => i));
    const right = env.fromCollection(Array.from({ length: 1000 }, (_, i) => 1000 + i));
    left.union(right).keyBy((x) => x % 3).map((x) => x).name('Keyed map').addSink((x) => { seen.push(x); });
    const job = jobBuilderOf(env).take({ jobName: 'j', parallelism: 1, maxParallelism: null, runtimeMode: 'STREAMING', autoWatermarkInterval: 0, perRecordWatermarks: false, batchSize: 2, kernels: false });
    const ex = new Executor(job);
    const queued = () => ex.subtaskMetrics().find((m) => m.operator === 'Keyed map')!.queued;
    await ex.open();
    ex.step(); // polls each source once: two batches of 2 wait for the keyed map
    expect(queued()).toBe(2);
    const lengths: number[] = [];
    for (let i = 0; i < 60; i++) {
      ex.step(Number.MAX_SAFE_INTEGER, 0); // already late: one batch is taken
      expect(seen.length).toBe(2 * (i + 1));
      lengths.push(queued());
    }
    // Each late step takes one batch and both sources add one while the queue is within 32; then it stays there.
    expect(lengths.slice(0, 3)).toEqual([3, 4, 5]);
    expect(lengths.slice(-4)).toEqual([33, 34, 33, 34]);
    expect(Math.max(...lengths)).toBe(34);
    while (!ex.isFinished()) ex.step();
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('holds back a fast unbounded source (bounded read-ahead) and cancels cleanly', async () => {
    let produced = 0;
    async function* endless() {
      for (;;) {
        produced++;
        yield produced;
        if (produced % 1000 === 0) await Promise.resolve();
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    let consumed = 0;
    env.addSource(endless(), 'endless').addSink(() => { consumed++; });
    const client = env.executeAsync('unbounded');
    while (consumed < 50_000) await sleep(5);
    const result = await client.cancel();
    expect(result.getOperator('endless')!.recordsOut).toBe(consumed);
    // The reader pulls at most its buffer (4096) ahead of what the job has taken.
    expect(produced - consumed).toBeLessThanOrEqual(4096 + 1);
  });

  it('fires processing-time timers while the source waits for input', async () => {
    async function* slow() {
      yield 'a';
      await sleep(300);
      yield 'b';
    }
    class Timed extends KeyedProcessFunction<string, string, string> {
      processElement(v: string, ctx: KeyedProcessContext<string>, out: Collector<string>) {
        out.collect(`element ${v}`);
        if (v === 'a') ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 10);
      }
      override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>) {
        // Flink's OnTimerContext: ctx.timestamp() is the timer's time in both domains.
        out.collect(`timer ${ctx.getCurrentKey()} ${ctx.timeDomain()} ts=${ctx.timestamp() === ts ? 'the timer\'s time' : String(ctx.timestamp())}`);
      }
    }
    class Stamps extends ProcessFunction<string, string> {
      processElement(v: string, ctx: ProcessContext, out: Collector<string>) {
        out.collect(`${v} (${ctx.timestamp() === null ? 'no timestamp' : 'stamped'})`);
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out = await env.addSource(slow()).keyBy(() => 'k').process(new Timed()).process(new Stamps()).executeAndCollect();
    // ...but what a processing-time onTimer emits carries none (KeyedProcessOperator.onProcessingTime erases it).
    expect(out).toEqual(['element a (no timestamp)', 'timer k PROCESSING_TIME ts=the timer\'s time (no timestamp)', 'element b (no timestamp)']);
  });

  it("a two-input operator's watermark is the minimum of its inputs", async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setPerRecordWatermarks(true);
    const ts = WatermarkStrategy.forMonotonousTimestamps<[string, number]>().withTimestampAssigner((e) => e[1]);
    const fast = env.fromCollection<[string, number]>([['k', 10], ['k', 100], ['k', 200]]).assignTimestampsAndWatermarks(ts);
    const slow = env.fromCollection<[string, number]>([['k', 1], ['k', 2]]).assignTimestampsAndWatermarks(ts);
    class Join extends KeyedCoProcessFunction<string, [string, number], [string, number], string> {
      processElement1(v: [string, number], ctx: KeyedProcessContext<string>, out: Collector<string>) {
        ctx.timerService().registerEventTimeTimer(50);
        out.collect(`fast ${v[1]}`);
      }
      processElement2(v: [string, number], ctx: KeyedProcessContext<string>, out: Collector<string>) {
        out.collect(`slow ${v[1]} wm=${ctx.timerService().currentWatermark()}`);
      }
      override onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>) {
        out.collect(`timer ${t} wm=${ctx.timerService().currentWatermark()}`);
      }
    }
    const out = await fast.keyBy((e) => e[0]).connect(slow.keyBy((e) => e[0])).process(new Join()).executeAndCollect();
    // The timer at 50 cannot fire while the slow input's watermark is 1; it fires at the slow input's end.
    expect(out.indexOf('timer 50 wm=Infinity')).toBe(out.length - 1);
    expect(out.filter((l) => l.startsWith('slow'))).toEqual(['slow 1 wm=-Infinity', 'slow 2 wm=0']);
  });

  it('checks declared output types on every record and names the operator and the fix', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const run = env.fromCollection([1, 2, 3]).map((x) => (x === 2 ? [x, 'two'] : [x, x]), Types.TUPLE([Types.INT(), Types.INT()])).name('Pairs').executeAndCollect();
    await expect(run).rejects.toThrow(JobExecutionError);
    await expect(run).rejects.toThrow('Operator "Pairs" (uid map-1, subtask 1/1) failed on record 2: its output [2, "two"] does not match outputType TUPLE<INT, INT>: "two" at [1] is not an INT (a 32-bit integer). Fix: return values of that type, or change the outputType');
  });
});
