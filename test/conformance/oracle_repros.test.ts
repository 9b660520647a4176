/**
 * Behaviours the Flink oracle (test/flink-oracle) found where Eddy differed from Apache Flink,
 * each pinned here in Flink's terms after the fix, from the oracle's shrunk repro.
 */
import { describe, expect, it } from 'vitest';
import { KeyedProcessFunction, StreamExecutionEnvironment, Types } from '../../src/index.ts';
import type { Collector, KeyedProcessContext, OnTimerContext, TypeInformation } from '../../src/index.ts';

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
