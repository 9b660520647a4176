import { describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor, KeyedCoProcessFunction, KeyedProcessFunction, ListStateDescriptor, MapStateDescriptor,
  ReducingStateDescriptor, ValueStateDescriptor, WatermarkStrategy,
} from '../../src/index.ts';
import type {
  AggregatingState, Collector, KeyedProcessContext, ListState, MapState, OnTimerContext, ReducingState, RuntimeContext, StreamExecutionEnvironment, ValueState,
} from '../../src/index.ts';
import { expectSameStatePerKey, PausingSource, perKey, runRescaled, runStraight } from '../support/rescale.ts';
import type { Pipeline } from '../support/rescale.ts';

const RESCALES = [[2, 1], [1, 2], [2, 3]] as const;
const KEYS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal', 'ida', 'jo', 'kai', 'lu'];

type Event = [key: string, value: number, time: number];
const events: Event[] = Array.from({ length: 240 }, (_, i) => [KEYS[(i * 7 + (i >> 3)) % KEYS.length], (i * 37) % 101 - 50, 1000 + i * 10]);
const PAUSE = 131;

/** Where each run's sinks put their records: by sink name, in arrival order. */
let outputs: Record<string, unknown[]> = {};
const sinkTo = (name: string) => (value: unknown) => { (outputs[name] ??= []).push(value); };

async function golden(pipeline: Pipeline, from: number, to: number, uids: string[], kernels = false) {
  outputs = {};
  await runStraight(pipeline, 1, kernels);
  const straight = outputs;
  outputs = {};
  const { before, after } = await runRescaled({ pipeline, pauseAt: PAUSE, from, to, kernels });
  const rescaled = outputs;
  const keys: number[] = [];
  for (const uid of uids) keys.push(await expectSameStatePerKey(before, after, uid, to, expect));
  expect(Object.keys(rescaled).sort()).toEqual(Object.keys(straight).sort());
  for (const name of Object.keys(straight)) {
    const keyOf = (r: unknown) => (Array.isArray(r) ? r[0] : (r as { key: unknown }).key);
    expect({ name, records: perKey(rescaled[name], keyOf) }).toEqual({ name, records: perKey(straight[name], keyOf) });
  }
  return keys;
}

const timestamps = WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e[2]);

/**
 * The events with their timestamps and a watermark after each, from one subtask at any job
 * parallelism: a keyed operator then sees every key's records and watermarks in one order, and
 * fires timers between the same records in every run.
 */
function timed(env: StreamExecutionEnvironment, name: string, items: Event[], pauseAt: number) {
  return env.fromSource(new PausingSource(items, pauseAt), WatermarkStrategy.noWatermarks(), name)
    .assignTimestampsAndWatermarks(timestamps).setParallelism(1);
}

describe.each(RESCALES)('restoring state taken at parallelism %i into %i', (from, to) => {
  it('reduce and every built-in aggregation (JS path): the state and output of one straight run', async () => {
    const pipeline: Pipeline = (env, pauseAt) => {
      const input = env.fromSource(new PausingSource(events, pauseAt), WatermarkStrategy.noWatermarks(), 'events');
      input.keyBy(0).reduce((a, b) => [a[0], a[1] * 2 + b[1], b[2]]).uid('reduce').addSink(sinkTo('reduce'));
      for (const agg of ['sum', 'min', 'max', 'minBy', 'maxBy'] as const) input.keyBy((e) => e[0])[agg](1).uid(agg).addSink(sinkTo(agg));
    };
    const keys = await golden(pipeline, from, to, ['reduce', 'sum', 'min', 'max', 'minBy', 'maxBy']);
    expect(keys).toEqual([12, 12, 12, 12, 12, 12]);
  });

  it('a keyed process function with every state kind and both kinds of timers', async () => {
    const pipeline: Pipeline = (env, pauseAt) => {
      timed(env, 'events', events, pauseAt)
        .keyBy((e) => e[0])
        .process(new EveryState()).uid('process')
        .addSink(sinkTo('process'));
    };
    const [keys] = await golden(pipeline, from, to, ['process']);
    expect(keys).toBe(12);
  });

  it('a keyed co-process function sharing state and timers between its inputs', async () => {
    const pipeline: Pipeline = (env, pauseAt) => {
      const left = timed(env, 'left', events.filter((_, i) => i % 3 !== 0), pauseAt - 40);
      const right = timed(env, 'right', events.filter((_, i) => i % 3 === 0), pauseAt - 80);
      left.keyBy((e) => e[0]).connect(right.keyBy((e) => e[0])).process(new SharedCounts()).uid('co').addSink(sinkTo('co'));
    };
    const [keys] = await golden(pipeline, from, to, ['co']);
    expect(keys).toBe(12);
  });

  it('keyed aggregations in the WASM kernels, integer and dictionary-encoded keys', async () => {
    const n = events.length;
    const intKeys = Int32Array.from({ length: n }, (_, i) => (i * 7 + (i >> 3)) % 13 - 6);
    const values = Float64Array.from(events, (e) => e[1]);
    const pipeline: Pipeline = (env, pauseAt) => {
      env.fromSource(new PausingSource<Record<string, number>>({ length: n, columns: { key: intKeys, value: values } }, pauseAt), WatermarkStrategy.noWatermarks(), 'ints')
        .keyBy('key').sum('value').uid('int-sum').addSink(sinkTo('int-sum'));
      env.fromSource(new PausingSource<Record<string, number>>({ length: n, columns: { key: intKeys, value: values } }, pauseAt), WatermarkStrategy.noWatermarks(), 'ints for minBy')
        .keyBy('key').minBy('value').uid('int-minBy').addSink(sinkTo('int-minBy'));
      env.fromSource(new PausingSource<Record<string, unknown>>({ length: n, columns: { key: events.map((e) => e[0]), value: values } }, pauseAt), WatermarkStrategy.noWatermarks(), 'names')
        .keyBy('key').sum('value').uid('name-sum').addSink(sinkTo('name-sum'));
    };
    const keys = await golden(pipeline, from, to, ['int-sum', 'int-minBy', 'name-sum'], true);
    expect(keys).toEqual([13, 13, 12]);
  });
});

