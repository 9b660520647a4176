/**
 * Window functions the planner recognises by name: Aggregates.count/sum/min/max/avg in
 * aggregate(...) and Reducers.sum/min/max/minBy/maxBy in reduce(...). Each runs in the kernels
 * when they are on and gives exactly the JS path's records; a user's own function (even one that
 * sums) stays on the JS path.
 */
import { describe, expect, it } from 'vitest';
import {
  Aggregates, KeyAndWindow, Reducers, SlidingEventTimeWindows, StreamExecutionEnvironment, TumblingEventTimeWindows, Types, WatermarkStrategy,
} from '../../src/index.ts';
import type { DataStream, KeyedStream } from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { jobOf } from '../support/jobs.ts';

type Ev = { k: number; v: number; t: number };
type T2 = [number, number];

const events: Ev[] = Array.from({ length: 400 }, (_, i) => ({ k: (i * 7) % 5, v: ((i * 37) % 101) - 50, t: i * 3 + ((i * 11) % 17) }));
const T2_TYPE = Types.TUPLE([Types.INT(), Types.INT()]);

function objects(env: StreamExecutionEnvironment, sliding: boolean): KeyedStream<Ev, number> {
  return env.fromCollection(events)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Ev>(20).withTimestampAssigner('t'))
    .keyBy((e) => e.k) as KeyedStream<Ev, number>;
}

function tuples(env: StreamExecutionEnvironment): KeyedStream<T2, number> {
  return env.fromCollection(events.map((e): [number, number, number] => [e.k, e.v, e.t]), Types.TUPLE([Types.INT(), Types.INT(), Types.INT()]))
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<[number, number, number]>(20).withTimestampAssigner((r) => r[2]))
    .map((r): T2 => [r[0], r[1]], T2_TYPE)
    .keyBy(0) as unknown as KeyedStream<T2, number>;
}

const windowsOf = (sliding: boolean) => (sliding ? SlidingEventTimeWindows.of(100, 25) : TumblingEventTimeWindows.of(100));

type Build = (env: StreamExecutionEnvironment, sliding: boolean) => DataStream<unknown>;

const forms: Record<string, Build> = {
  'aggregate(Aggregates.count())': (env, s) => objects(env, s).window(windowsOf(s)).aggregate(Aggregates.count<Ev>()) as DataStream<unknown>,
  'aggregate(Aggregates.sum(field))': (env, s) => objects(env, s).window(windowsOf(s)).aggregate(Aggregates.sum<Ev>('v')) as DataStream<unknown>,
  'aggregate(Aggregates.min(field), KeyAndWindow)': (env, s) => objects(env, s).window(windowsOf(s)).aggregate(Aggregates.min<Ev>('v'), new KeyAndWindow()) as DataStream<unknown>,
  'aggregate(Aggregates.max(field))': (env, s) => objects(env, s).window(windowsOf(s)).aggregate(Aggregates.max<Ev>('v')) as DataStream<unknown>,
  'aggregate(Aggregates.avg(field), KeyAndWindow)': (env, s) => objects(env, s).window(windowsOf(s)).aggregate(Aggregates.avg<Ev>('v'), new KeyAndWindow()) as DataStream<unknown>,
  'aggregate(Aggregates.count(), KeyAndWindow)': (env, s) => objects(env, s).window(windowsOf(s)).aggregate(Aggregates.count<Ev>(), new KeyAndWindow()) as DataStream<unknown>,
  'reduce(Reducers.sum(1))': (env, s) => tuples(env).window(windowsOf(s)).reduce(Reducers.sum<T2>(1)) as DataStream<unknown>,
  'reduce(Reducers.min(1))': (env, s) => tuples(env).window(windowsOf(s)).reduce(Reducers.min<T2>(1)) as DataStream<unknown>,
  'reduce(Reducers.max(1))': (env, s) => tuples(env).window(windowsOf(s)).reduce(Reducers.max<T2>(1)) as DataStream<unknown>,
  'reduce(Reducers.minBy(1))': (env, s) => tuples(env).window(windowsOf(s)).reduce(Reducers.minBy<T2>(1)) as DataStream<unknown>,
  'reduce(Reducers.maxBy(1))': (env, s) => tuples(env).window(windowsOf(s)).reduce(Reducers.maxBy<T2>(1)) as DataStream<unknown>,
};

