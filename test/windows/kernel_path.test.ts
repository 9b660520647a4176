/**
 * Windows in the WASM kernels end to end: columns stay columns from the source through the
 * timestamps and the window to a column sink, results equal the JS path's, windowAll runs there
 * too, and a table over its memory limit fails saying so.
 */
import { describe, expect, it } from 'vitest';
import {
  KeyAndWindow, NumericAggregate, SlidingEventTimeWindows, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy,
} from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { jobOf } from '../support/jobs.ts';
import { WindowHarness } from './harness.ts';

const n = 20_000;
const columns = () => ({
  key: Int32Array.from({ length: n }, (_, i) => (i * 7919) % 97),
  value: Float64Array.from({ length: n }, (_, i) => ((i * 31) % 1000) - 500),
  time: Float64Array.from({ length: n }, (_, i) => i * 10 + ((i * 13) % 50)),
});

type Row = Record<string, number>;

function job(env: StreamExecutionEnvironment, sliding: boolean, sink: { rows: Row[]; batches: number }) {
  env.getConfig().setBatchSize(4096);
  env.fromColumns(columns())
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Row>(100).withTimestampAssigner('time'))
    .keyBy('key')
    .window(sliding ? SlidingEventTimeWindows.of(5000, 1000) : TumblingEventTimeWindows.of(1000))
    .aggregate(NumericAggregate.of<Row>('value', 'count', 'sum', 'min', 'max', 'avg'), new KeyAndWindow())
    .addSink({
      invoke: (row) => { sink.rows.push(row as unknown as Row); },
      invokeColumns: (cols, length) => {
        sink.batches++;
        const names = Object.keys(cols);
        for (let i = 0; i < length; i++) sink.rows.push(Object.fromEntries(names.map((c) => [c, cols[c][i] as number])));
      },
    });
}