type Summary = [key: string, kind: string, ...rest: unknown[]];

/** Touches every keyed state kind and registers both kinds of timers; its timers report the state. */
class EveryState extends KeyedProcessFunction<string, Event, Summary> {
  private count!: ValueState<number>;
  private recent!: ListState<number>;
  private bySign!: MapState<string, number>;
  private product!: ReducingState<number>;
  private mean!: AggregatingState<number, number>;

  override open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count'));
    this.recent = ctx.getListState(new ListStateDescriptor('recent'));
    this.bySign = ctx.getMapState(new MapStateDescriptor('by sign'));
    this.product = ctx.getReducingState(new ReducingStateDescriptor<number>('product', (a, b) => (a * b) % 1009));
    this.mean = ctx.getAggregatingState(new AggregatingStateDescriptor('mean', {
      createAccumulator: () => [0, 0] as [number, number],
      add: (v: number, [s, c]: [number, number]) => [s + v, c + 1] as [number, number],
      getResult: ([s, c]: [number, number]) => s / c,
    }));
  }

  processElement(e: Event, ctx: KeyedProcessContext<string>): Iterable<Summary> {
    const count = (this.count.value() ?? 0) + 1;
    this.count.update(count);
    this.recent.add(e[1]);
    if (this.recent.get().length > 3) this.recent.update(this.recent.get().slice(1));
    const sign = e[1] < 0 ? 'neg' : 'pos';
    this.bySign.put(sign, (this.bySign.get(sign) ?? 0) + 1);
    this.product.add(Math.abs(e[1]) + 1);
    this.mean.add(e[1]);
    ctx.timerService().registerEventTimeTimer(e[2] + 25);
    ctx.timerService().registerProcessingTimeTimer(1_000_000 + count);
    if (count % 4 === 0) this.bySign.remove('neg');
    return [[e[0], 'element', count]];
  }

  override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<Summary>): void {
    out.collect([ctx.getCurrentKey(), `timer ${ts}`, this.count.value(), this.recent.get(), this.bySign.entries(), this.product.get(), this.mean.get()]);
  }
}

/**
 * Counts per key from both inputs in one state, and reports it from event-time timers that fire
 * at the end of input: how two inputs interleave differs from run to run (Flink promises no
 * order between inputs), the final counts do not.
 */
class SharedCounts extends KeyedCoProcessFunction<string, Event, Event, Summary> {
  private seen!: ValueState<[number, number]>;

  override open(ctx: RuntimeContext): void {
    this.seen = ctx.getState(new ValueStateDescriptor('seen'));
  }

  processElement1(e: Event, ctx: KeyedProcessContext<string>): void {
    const [a, b] = this.seen.value() ?? [0, 0];
    this.seen.update([a + 1, b]);
    ctx.timerService().registerEventTimeTimer(e[2] + 1_000_000);
  }

  processElement2(e: Event, ctx: KeyedProcessContext<string>): void {
    const [a, b] = this.seen.value() ?? [0, 0];
    this.seen.update([a, b + 1]);
    ctx.timerService().registerEventTimeTimer(e[2] + 1_000_000);
  }

  override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<Summary>): void {
    out.collect([ctx.getCurrentKey(), `timer ${ts}`, this.seen.value()]);
  }
}

