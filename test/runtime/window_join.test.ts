/**
 * Window joins and co-groups, ported from Flink's CoGroupJoinITCase (co-group, join, self-join
 * over 3 ms tumbling windows), then: a FlatJoinFunction, parallelism 2, a rich function opened
 * per subtask, restore after a failure with exactly the same output, and the API's errors.
 */
import { describe, expect, it } from 'vitest';
import {
  FlatJoinFunction, RestartStrategies, StreamExecutionEnvironment, TumblingEventTimeWindows, Types, WatermarkStrategy,
} from '../../src/index.ts';
import type { Collector, DataStream, RuntimeContext } from '../../src/index.ts';

type T2 = [string, number];
type T3 = [string, string, number];

const show = (t: readonly unknown[]) => `(${t.join(',')})`;

function stamped<T extends readonly unknown[]>(env: StreamExecutionEnvironment, rows: T[]): DataStream<T> {
  return env.fromCollection(rows).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((t) => t[t.length - 1] as number));
}

const first3: T3[] = [['a', 'x', 0], ['a', 'y', 1], ['a', 'z', 2], ['b', 'u', 3], ['b', 'w', 5], ['a', 'i', 6], ['a', 'j', 7], ['a', 'k', 8]];
const second3: T3[] = [['a', 'u', 0], ['a', 'w', 1], ['b', 'i', 3], ['b', 'k', 5], ['a', 'x', 6], ['a', 'z', 8]];
const joined = [
  '(a,x,0):(a,u,0)', '(a,x,0):(a,w,1)', '(a,y,1):(a,u,0)', '(a,y,1):(a,w,1)', '(a,z,2):(a,u,0)', '(a,z,2):(a,w,1)',
  '(b,u,3):(b,i,3)', '(b,u,3):(b,k,5)', '(b,w,5):(b,i,3)', '(b,w,5):(b,k,5)',
  '(a,i,6):(a,x,6)', '(a,i,6):(a,z,8)', '(a,j,7):(a,x,6)', '(a,j,7):(a,z,8)', '(a,k,8):(a,x,6)', '(a,k,8):(a,z,8)',
].sort();

describe('window co-group and join (Flink\'s CoGroupJoinITCase)', () => {
  it('co-groups both inputs per key and window, either side possibly empty', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1);
    const one = stamped<T2>(env, [['a', 0], ['a', 1], ['a', 2], ['b', 3], ['b', 4], ['b', 5], ['a', 6], ['a', 7], ['a', 8]]);
    const two = stamped<T2>(env, [['a', 0], ['a', 1], ['b', 3], ['c', 6], ['c', 7], ['c', 8]]);
    const out = await one.coGroup(two).where((t) => t[0]).equalTo((t) => t[0]).window(TumblingEventTimeWindows.of(3))
      .apply((first: T2[], second: T2[], collector: Collector<string>) => { collector.collect(`F:${first.map(show).join('')} S:${second.map(show).join('')}`); })
      .executeAndCollect();
    expect(out.sort()).toEqual(['F:(a,0)(a,1)(a,2) S:(a,0)(a,1)', 'F:(b,3)(b,4)(b,5) S:(b,3)', 'F:(a,6)(a,7)(a,8) S:', 'F: S:(c,6)(c,7)(c,8)'].sort());
  });

  it('joins every pair of one key in one window, and a stream with itself', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1);
    const one = stamped<T3>(env, first3);
    const out = await one.join(stamped<T3>(env, second3)).where((t) => t[0]).equalTo((t) => t[0]).window(TumblingEventTimeWindows.of(3))
      .apply((a: T3, b: T3) => `${show(a)}:${show(b)}`)
      .executeAndCollect();
    expect(out.sort()).toEqual(joined);

    const selfEnv = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1);
    const source = stamped<T3>(selfEnv, first3);
    const self = await source.join(source).where({ getKey: (t: T3) => t[0] }).equalTo({ getKey: (t: T3) => t[0] }).window(TumblingEventTimeWindows.of(3))
      .apply({ join: (a: T3, b: T3) => `${show(a)}:${show(b)}` })
      .executeAndCollect();
    const groups = [[['a', 'x', 0], ['a', 'y', 1], ['a', 'z', 2]], [['b', 'u', 3], ['b', 'w', 5]], [['a', 'i', 6], ['a', 'j', 7], ['a', 'k', 8]]];
    expect(self.sort()).toEqual(groups.flatMap((g) => g.flatMap((a) => g.map((b) => `${show(a)}:${show(b)}`))).sort());
  });

  it('runs a FlatJoinFunction, at parallelism 2, opening the function\'s copy in each subtask', async () => {
    const opened: number[] = [];
    class Pairs extends FlatJoinFunction<T3, T3, string> {
      private subtask = -1;
      override open(ctx: RuntimeContext): void {
        this.subtask = ctx.getIndexOfThisSubtask();
        opened.push(this.subtask);
      }
      *join(a: T3, b: T3): Iterable<string> {
        if (this.subtask < 0) throw new Error('join before open');
        if (a[1] < b[1]) yield `${show(a)}:${show(b)}`;
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    const out = await stamped<T3>(env, first3).join(stamped<T3>(env, second3)).where((t) => t[0]).equalTo((t) => t[0]).window(TumblingEventTimeWindows.of(3))
      .apply(new Pairs())
      .executeAndCollect();
    expect(out.sort()).toEqual(joined.filter((line) => { const [a, b] = line.split(':'); return a.split(',')[1] < b.split(',')[1]; }));
    expect(opened.sort()).toEqual([0, 1]);
  });

  it('restores from a checkpoint after a failure with exactly the output of a run without one', async () => {
    const run = async (failAt: number | null) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).enableCheckpointing(1).setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
      env.getConfig().setBatchSize(8);
      const rows = Array.from({ length: 600 }, (_, i): T2 => [`k${i % 7}`, i]);
      let seen = 0;
      const failing = stamped<T2>(env, rows).map((t) => {
        if (failAt !== null && ++seen === failAt) throw new Error('injected');
        return t;
      });
      const out = await failing.coGroup(stamped<T2>(env, rows.filter((t) => t[1] % 3 === 0))).where((t) => t[0]).equalTo((t) => t[0]).window(TumblingEventTimeWindows.of(50))
        .apply((first: T2[], second: T2[]) => [`${first[0]?.[0] ?? second[0]?.[0]} ${first.length}/${second.length} ${first.reduce((s, t) => s + t[1], 0)}`])
        .executeAndCollect();
      return out.sort();
    };
    const expected = await run(null);
    expect(expected.length).toBe(7 * 12);
    expect(await run(400)).toEqual(expected);
  });

  it('refuses keys of different declared types and a keyed stream as the other input', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const one = stamped<T2>(env, []);
    const where = one.join(one).where((t) => t[0], Types.STRING());
    expect(() => where.equalTo((t) => t[0], Types.INT() as never)).toThrow(new Error(
      'join(other).where(...).equalTo(keySelector, keyType): the keys for the two inputs are not equal: the first is STRING, the second INT. Fix: key both inputs by the same type'));
    expect(() => where.equalTo((t) => t[0], Types.STRING())).not.toThrow();
    expect(() => one.coGroup(one.keyBy((t) => t[0]) as never)).toThrow(new TypeError(
      'coGroup(other): other must be a DataStream (for a keyed stream, the stream it keys: coGroup keys both inputs itself with where(...).equalTo(...))'));
  });
});
