// The pipelines of keyed_aggregations.test.ts (keyBy + reduce / sum / min / max / minBy / maxBy,
// STREAMING and BATCH), built the same in the test thread and in workers.
import { RuntimeExecutionMode, StreamExecutionEnvironment, Types, ValueStateDescriptor } from '../../../src/index.ts';
import type { RuntimeContext, TypeInformation, ValueState } from '../../../src/index.ts';
import { wholeSequence } from '../support.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

type Row2 = [number, string];
type Triple = [string, number, string];
type Named = { v1: number; v2: number };
type Aggregation = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

const batch = (env: StreamExecutionEnvironment) => env.setRuntimeMode(RuntimeExecutionMode.BATCH);

/** PyFlink's MyReduceFunction: a reduce function object with keyed state of its own. */
class MyReduceFunction {
  private state: ValueState<number> | null = null;
  open(ctx: RuntimeContext) {
    this.state = ctx.getState(new ValueStateDescriptor('test_state', Types.INT()));
  }
  reduce(value1: [string, number], value2: [string, number]): [string, number] {
    const previous = this.state!.value();
    const stateValue = previous === null ? 2 : previous + 1;
    const result: [string, number] = [value1[0] + value2[0], value1[1]];
    if (result[0] === 'ab' && stateValue !== 2) throw new Error(`state for "ab" is ${stateValue}, expected 2`);
    if (result[0] === 'cde' && stateValue !== 3) throw new Error(`state for "cde" is ${stateValue}, expected 3`);
    this.state!.update(stateValue);
    return result;
  }
}

export const fieldRulesInput: Triple[] = [['a', 2, 'x'], ['b', 7, 'p'], ['a', 5, 'y'], ['a', 1, 'z'], ['b', 7, 'q'], ['a', 5, 'w']];

const rolling = (agg: Aggregation) => (env: StreamExecutionEnvironment) =>
  env.fromCollection(fieldRulesInput, Types.TUPLE([Types.STRING(), Types.INT(), Types.STRING()])).keyBy(0)[agg](1);

const final = (agg: Aggregation) => (env: StreamExecutionEnvironment) =>
  batch(env).fromCollection(fieldRulesInput).keyBy(0)[agg](1);

