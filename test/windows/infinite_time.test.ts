/**
 * A timestamp assigner function returning a time that is not finite (Infinity, -Infinity, NaN)
 * fails the job naming the assigner's operator, the record and the fix, on the kernel window
 * path and the JS one: such a time never reaches the window kernel, whose slices are numbered
 * from finite times.
 */
import { describe, expect, it } from 'vitest';
import { NumericAggregate, SlidingEventTimeWindows, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy } from '../../src/index.ts';
import type { DataStream } from '../../src/index.ts';

type E = { k: number; v: number; t: number };

async function run(bad: number, kernels: boolean, sliding: boolean, columns: boolean): Promise<string> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setKernelsEnabled(kernels);
  const events: E[] = [{ k: 1, v: 2, t: 100 }, { k: 2, v: 3, t: bad }, { k: 1, v: 4, t: 300 }];
  const source: DataStream<E> = columns
    ? (env.fromColumns({ k: Int32Array.from(events, (e) => e.k), v: Float64Array.from(events, (e) => e.v), t: Float64Array.from(events, (e) => e.t) }) as unknown as DataStream<E>)
    : env.fromElements(...events);
  source
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<E>().withTimestampAssigner((e) => e.t))
    .keyBy((e) => e.k)
    .window(sliding ? SlidingEventTimeWindows.of(1000, 500) : TumblingEventTimeWindows.of(1000))
    .aggregate(NumericAggregate.of<E>('v', 'count', 'sum'))
    .addSink(() => {});
  try {
    await env.execute('infinite time');
  } catch (error) {
    return String((error as Error).message);
  }
  return 'no error';
}

describe('a timestamp assigner returning a time that is not finite', () => {
  for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
    it(`fails the job naming the operator, the record and the fix (${bad})`, async () => {
      const messages = new Set<string>();
      for (const kernels of [true, false]) {
        for (const sliding of [false, true]) {
          for (const columns of [false, true]) messages.add(await run(bad, kernels, sliding, columns));
        }
      }
      expect([...messages]).toEqual([`Operator "Timestamps/Watermarks" (uid timestamps-1, subtask 1/1) failed on record {k: 2, v: 3, t: ${bad}}: the timestamp assigner returned ${bad}; it must return the event time in epoch milliseconds (a finite number). Fix: withTimestampAssigner((record) => record.time)`]);
    });
  }
});
