// A job module for the worker tests: every worker imports it and builds the same graph. It mixes
// a keyed reduce, keyed state with event-time timers, a keyed connect and a kernel aggregation.
import {
  KeyedProcessFunction, StreamExecutionEnvironment, Types, ValueStateDescriptor, WatermarkStrategy, defineJob,
} from '../../src/index.ts';
import type { Collector, KeyedProcessContext, OnTimerContext, RuntimeContext, ValueState } from '../../src/index.ts';
import { enrichment } from '../../examples/enrichment.ts';
import type { ItemUpdate, Purchase } from '../../examples/enrichment.ts';

class CountUntilTimer extends KeyedProcessFunction<string, [string, number], string> {
  private count!: ValueState<number>;
  override open(ctx: RuntimeContext) {
    this.count = ctx.getState(new ValueStateDescriptor('count', Types.INT()));
  }
  processElement(v: [string, number], ctx: KeyedProcessContext<string>) {
    this.count.update((this.count.value() ?? 0) + 1);
    ctx.timerService().registerEventTimeTimer(Math.floor(v[1] / 100) * 100 + 99);
  }
  override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>) {
    out.collect(`${ctx.getCurrentKey()}@${ts}: ${this.count.value()}`);
  }
}

export function build(env: StreamExecutionEnvironment) {
  // Sources (and what is chained to them) stay at parallelism 1, so every key's records come
  // through one channel and their order is defined; the keyed operators run at the job's parallelism.
  const words = env.fromSequence(0, 1999).setParallelism(1).map((i) => [`w${(i * 7) % 37}`, i] as [string, number]).setParallelism(1);
  const counts = words.keyBy((t) => t[0]).reduce((a, b) => [a[0], a[1] + b[1]]).map((t) => `sum ${t[0]} ${t[1]}`);
  const timers = words
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<[string, number]>(10).withTimestampAssigner((t) => t[1]))
    .keyBy((t) => t[0]).process(new CountUntilTimer());
  const items = env.fromSequence(0, 49).setParallelism(1).map((i): ItemUpdate => [i, `item ${i}`]).setParallelism(1);
  const purchases = env.fromSequence(0, 2999).setParallelism(1).map((i): Purchase => [i % 50, 1 + (i % 4)]).setParallelism(1);
  // Item names arrive on another input than purchases, so only the totals are compared.
  const enriched = enrichment(items, purchases).map((e) => `enriched ${e[0]} ${e[2]}`);
  const key = Int32Array.from({ length: 5000 }, (_, i) => (i * 13) % 101);
  const value = Float64Array.from({ length: 5000 }, (_, i) => (i % 17) - 8);
  const kernelMax = env.fromColumns({ key, value }).setParallelism(1).keyBy('key').max('value').map((r) => `max ${r.key} ${r.value}`);
  return counts.union(timers, enriched, kernelMax);
}

export default defineJob(build, { name: 'worker conformance' });
