// The pipelines of basic_operations.test.ts (map / flatMap / filter, plain functions and function
// objects, partitionings), built the same in the test thread and in workers.
import { ProcessFunction, Types, WatermarkStrategy } from '../../../src/index.ts';
import type { Collector, ProcessContext, RuntimeContext } from '../../../src/index.ts';
import { wholeSequence } from '../support.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

type Pair = [string, number];

class MyMapFunction {
  map(value: readonly [string, number]): [string, number, number] {
    return [value[0], value[0].length, value[1]];
  }
}

class MyFlatMapFunction {
  *flatMap(value: Pair): Generator<Pair> {
    if (value[1] % 2 === 0) yield value;
  }
}

class MyFilterFunction {
  filter(value: readonly [number, string, string]): boolean {
    return value[0] % 2 === 0;
  }
}

class Data {
  readonly name: string;
  readonly num: number;
  constructor(name: string, num: number) {
    this.name = name;
    this.num = num;
  }
}

/** A map that tags each record with the index of the subtask that saw it. */
const tagged = <T = number>() => new class {
  private subtask = -1;
  open(ctx: RuntimeContext) { this.subtask = ctx.getIndexOfThisSubtask(); }
  map(x: T): [T, number] { return [x, this.subtask]; }
}();

/** Each record with its subtask and the watermark the subtask had when the record came. */
class WatermarkSeen extends ProcessFunction<number, [number, number, number]> {
  private subtask = -1;
  override open(ctx: RuntimeContext) { this.subtask = ctx.getIndexOfThisSubtask(); }
  processElement(x: number, ctx: ProcessContext, out: Collector<[number, number, number]>): void {
    out.collect([x, this.subtask, ctx.timerService().currentWatermark()]);
  }
}

export const executeAndCollectData = ['pyflink', 'datastream', 'execute', 'collect'];

