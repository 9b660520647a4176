// BATCH mode sorts every keyed input of an operator by (key, timestamp) before it, as Flink's
// SortingDataInput and MultiInputSortingDataInput do: a key's records reach the operator in
// timestamp order whatever order they arrived in, records without a timestamp first, an
// aggregation's end-of-key results (Long.MAX_VALUE) last; equal timestamps keep their order.
import { describe, expect, it, vi } from 'vitest';
import { jobBuilderOf } from '../../src/api/environment.ts';
import { KeyedProcessFunction, RuntimeExecutionMode, StreamExecutionEnvironment, Types, WatermarkStrategy } from '../../src/index.ts';
import type { DataStream } from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import type { Collector, KeyedProcessContext } from '../../src/index.ts';
import { cases } from './cases/batch_sort.ts';
import type { Event } from './cases/batch_sort.ts';
import { PARALLELISMS, perKey, runCase, runOutputs, sorted } from './support.ts';

describe.each(PARALLELISMS)('BATCH sorts keyed inputs by timestamp, parallelism %i', (p) => {
  it('sum keeps the fields of the key\'s earliest record, not its first to arrive', async () => {
    expect(sorted(await runCase(cases.sum_keeps_earliest, p))).toEqual([['d', 3, 'early', 1], ['e', 5, 'only', 3]]);
  });

  it('minBy and maxBy keep the earliest of equal extremes', async () => {
    const out = await runOutputs(cases.min_by_max_by_ties, p);
    expect(out.minBy).toEqual([['a', 1, 'min-early', 30]]);
    expect(out.maxBy).toEqual([['a', 5, 'max-early', 10]]);
  });

  it('reduce folds each key\'s records in timestamp order', async () => {
    expect(sorted(await runCase(cases.reduce_in_time_order, p))).toEqual([['j', 0, 'xy', 9], ['k', 0, 'abc', 3]]);
  });

  it('a keyed process function sees each key\'s records in timestamp order, at the minimal watermark', async () => {
    const out = perKey(await runCase(cases.process_in_time_order, p), (r) => r.split(' ')[0]);
    expect(out.get('"a"')).toEqual(['a first ts=10 wm=-Infinity', 'a second ts=20 wm=-Infinity', 'a third ts=30 wm=-Infinity']);
    expect(out.get('"b"')).toEqual(['b first ts=5 wm=-Infinity', 'b second ts=20 wm=-Infinity']);
  });

  it('a map on a KeyedStream is fed sorted too', async () => {
    expect(await runCase(cases.map_on_keyed_stream, p)).toEqual(['first', 'second', 'third']);
  });

  it('a keyed connect merges each key\'s two inputs by timestamp', async () => {
    const out = perKey(await runCase(cases.connect_merged_by_time, p), (r) => r.split(' ')[0]);
    expect(out.get('"k"')).toEqual(['k 1:item-1', 'k 2:order-2', 'k 2:order-3', 'k 1:item-4']);
    expect(out.get('"m"')).toEqual(['m 2:order-6', 'm 1:item-7', 'm 2:order-8']);
  });

  it('records without a timestamp come first, in arrival order', async () => {
    expect(await runCase(cases.unstamped_first, p)).toEqual([
      'a none-1 ts=null wm=-Infinity', 'a none-2 ts=null wm=-Infinity', 'a t10 ts=10 wm=-Infinity', 'a t20 ts=20 wm=-Infinity',
    ]);
  });

  it('an aggregation\'s end-of-key results (Long.MAX_VALUE) come last', async () => {
    expect(await runCase(cases.aggregate_results_last, p)).toEqual(['all at-1 ts=1 wm=-Infinity', 'all at-9 ts=9 wm=-Infinity', 'all sum-a ts=Infinity wm=-Infinity']);
  });
});