describe('windows in the kernels, end to end', () => {
  it.each([false, true])('columns stay columns from source to sink (sliding %s), and the results are the JS path\'s', async (sliding) => {
    const runs: { rows: Row[]; batches: number }[] = [];
    for (const kernels of [true, false]) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
      env.getConfig().setKernelsEnabled(kernels);
      const sink = { rows: [] as Row[], batches: 0 };
      job(env, sliding, sink);
      await env.execute();
      runs.push(sink);
    }
    const [kernel, js] = runs;
    expect(kernel.batches).toBeGreaterThan(0);
    expect(kernel.rows.length).toBe(js.rows.length);
    expect(js.batches).toBe(0);
    const sorted = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(sorted(kernel.rows)).toEqual(sorted(js.rows));
    const plan = buildPhysicalPlan(jobOf(StreamExecutionEnvironment.getExecutionEnvironment(), (e) => job(e, sliding, { rows: [], batches: 0 })).graph);
    expect(plan.nodes.find((x) => x.spec.kind === 'window')!.windowKernel).toMatchObject({ keyColumn: 'key', integerKeys: true, output: { kind: 'numeric', asColumns: true } });
  });

  it('runs windowAll in the kernels too', async () => {
    const results: string[][] = [];
    for (const kernels of [true, false]) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.getConfig().setKernelsEnabled(kernels);
      const out = await env.fromCollection([3, 1, 4, 1, 5, 9, 2, 6, 5, 3].map((v, i) => ({ v, t: i * 100 })))
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<{ v: number; t: number }>().withTimestampAssigner('t'))
        .windowAll(TumblingEventTimeWindows.of(300)).aggregate(NumericAggregate.of('v', 'count', 'max')).executeAndCollect();
      results.push(out.map((r) => JSON.stringify(r)));
    }
    expect(results[0]).toEqual(['{"count":3,"max":4}', '{"count":3,"max":9}', '{"count":3,"max":6}', '{"count":1,"max":3}']);
    expect(results[1]).toEqual(results[0]);
  });

  it('fails naming the record that has no timestamp, with the JS path\'s message, before and after a watermark', async () => {
    type E = { k: string; v: number };
    for (const sliding of [false, true]) {
      const messages: string[] = [];
      for (const kernels of [false, true]) {
        for (const watermark of [false, true]) {
          const build = (keyed: import('../../src/index.ts').KeyedStream<E, unknown>) => keyed
            .window(sliding ? SlidingEventTimeWindows.of(1000, 500) : TumblingEventTimeWindows.of(1000)).aggregate(NumericAggregate.of<E>('v', 'sum'));
          const h = await WindowHarness.open<E>(build, (e) => e.k, { kernels });
          h.processElement({ k: 'a', v: 1 }, 100);
          if (watermark) h.processWatermark(2000);
          expect(() => h.processElement({ k: 'b', v: 2 }, null)).toThrow(Error);
          try {
            h.processElement({ k: 'b', v: 2 }, null);
          } catch (error) {
            messages.push((error as Error).message);
          }
        }
      }
      const name = sliding ? 'SlidingEventTimeWindows' : 'TumblingEventTimeWindows';
      expect(messages[0]).toMatch(new RegExp(`failed on record \\{k: "b", v: 2\\}: ${name} needs each record's event time, and this record has no timestamp\\. Fix: call assignTimestampsAndWatermarks\\(WatermarkStrategy\\.\\.\\.withTimestampAssigner\\(\\.\\.\\.\\)\\) before the window, or use a processing-time window$`));
      expect(messages).toEqual([messages[0], messages[0], messages[0], messages[0]]);
    }
  });

  it('fails at the first bad record of a batch, as the JS path: a record without a timestamp before one whose value is not a number, and the other way round', async () => {
    type E = { k: string; v: unknown };
    const batch: E[] = [{ k: 'a', v: 1 }, { k: 'b', v: 2 }, { k: 'c', v: 3 }, { k: 'd', v: 4 }];
    const cases = [
      { noTimestampAt: 1, badValueAt: 3, failsOn: '{k: "b", v: 2}: TumblingEventTimeWindows needs each record\'s event time, and this record has no timestamp' },
      { noTimestampAt: 3, badValueAt: 1, failsOn: '{k: "b", v: "two"}: ' },
    ];
    for (const { noTimestampAt, badValueAt, failsOn } of cases) {
      const messages: string[] = [];
      for (const kernels of [false, true]) {
        const h = await WindowHarness.open<E>((keyed) => keyed.window(TumblingEventTimeWindows.of(1000)).aggregate(NumericAggregate.of<E>('v', 'sum')), (e) => e.k, { kernels });
        const values = batch.map((e, i) => (i === badValueAt ? { ...e, v: i === 1 ? 'two' : 'four' } : e));
        const timestamps = batch.map((_, i) => (i === noTimestampAt ? null : 100 * i));
        try {
          h.processElements(values, timestamps);
          messages.push('no failure');
        } catch (error) {
          messages.push((error as Error).message);
        }
      }
      expect(messages[0]).toContain(`failed on record ${failsOn}`);
      expect(messages[1]).toBe(messages[0]);
    }
  });

  it('fails with the limit and the ways past it when (key, slice) entries outgrow the table', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setKernelTableMaxBytes(64 * 1024);
    const keys = Int32Array.from({ length: 5000 }, (_, i) => i);
    const run = env.fromColumns({ key: keys, value: new Float64Array(5000), time: new Float64Array(5000) })
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Row>().withTimestampAssigner('time'))
      .keyBy('key').window(TumblingEventTimeWindows.of(1000)).aggregate(NumericAggregate.of('value', 'sum')).name('Sums').executeAndCollect();
    await expect(run).rejects.toThrow(/^Operator "Sums" \(uid window-2, subtask 1\/1\) failed: the WASM kernel's table for this window would need [\d.]+ KiB for [\d,]+ \(key, slice\) entries, over its limit of 64 KiB\. Fix: raise it with env\.getConfig\(\)\.setKernelTableMaxBytes\(bytes\), spread the keys over more subtasks \(setParallelism\), or run the window on the JS path \(getConfig\(\)\.setKernelsEnabled\(false\)\)$/);
  });

  it('after a restore, a window fired before the snapshot is not fired again by an element before the next watermark (the JS path fires it, as Flink)', async () => {
    const outputs: string[][] = [];
    for (const kernels of [false, true]) {
      type E = { k: string; v: number };
      const build = (keyed: import('../../src/index.ts').KeyedStream<E, unknown>) => keyed.window(TumblingEventTimeWindows.of(1000)).allowedLateness(5000)
        .aggregate(NumericAggregate.of<E>('v', 'count'), new KeyAndWindow());
      const h = await WindowHarness.open<E>(build, (e) => e.k, { kernels });
      h.processElement({ k: 'a', v: 1 }, 100);
      h.processWatermark(1000);
      await h.restore(h.snapshot());
      h.processElement({ k: 'a', v: 1 }, 200);
      h.processWatermark(1001);
      outputs.push(h.output);
    }
    expect(outputs[0]).toEqual(['{"key":"a","start":0,"end":1000,"count":1}@999', 'WM 1000', '{"key":"a","start":0,"end":1000,"count":2}@999', 'WM 1001']);
    expect(outputs[1]).toEqual(['{"key":"a","start":0,"end":1000,"count":1}@999', 'WM 1000', 'WM 1001']);
  });
});
