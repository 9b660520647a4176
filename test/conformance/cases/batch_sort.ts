// The pipelines of batch_sort.test.ts: in BATCH, Flink sorts every keyed input of an operator by
// (key, timestamp) before it (SortingDataInput; MultiInputSortingDataInput for a keyed connect),
// records without a timestamp first. Built the same in the test thread and in workers.
import { KeyedProcessFunction, RuntimeExecutionMode, StreamExecutionEnvironment, WatermarkStrategy } from '../../../src/index.ts';
import type { Collector, KeyedProcessContext } from '../../../src/index.ts';
import { wholeSequence } from '../support.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

/** [key, value, label, event time] */
export type Event = [key: string, n: number, label: string, time: number];

const batch = (env: StreamExecutionEnvironment) => env.setRuntimeMode(RuntimeExecutionMode.BATCH);

const byTime = WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e[3]);

/** Events stamped with their time, in the order given (not in time order). */
const stamped = (env: StreamExecutionEnvironment, events: Event[]) => batch(env).fromCollection(events).assignTimestampsAndWatermarks(byTime);

/** Each record as its process function saw it: label, timestamp, watermark. */
class Seen extends KeyedProcessFunction<string, Event, string> {
  processElement(e: Event, ctx: KeyedProcessContext<string>, out: Collector<string>) {
    out.collect(`${ctx.getCurrentKey()} ${e[2]} ts=${ctx.timestamp()} wm=${ctx.timerService().currentWatermark()}`);
  }
}

export const cases = {
  // d@2 arrives before d@1: sum keeps the fields of d@1, the earliest record.
  sum_keeps_earliest: (env) => stamped(env, [['d', 1, 'late', 2], ['e', 5, 'only', 3], ['d', 2, 'early', 1]]).keyBy(0).sum(1),

  // Equal extremes: minBy and maxBy keep the earliest in time, not the first to arrive.
  min_by_max_by_ties: (env) => {
    const events = stamped(env, [['a', 5, 'max-late', 20], ['a', 1, 'min-late', 40], ['a', 5, 'max-early', 10], ['a', 1, 'min-early', 30]]);
    return { minBy: events.keyBy(0).minBy(1), maxBy: events.keyBy(0).maxBy(1) };
  },

  reduce_in_time_order: (env) => stamped(env, [['k', 0, 'c', 3], ['j', 0, 'y', 9], ['k', 0, 'a', 1], ['j', 0, 'x', 8], ['k', 0, 'b', 2]])
    .keyBy(0)
    .reduce((a, b) => [a[0], a[1], a[2] + b[2], b[3]]),

  process_in_time_order: (env) => stamped(env, [['a', 0, 'third', 30], ['b', 0, 'second', 20], ['a', 0, 'first', 10], ['b', 0, 'first', 5], ['a', 0, 'second', 20]])
    .keyBy((e) => e[0])
    .process(new Seen()),

  // A map and a sink on a KeyedStream are fed sorted too (Flink's KeyedStream.doTransform and addSink set their key selector).
  map_on_keyed_stream: (env) => stamped(env, [['a', 0, 'second', 2], ['a', 0, 'first', 1], ['a', 0, 'third', 3]])
    .keyBy((e) => e[0])
    .map((e) => e[2]),

  // A keyed connect merges a key's two inputs by timestamp (MultiInputSortingDataInput).
  connect_merged_by_time: (env) => {
    const items = stamped(env, [['k', 0, 'item-4', 4], ['k', 0, 'item-1', 1], ['m', 0, 'item-7', 7]]);
    const orders = stamped(env, [['k', 0, 'order-3', 3], ['m', 0, 'order-6', 6], ['k', 0, 'order-2', 2], ['m', 0, 'order-8', 8]]);
    return items.keyBy((e) => e[0]).connect(orders.keyBy((e) => e[0])).map({
      map1: (e: Event) => `${e[0]} 1:${e[2]}`,
      map2: (e: Event) => `${e[0]} 2:${e[2]}`,
    });
  },

  // Records without a timestamp sort first (Long.MIN_VALUE in Flink), in arrival order; the rest by time.
  unstamped_first: (env) => {
    const unstamped = batch(env).fromCollection<Event>([['a', 0, 'none-1', 0], ['a', 0, 'none-2', 0]]);
    const timed = stamped(env, [['a', 0, 't20', 20], ['a', 0, 't10', 10]]);
    return timed.union(unstamped).keyBy((e) => e[0]).process(new Seen());
  },

  // An aggregation's end-of-key results carry Long.MAX_VALUE: a keyed operator after it gets them after every timed record.
  aggregate_results_last: (env) => {
    const sums = stamped(env, [['a', 1, 'x', 5], ['a', 3, 'z', 7]]).keyBy(0).sum(1).map((e): Event => ['all', e[1], `sum-${e[0]}`, e[3]]);
    const timed = stamped(env, [['all', 0, 'at-9', 9], ['all', 0, 'at-1', 1]]);
    return sums.union(timed).keyBy((e) => e[0]).process(new Seen());
  },
} satisfies Record<string, CaseBuilder>;

const firstWord = (r: string) => r.split(' ')[0];

export const suite = {
  cases,
  orderKeys: {
    reduce_in_time_order: (r) => r[0],
    process_in_time_order: firstWord,
    map_on_keyed_stream: wholeSequence,
    connect_merged_by_time: firstWord,
    unstamped_first: wholeSequence,
    aggregate_results_last: wholeSequence,
  },
} satisfies SuiteOf<typeof cases>;
