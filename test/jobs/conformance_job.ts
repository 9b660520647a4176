// A job module for the worker tests: every worker imports it and builds the same graph. It covers
// the conformance suites' kinds of behaviour: keyed reduce and the built-in aggregations, every
// keyed state kind, event-time timers, side outputs, flatMap generators, filter, union, keyed and
// plain connect, and a kernel aggregation.
import {
  AggregatingStateDescriptor, KeyedProcessFunction, ListStateDescriptor, MapStateDescriptor, OutputTag, ProcessFunction,
  ReducingStateDescriptor, StreamExecutionEnvironment, Types, ValueStateDescriptor, WatermarkStrategy, defineJob,
} from '../../src/index.ts';
import type {
  AggregatingState, Collector, KeyedProcessContext, ListState, MapState, OnTimerContext, ProcessContext, ReducingState,
  RuntimeContext, ValueState,
} from '../../src/index.ts';
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

/** Every keyed state kind at once, read back after each update. */
class AllStateKinds extends KeyedProcessFunction<string, [string, number], string> {
  private seen!: ListState<number>;
  private parity!: MapState<string, number>;
  private total!: ReducingState<number>;
  private mean!: AggregatingState<number, number>;
  override open(ctx: RuntimeContext) {
    this.seen = ctx.getListState(new ListStateDescriptor('seen', Types.INT()));
    this.parity = ctx.getMapState(new MapStateDescriptor('parity', Types.STRING(), Types.INT()));
    this.total = ctx.getReducingState(new ReducingStateDescriptor('total', (a: number, b: number) => a + b, Types.INT()));
    this.mean = ctx.getAggregatingState(new AggregatingStateDescriptor('mean', {
      createAccumulator: (): [number, number] => [0, 0],
      add: (v: number, acc: [number, number]): [number, number] => [acc[0] + v, acc[1] + 1],
      getResult: (acc: [number, number]) => acc[0] / acc[1],
    }));
  }
  processElement(v: [string, number], ctx: KeyedProcessContext<string>, out: Collector<string>) {
    this.seen.add(v[1]);
    const parity = v[1] % 2 === 0 ? 'even' : 'odd';
    this.parity.put(parity, (this.parity.get(parity) ?? 0) + 1);
    this.total.add(v[1]);
    this.mean.add(v[1]);
    const seen = [...this.seen.get()];
    out.collect(`state ${ctx.getCurrentKey()} ${seen.length} ${seen.at(-1)} even=${this.parity.get('even') ?? 0} total=${this.total.get()} mean=${this.mean.get()}`);
  }
}

const LARGE = new OutputTag<string>('large', Types.STRING());

class SplitLarge extends ProcessFunction<number, string> {
  processElement(v: number, ctx: ProcessContext, out: Collector<string>) {
    if (v >= 90) ctx.output(LARGE, `large ${v}`);
    else out.collect(`small ${v}`);
  }
}

export function build(env: StreamExecutionEnvironment) {
  // A watermark after every record, in-band: timers then fire at the same point of each key's
  // records however batches and wall-clock intervals fall, so every run must give the same lines.
  env.getConfig().setPerRecordWatermarks(true);
  // Sources (and what is chained to them) stay at parallelism 1, so every key's records come
  // through one channel and their order is defined; the keyed operators run at the job's parallelism.
  const words = env.fromSequence(0, 1999).setParallelism(1).map((i) => [`w${(i * 7) % 37}`, i] as [string, number]).setParallelism(1);
  const counts = words.keyBy((t) => t[0]).reduce((a, b) => [a[0], a[1] + b[1]]).map((t) => `sum ${t[0]} ${t[1]}`);
  const timers = words
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<[string, number]>(10).withTimestampAssigner((t) => t[1])).setParallelism(1)
    .keyBy((t) => t[0]).process(new CountUntilTimer());
  const items = env.fromSequence(0, 49).setParallelism(1).map((i): ItemUpdate => [i, `item ${i}`]).setParallelism(1);
  const purchases = env.fromSequence(0, 2999).setParallelism(1).map((i): Purchase => [i % 50, 1 + (i % 4)]).setParallelism(1);
  // Item names arrive on another input than purchases, so only the totals are compared.
  const enriched = enrichment(items, purchases).map((e) => `enriched ${e[0]} ${e[2]}`);
  const key = Int32Array.from({ length: 5000 }, (_, i) => (i * 13) % 101);
  const value = Float64Array.from({ length: 5000 }, (_, i) => (i % 17) - 8);
  const kernelMax = env.fromColumns({ key, value }).setParallelism(1).keyBy('key').max('value').map((r) => `max ${r.key} ${r.value}`);
  const extremes = words.map((t): [string, number, number] => [t[0], t[1] % 101, t[1]]).setParallelism(1).keyBy((t) => t[0]);
  const aggregations = extremes.sum(1).map((t) => `agg-sum ${t[0]} ${t[1]} ${t[2]}`)
    .union(extremes.min(1).map((t) => `agg-min ${t[0]} ${t[1]} ${t[2]}`), extremes.maxBy(1).map((t) => `agg-maxBy ${t[0]} ${t[1]} ${t[2]}`));
  const states = words.keyBy((t) => t[0]).process(new AllStateKinds());
  const split = env.fromSequence(0, 99).setParallelism(1).process(new SplitLarge());
  const sides = split.union(split.getSideOutput(LARGE));
  const generated = env.fromCollection(['a b', 'c', '', 'd e f']).setParallelism(1)
    .flatMap(function* (line: string) { for (const w of line.split(' ')) if (w !== '') yield `word ${w}`; })
    .filter((w) => w !== 'word c');
  const plain = env.fromSequence(0, 9).connect(env.fromCollection(['x', 'y']))
    .map({ map1: (i: number) => `comap n${i}`, map2: (t: string) => `comap ${t}` });
  return counts.union(timers, enriched, kernelMax, aggregations, states, sides, generated, plain);
}

export default defineJob(build, { name: 'worker conformance' });