export const cases = {
  test_basic_operations: (env) => {
    const ds = env.fromCollection<[string, [string, number]]>(
      [['ab', ['a', 1]], ['bdc', ['b', 2]], ['cfgs', ['c', 3]], ['deeefg', ['d', 4]]],
      Types.TUPLE([Types.STRING(), Types.ROW([Types.STRING(), Types.INT()])]),
    );
    const t3 = Types.TUPLE([Types.STRING(), Types.INT(), Types.INT()]);
    return ds
      .map((i) => [i[0], i[0].length, i[1][1]] as [string, number, number], t3)
      .flatMap({ *flatMap(v: [string, number, number]) { if (v[1] % 2 === 0) yield v; } }, t3)
      .filter({ filter: (v: [string, number, number]) => v[1] > 2 })
      .map({ map: (v: [string, number, number]) => [v[0], v[1] + 1, v[2]] as [string, number, number] },
        Types.ROW([Types.STRING(), Types.INT(), Types.INT()]));
  },

  test_basic_operations_with_callable_function: (env) => env.fromCollection<Pair>([['ab', 1], ['bdc', 2], ['cfgs', 3], ['deeefg', 4]])
    .map((i) => [i[0], i[0].length, i[1]] as [string, number, number])
    .flatMap(function* (v) { if (v[1] % 2 === 0) yield v; })
    .filter((v) => v[1] > 2)
    .map((v) => [v[0], v[1] + 1, v[2]]),

  test_map_function: (env) => {
    const ds = env.fromCollection<Pair>([['ab', 1], ['bdc', 2], ['cfgs', 3], ['deeefg', 4]], Types.TUPLE([Types.STRING(), Types.INT()]));
    return {
      withoutTypes: ds.map(new MyMapFunction()),
      withTypes: ds.map(new MyMapFunction(), Types.ROW([Types.STRING(), Types.INT(), Types.INT()])),
      withLambda: ds.map((v) => [v[0], v[0].length, v[1]] as [string, number, number], Types.ROW([Types.STRING(), Types.INT(), Types.INT()])),
    };
  },

  test_flat_map_function: (env) => {
    const ds = env.fromCollection<Pair>([['a', 0], ['ab', 1], ['bdc', 2], ['cfgs', 3], ['deeefg', 4]], Types.ROW([Types.STRING(), Types.INT()]));
    return {
      obj: ds.flatMap(new MyFlatMapFunction(), Types.ROW([Types.STRING(), Types.INT()])),
      fn: ds.flatMap(function* (v: Pair) { if (v[1] % 2 === 0) yield v; }, Types.ROW([Types.STRING(), Types.INT()])),
    };
  },

  flat_map_collector: (env) => env.fromCollection(['to be', 'or not'])
    .flatMap<string>((line: string, collect) => { for (const w of line.split(' ')) collect.collect(w); })
    .flatMap((w: string) => [w, w.toUpperCase()]),

  test_filter: (env) => ({
    untyped: env.fromCollection<[number, string, string]>([[1, 'Hi', 'Hello'], [2, 'Hello', 'Hi']])
      .filter(new MyFilterFunction()),
    typed: env.fromCollection<[number, string, string]>([[1, 'Hi', 'Hello'], [2, 'Hello', 'Hi']],
      Types.ROW([Types.INT(), Types.STRING(), Types.STRING()]))
      .filter((x) => x[0] % 2 === 0),
  }),

  test_data_with_custom_class: (env) => env.fromCollection<Pair>([['a', 0], ['b', 1], ['c', 2]], Types.ROW([Types.STRING(), Types.INT()]))
    .map((a) => new Data(a[0], a[1]))
    .flatMap((data: Data) => Array.from({ length: data.num }, () => data.name)),

  row_allows_null_fields: (env) => env.fromCollection([1, 2])
    .map((x) => [x, x === 1 ? null : 'two'] as [number, string | null], Types.ROW([Types.INT(), Types.STRING()]) as never),

  test_execute_and_collect: (env) => env.fromCollection(executeAndCollectData, Types.STRING()),

  test_broadcast_rebalance_global: (env) => {
    const ds = env.fromCollection([1, 2, 3, 4, 5, 6]);
    return {
      broadcast: ds.broadcast().map(tagged()).setParallelism(3),
      rebalance: ds.rebalance().map(tagged()).setParallelism(3),
      global: ds.global().map(tagged()).setParallelism(3),
    };
  },

  // Sources of known splits: fromSequence's subtask i reads the i-th run of the range.
  test_rescale_forward_shuffle: (env) => ({
    widening: env.fromSequence(1, 12).setParallelism(2).rescale().map(tagged()).setParallelism(4),
    narrowing: env.fromSequence(1, 8).setParallelism(4).rescale().map(tagged()).setParallelism(2),
    forward: env.fromSequence(1, 6).setParallelism(3).forward().map(tagged()).setParallelism(3),
    shuffle: env.fromSequence(1, 12).shuffle().map((x) => x).setParallelism(3),
  }),

  // PyFlink's test_partition_custom: the partitioner picks key % numPartitions.
  test_partition_custom: (env) => env.fromCollection<Pair>(
    [['a', 0], ['b', 0], ['c', 1], ['d', 1], ['e', 2], ['f', 7], ['g', 7], ['h', 8], ['i', 8], ['j', 9]],
    Types.ROW([Types.STRING(), Types.INT()]),
  ).map((x) => x).setParallelism(4)
    .partitionCustom((key: number, numPartitions: number) => key % numPartitions, (x) => x[1])
    .map(tagged<Pair>()).setParallelism(5),

  // Under rescale a subtask's watermark is the minimum over the producers that feed it only.
  rescale_watermarks: (env) => {
    env.getConfig().setPerRecordWatermarks(true);
    return env.fromSequence(1, 8).setParallelism(2)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((x) => x * 1000))
      .rescale().process(new WatermarkSeen()).setParallelism(4);
  },
} satisfies Record<string, CaseBuilder>;

export const suite = {
  cases,
  orderKeys: { test_execute_and_collect: wholeSequence },
} satisfies SuiteOf<typeof cases>;