describe('BATCH sorting, beyond the records\' order', () => {
  it('STREAMING keeps arrival order (nothing is sorted there)', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out = await env.fromCollection<Event>([['d', 1, 'late', 2], ['d', 2, 'early', 1]])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e[3]))
      .keyBy(0)
      .sum(1)
      .executeAndCollect();
    expect(out).toEqual([['d', 1, 'late', 2], ['d', 3, 'late', 2]]);
  });

  it('equal timestamps keep their arrival order, over many records and batches', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.getConfig().setBatchSize(7);
    // 300 records of 3 keys, times 2, 1, 0 repeating (so every time holds 100 records): within a
    // key and a time, the arrival order is the order of i.
    const events = Array.from({ length: 300 }, (_, i): Event => [`k${i % 3}`, i, '', 2 - (i % 3 === 0 ? i % 2 : (i >> 1) % 3)]);
    const out = await env.fromCollection(events)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e[3]))
      .keyBy((e) => e[0])
      .map((e) => [e[0], e[3], e[1]] as [string, number, number])
      .executeAndCollect();
    const byKey = perKey(out, (r) => r[0]);
    for (const key of ['k0', 'k1', 'k2']) {
      const expected = events.filter((e) => e[0] === key).map((e) => [key, e[3], e[1]]).sort((a, b) => (a[1] as number) - (b[1] as number));
      expect(byKey.get(JSON.stringify(key))).toEqual(expected); // Array.prototype.sort is stable: ties keep the order of i
    }
  });

  it('timers still fire after every record, each key\'s in time order', async () => {
    class Timer extends KeyedProcessFunction<string, Event, string> {
      processElement(e: Event, ctx: KeyedProcessContext<string>, out: Collector<string>) {
        out.collect(`element ${e[3]}`);
        ctx.timerService().registerEventTimeTimer(e[3] + 100);
      }
      override onTimer(ts: number, _ctx: unknown, out: Collector<string>) {
        out.collect(`timer ${ts}`);
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setRuntimeMode(RuntimeExecutionMode.BATCH);
    const out = await env.fromCollection<Event>([['a', 0, '', 3], ['a', 0, '', 1], ['a', 0, '', 2]])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e[3]))
      .keyBy((e) => e[0])
      .process(new Timer())
      .executeAndCollect();
    expect(out).toEqual(['element 1', 'element 2', 'element 3', 'timer 101', 'timer 102', 'timer 103']);
  });

  it('ignores enableCheckpointing(), as Flink does in BATCH, and says so', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setRuntimeMode(RuntimeExecutionMode.BATCH).enableCheckpointing(1);
      env.getConfig().setBatchSize(1);
      const events = Array.from({ length: 200 }, (_, i): Event => ['k', 1, `at ${200 - i}`, 200 - i]);
      const out = await env.fromCollection(events)
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e[3]))
        .keyBy(0)
        .sum(1)
        .executeAndCollect();
      expect(out).toEqual([['k', 200, 'at 1', 1]]);
      expect(warn.mock.calls).toEqual([['eddy: enableCheckpointing() is ignored in BATCH mode, as in Flink: checkpoints are not supported and not needed there (keyed inputs are sorted, their records held until the input ends). Fix: leave it out, or run the job in STREAMING mode to checkpoint it']]);
    } finally {
      warn.mockRestore();
    }
  });

  it('the kernel path sums in timestamp order too, bit for bit the JS path\'s', async () => {
    // Arrival order 1e16, 1, -1e16 sums to 0 (1e16 + 1 rounds to 1e16); time order 1e16, -1e16, 1 sums to 1.
    const times = new Map([[1e16, 1], [1, 3], [-1e16, 2]]);
    const build = (kernels: boolean) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setRuntimeMode(RuntimeExecutionMode.BATCH);
      env.getConfig().setKernelsEnabled(kernels);
      const stream: DataStream<[number, number]> = env.fromCollection<[number, number]>([[7, 1e16], [7, 1], [7, -1e16]], Types.TUPLE([Types.INT(), Types.DOUBLE()]))
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[number, number]>().withTimestampAssigner((r) => times.get(r[1])!))
        .keyBy(0)
        .sum(1);
      return { env, stream };
    };
    const planned = build(true);
    planned.stream.print();
    const kernel = buildPhysicalPlan(jobBuilderOf(planned.env).take({ jobName: 'j', parallelism: 1, maxParallelism: null, runtimeMode: 'BATCH', autoWatermarkInterval: 0, perRecordWatermarks: false, batchSize: 8, kernels: true }).graph)
      .nodes.find((n) => n.spec.kind === 'aggregate')!.kernel;
    expect(kernel?.record).toBe('tuple');
    expect(await build(true).stream.executeAndCollect()).toEqual([[7, 1]]);
    expect(await build(false).stream.executeAndCollect()).toEqual([[7, 1]]);
  });
});