function kernelOutput(build: Build, sliding: boolean): string | null {
  const plan = buildPhysicalPlan(jobOf(StreamExecutionEnvironment.getExecutionEnvironment(), (e) => { build(e, sliding).addSink(() => {}); }).graph);
  const node = plan.nodes.find((x) => x.spec.kind === 'window')!;
  return node.windowKernel === null ? null : node.windowKernel.output.kind;
}

async function run(build: Build, sliding: boolean, kernels: boolean): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
  env.getConfig().setKernelsEnabled(kernels);
  const out = await build(env, sliding).process({ processElement: (r: unknown, ctx) => [`${JSON.stringify(r)}@${ctx.timestamp()}`] }, Types.STRING()).executeAndCollect();
  return out.sort();
}

describe('window functions by name (Aggregates, Reducers)', () => {
  for (const [name, build] of Object.entries(forms)) {
    it.each([false, true])(`${name} runs in the kernels and gives the JS path's records exactly (sliding %s)`, async (sliding) => {
      expect(kernelOutput(build, sliding)).toBe(name.startsWith('reduce') ? 'aggregation' : 'numeric');
      const js = await run(build, sliding, false);
      const kernel = await run(build, sliding, true);
      expect(js.length).toBeGreaterThan(10);
      expect(kernel).toEqual(js);
    });
  }

  it('gives the numbers themselves, or { key, start, end, value } with KeyAndWindow', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const data: Ev[] = [{ k: 1, v: 5, t: 1 }, { k: 1, v: -2, t: 4 }, { k: 1, v: 7, t: 12 }];
    const keyed = () => env.fromCollection(data).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner('t'))
      .keyBy((e) => e.k).window(TumblingEventTimeWindows.of(10));
    expect(await keyed().aggregate(Aggregates.sum<Ev>('v')).executeAndCollect()).toEqual([3, 7]);
    expect(await keyed().aggregate(Aggregates.avg<Ev>('v'), new KeyAndWindow()).executeAndCollect())
      .toEqual([{ key: 1, start: 0, end: 10, value: 1.5 }, { key: 1, start: 10, end: 20, value: 7 }]);
    expect(await keyed().aggregate(Aggregates.count<Ev>()).executeAndCollect()).toEqual([2, 1]);
  });

  it('leaves a user\'s own functions on the JS path, even ones that compute the same', () => {
    const sum = (a: T2, b: T2): T2 => [a[0], a[1] + b[1]];
    const own: Build[] = [
      (env, s) => tuples(env).window(windowsOf(s)).reduce(sum) as DataStream<unknown>,
      (env, s) => tuples(env).window(windowsOf(s)).reduce({ reduce: sum }) as DataStream<unknown>,
      (env, s) => objects(env, s).window(windowsOf(s)).aggregate({
        createAccumulator: () => 0, add: (e: Ev, acc: number) => acc + e.v, getResult: (acc: number) => acc,
      }) as DataStream<unknown>,
      // A recognised function with a window function of the user's own.
      (env, s) => tuples(env).window(windowsOf(s)).reduce(Reducers.sum<T2>(1), (_k: number, _w, input: Iterable<T2>, out) => { for (const r of input) out.collect(r); }) as DataStream<unknown>,
    ];
    for (const build of own) expect(kernelOutput(build, false)).toBeNull();
  });

  it('refuses a field that is not a position or a property, naming the call', () => {
    expect(() => Aggregates.sum({} as unknown as string)).toThrow('Aggregates.sum(field): the field is a tuple position (number) or an object property (string), got object');
    expect(() => Reducers.maxBy(null as unknown as string)).toThrow('Reducers.maxBy(field): the field is a tuple position (number) or an object property (string), got object');
  });
});