export const cases = {
  test_reduce: (env) => env.fromCollection<Row2>([[1, 'a'], [2, 'a'], [3, 'a'], [4, 'b']], Types.ROW([Types.INT(), Types.STRING()]))
    .keyBy((a) => a[1])
    .reduce((a, b) => [a[0] + b[0], b[1]]),

  test_reduce_with_state: (env) => env.fromCollection<[string, number]>([['a', 0], ['b', 0], ['c', 1], ['d', 1], ['e', 1]],
    Types.ROW([Types.STRING(), Types.INT()]))
    .keyBy({ getKey: (v: [string, number]) => v[1] }, Types.INT())
    .reduce(new MyReduceFunction()),

  test_keyed_sum: (env) => env.fromCollection<Named>(
    [{ v1: 1, v2: 1 }, { v1: 1, v2: 2 }, { v1: 1, v2: 3 }, { v1: 2, v2: 5 }, { v1: 2, v2: 1 }],
    Types.ROW_NAMED(['v1', 'v2'], [Types.INT(), Types.INT()]) as unknown as TypeInformation<Named>,
  )
    .keyBy((x) => x.v1)
    .sum('v2')
    .map((x) => [x.v1, x.v2] as [number, number]) // Eddy's named rows are objects: positions need a tuple
    .keyBy((x) => x[0])
    .sum(1)
    .map((x) => [x[1], x[0]] as [number, number], Types.TUPLE([Types.INT(), Types.INT()]))
    .keyBy((x) => x[1])
    .sum(),

  test_keyed_min_by_and_max: (env) => {
    const ds = env.fromCollection<{ v1: string; v2: number; v3: number }>(
      [{ v1: 'a', v2: 3, v3: 0 }, { v1: 'a', v2: 1, v3: 1 }, { v1: 'b', v2: 5, v3: 0 }, { v1: 'b', v2: 3, v3: 1 }]);
    // PyFlink pins parallelism 1 here: max(1) keeps each key's first record, and "first" is only
    // defined when one upstream subtask feeds the key. So minBy and the map run as one subtask.
    const minBy = ds.keyBy((x) => x.v1).minBy('v2').setParallelism(1)
      .map((x) => [x.v1, x.v2, x.v3] as [string, number, number], Types.TUPLE([Types.STRING(), Types.INT(), Types.INT()]))
      .setParallelism(1);
    const max = minBy.keyBy((x) => x[2]).max(1);
    const min = max.keyBy((x) => x[2]).min();
    return min.map((x) => x[0], Types.STRING()).keyBy((x) => x).maxBy();
  },

  min_by_and_max_intermediate: (env) => {
    const ds = env.fromCollection<[string, number, number]>([['a', 3, 0], ['a', 1, 1], ['b', 5, 0], ['b', 3, 1]]);
    const minBy = ds.keyBy((x) => x[0]).minBy(1).setParallelism(1); // one upstream subtask: "first record" is defined
    const max = minBy.keyBy((x) => x[2]).max(1);
    const min = max.keyBy((x) => x[2]).min();
    return { minBy, max, min };
  },

  rolling_sum: rolling('sum'),
  rolling_min: rolling('min'),
  rolling_max: rolling('max'),
  rolling_minBy: rolling('minBy'),
  rolling_maxBy: rolling('maxBy'),

  basic_values: (env) => {
    const ds = env.fromCollection([3, 1, 2, 3, 1]);
    return {
      sum: ds.keyBy((x) => x % 2).sum(),
      min: ds.keyBy((x) => x % 2).min(0),
      max: ds.keyBy((x) => x % 2).max(),
      maxBy: ds.keyBy((x) => x % 2).maxBy(),
    };
  },

  sum_object_property: (env) => env.fromCollection([{ k: 'a', v: 1, tag: 'x' }, { k: 'a', v: 4, tag: 'y' }, { k: 'b', v: 2, tag: 'z' }])
    .keyBy('k').sum('v'),

  batch_test_reduce: (env) => batch(env).fromCollection<Row2>([[1, 'a'], [4, 'b'], [2, 'a'], [3, 'b'], [3, 'a']], Types.ROW([Types.INT(), Types.STRING()]))
    .keyBy((a) => a[1])
    .reduce((a, b) => [a[0] + b[0], b[1]]),

  batch_test_reduce_with_state: (env) => batch(env).fromCollection<[string, number]>([['a', 0], ['c', 1], ['d', 1], ['b', 0], ['e', 1]],
    Types.ROW([Types.STRING(), Types.INT()]))
    .keyBy({ getKey: (v: [string, number]) => v[1] }, Types.INT())
    .reduce(new MyReduceFunction()),

  batch_test_keyed_sum: (env) => batch(env).fromCollection<Named>(
    [{ v1: 1, v2: 1 }, { v1: 1, v2: 2 }, { v1: 1, v2: 3 }, { v1: 5, v2: 1 }, { v1: 5, v2: 5 }])
    .keyBy((x) => x.v1)
    .sum('v2')
    .map((x) => [x.v1, x.v2] as [number, number])
    .keyBy((x) => x[1])
    .sum()
    .flatMap(function* (data: [number, number]) { for (const i of data) yield [12, i] as [number, number]; },
      Types.TUPLE([Types.INT(), Types.INT()]))
    .keyBy((x) => x[0])
    .sum(1)
    .flatMap(function* (data: [number, number]) { yield* data; }, Types.INT())
    .keyBy((x) => x)
    .sum(),

  batch_test_keyed_min_by_and_max: (env) => batch(env).fromCollection<{ v1: number; v2: string; v3: number }>(
    [{ v1: 1, v2: '9', v3: 0 }, { v1: 1, v2: '5', v3: 1 }, { v1: 1, v2: '6', v3: 2 }, { v1: 5, v2: '5', v3: 0 }, { v1: 5, v2: '3', v3: 1 }])
    .keyBy((x) => x.v1)
    .minBy('v2')
    .map((x) => [x.v1, x.v2, x.v3] as [number, string, number], Types.TUPLE([Types.INT(), Types.STRING(), Types.INT()]))
    .keyBy((x) => x[2])
    .max(0)
    .flatMap(function* (data: [number, string, number]) { for (const i of data) yield [Number(i), 1] as [number, number]; },
      Types.TUPLE([Types.INT(), Types.INT()]))
    .keyBy(() => [1])
    .minBy()
    .flatMap(function* (data: [number, number]) { yield* data; }, Types.INT())
    .keyBy((x) => x)
    .maxBy(),

  batch_sum: final('sum'),
  batch_min: final('min'),
  batch_max: final('max'),
  batch_minBy: final('minBy'),
  batch_maxBy: final('maxBy'),
} satisfies Record<string, CaseBuilder>;

export const suite = {
  cases,
  orderKeys: {
    test_reduce: (r) => r[1],
    test_reduce_with_state: (r) => r[1],
    test_keyed_sum: (r) => r[1],
    test_keyed_min_by_and_max: wholeSequence,
    rolling_sum: (r) => r[0],
    rolling_min: (r) => r[0],
    rolling_max: (r) => r[0],
    rolling_minBy: (r) => r[0],
    rolling_maxBy: (r) => r[0],
    sum_object_property: (r) => r.k,
    batch_test_keyed_sum: wholeSequence,
    batch_test_keyed_min_by_and_max: wholeSequence,
  },
} satisfies SuiteOf<typeof cases>;
