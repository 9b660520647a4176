// keyBy + reduce / sum / min / max / minBy / maxBy, in STREAMING (a rolling result per input)
// and BATCH (one final result per key). Ports of PyFlink's test_reduce, test_reduce_with_state,
// test_keyed_sum, test_keyed_min_by_and_max (both runtime modes), plus Flink's field rules.
import { describe, expect, it } from 'vitest';
import { RuntimeExecutionMode, Types, ValueStateDescriptor } from '../../src/index.ts';
import type { RuntimeContext, TypeInformation, ValueState } from '../../src/index.ts';
import { PARALLELISMS, envAt, perKey, sorted } from './support.ts';

type Row2 = [number, string];
type Triple = [string, number, string];
type Named = { v1: number; v2: number };

const batchEnv = (p: number) => envAt(p).setRuntimeMode(RuntimeExecutionMode.BATCH);

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

describe.each(PARALLELISMS)('keyed aggregations, STREAMING, parallelism %i', (p) => {
  it('test_reduce: a rolling result per input', async () => {
    const out = await envAt(p).fromCollection<Row2>([[1, 'a'], [2, 'a'], [3, 'a'], [4, 'b']], Types.ROW([Types.INT(), Types.STRING()]))
      .keyBy((a) => a[1])
      .reduce((a, b) => [a[0] + b[0], b[1]])
      .executeAndCollect();
    expect(sorted(out)).toEqual(sorted([[1, 'a'], [3, 'a'], [6, 'a'], [4, 'b']]));
    expect(perKey(out, (r) => r[1]).get('"a"')).toEqual([[1, 'a'], [3, 'a'], [6, 'a']]);
  });

  it('test_reduce_with_state: a reduce function object with open() and keyed state', async () => {
    const out = await envAt(p).fromCollection<[string, number]>([['a', 0], ['b', 0], ['c', 1], ['d', 1], ['e', 1]],
      Types.ROW([Types.STRING(), Types.INT()]))
      .keyBy({ getKey: (v: [string, number]) => v[1] }, Types.INT())
      .reduce(new MyReduceFunction())
      .executeAndCollect();
    expect(sorted(out)).toEqual(sorted([['a', 0], ['ab', 0], ['c', 1], ['cd', 1], ['cde', 1]]));
    expect(perKey(out, (r) => r[1]).get('1')).toEqual([['c', 1], ['cd', 1], ['cde', 1]]);
  });

  it('test_keyed_sum: sum by field name, by position, and of position 0 by default', async () => {
    const out = await envAt(p).fromCollection<Named>(
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
      .sum()
      .executeAndCollect();
    expect(sorted(out)).toEqual(sorted([[1, 1], [5, 1], [15, 1], [5, 2], [16, 2]]));
    expect(perKey(out, (r) => r[1]).get('1')).toEqual([[1, 1], [5, 1], [15, 1]]);
  });

  it('test_keyed_min_by_and_max: minBy on a named field, max(1), min() and maxBy() of basic values', async () => {
    const env = envAt(p);
    const ds = env.fromCollection<{ v1: string; v2: number; v3: number }>(
      [{ v1: 'a', v2: 3, v3: 0 }, { v1: 'a', v2: 1, v3: 1 }, { v1: 'b', v2: 5, v3: 0 }, { v1: 'b', v2: 3, v3: 1 }]);
    // PyFlink pins parallelism 1 here: max(1) keeps each key's first record, and "first" is only
    // defined when one upstream subtask feeds the key. So minBy and the map run as one subtask.
    const minBy = ds.keyBy((x) => x.v1).minBy('v2').setParallelism(1)
      .map((x) => [x.v1, x.v2, x.v3] as [string, number, number], Types.TUPLE([Types.STRING(), Types.INT(), Types.INT()]))
      .setParallelism(1);
    const max = minBy.keyBy((x) => x[2]).max(1);
    const min = max.keyBy((x) => x[2]).min();
    const out = await min.map((x) => x[0], Types.STRING()).keyBy((x) => x).maxBy().executeAndCollect();
    expect(out).toEqual(['a', 'a', 'a', 'a']);
  });

  it('the intermediate results of test_keyed_min_by_and_max follow Flink\'s rules', async () => {
    const env = envAt(p);
    const sinks = { minBy: [] as unknown[], max: [] as unknown[], min: [] as unknown[] };
    const ds = env.fromCollection<[string, number, number]>([['a', 3, 0], ['a', 1, 1], ['b', 5, 0], ['b', 3, 1]]);
    const minBy = ds.keyBy((x) => x[0]).minBy(1).setParallelism(1); // one upstream subtask: "first record" is defined
    const max = minBy.keyBy((x) => x[2]).max(1);
    const min = max.keyBy((x) => x[2]).min();
    minBy.addSink((v) => { sinks.minBy.push(v); });
    max.addSink((v) => { sinks.max.push(v); });
    min.addSink((v) => { sinks.min.push(v); });
    await env.execute();
    expect(sorted(sinks.minBy)).toEqual(sorted([['a', 3, 0], ['a', 1, 1], ['b', 5, 0], ['b', 3, 1]]));
    // max(1) keeps the key's first record and replaces field 1 only: ('b', 5, 0) becomes ('a', 5, 0).
    expect(sorted(sinks.max)).toEqual(sorted([['a', 3, 0], ['a', 1, 1], ['a', 5, 0], ['a', 3, 1]]));
    expect(sorted(sinks.min)).toEqual(sorted([['a', 3, 0], ['a', 1, 1], ['a', 3, 0], ['a', 1, 1]]));
  });

  describe('Flink\'s field rules, one rolling result per input', () => {
    const input: Triple[] = [['a', 2, 'x'], ['b', 7, 'p'], ['a', 5, 'y'], ['a', 1, 'z'], ['b', 7, 'q'], ['a', 5, 'w']];
    const run = (agg: 'sum' | 'min' | 'max' | 'minBy' | 'maxBy') =>
      envAt(p).fromCollection(input, Types.TUPLE([Types.STRING(), Types.INT(), Types.STRING()])).keyBy(0)[agg](1).executeAndCollect();

    it.each([
      ['sum', [['a', 2, 'x'], ['a', 7, 'x'], ['a', 8, 'x'], ['a', 13, 'x']], [['b', 7, 'p'], ['b', 14, 'p']]],
      ['min', [['a', 2, 'x'], ['a', 2, 'x'], ['a', 1, 'x'], ['a', 1, 'x']], [['b', 7, 'p'], ['b', 7, 'p']]],
      ['max', [['a', 2, 'x'], ['a', 5, 'x'], ['a', 5, 'x'], ['a', 5, 'x']], [['b', 7, 'p'], ['b', 7, 'p']]],
      ['minBy', [['a', 2, 'x'], ['a', 2, 'x'], ['a', 1, 'z'], ['a', 1, 'z']], [['b', 7, 'p'], ['b', 7, 'p']]],
      ['maxBy', [['a', 2, 'x'], ['a', 5, 'y'], ['a', 5, 'y'], ['a', 5, 'y']], [['b', 7, 'p'], ['b', 7, 'p']]],
    ] as const)('%s(1)', async (agg, a, b) => {
      const out = await run(agg);
      expect(out).toHaveLength(input.length);
      const groups = perKey(out, (r) => r[0]);
      expect(groups.get('"a"')).toEqual(a);
      expect(groups.get('"b"')).toEqual(b);
    });

    it('basic values have only position 0, and sum() means sum(0)', async () => {
      const env = envAt(p);
      const got = { sum: [] as number[], min: [] as number[], max: [] as number[], maxBy: [] as number[] };
      const ds = env.fromCollection([3, 1, 2, 3, 1]);
      ds.keyBy((x) => x % 2).sum().addSink((v) => { got.sum.push(v); });
      ds.keyBy((x) => x % 2).min(0).addSink((v) => { got.min.push(v); });
      ds.keyBy((x) => x % 2).max().addSink((v) => { got.max.push(v); });
      ds.keyBy((x) => x % 2).maxBy().addSink((v) => { got.maxBy.push(v); });
      await env.execute();
      expect(sorted(got.sum)).toEqual(sorted([3, 4, 2, 7, 8]));
      expect(sorted(got.min)).toEqual(sorted([3, 1, 2, 1, 1]));
      expect(sorted(got.max)).toEqual(sorted([3, 3, 2, 3, 3]));
      expect(sorted(got.maxBy)).toEqual(sorted([3, 3, 2, 3, 3]));
    });

    it('sum on an object property keeps the first record\'s other properties', async () => {
      const out = await envAt(p).fromCollection([{ k: 'a', v: 1, tag: 'x' }, { k: 'a', v: 4, tag: 'y' }, { k: 'b', v: 2, tag: 'z' }])
        .keyBy('k').sum('v').executeAndCollect();
      expect(perKey(out, (r) => r.k).get('"a"')).toEqual([{ k: 'a', v: 1, tag: 'x' }, { k: 'a', v: 5, tag: 'x' }]);
      expect(out).toContainEqual({ k: 'b', v: 2, tag: 'z' });
    });
  });
});

describe.each(PARALLELISMS)('keyed aggregations, BATCH, parallelism %i', (p) => {
  it('test_reduce: one final result per key', async () => {
    const out = await batchEnv(p).fromCollection<Row2>([[1, 'a'], [4, 'b'], [2, 'a'], [3, 'b'], [3, 'a']], Types.ROW([Types.INT(), Types.STRING()]))
      .keyBy((a) => a[1])
      .reduce((a, b) => [a[0] + b[0], b[1]])
      .executeAndCollect();
    expect(sorted(out)).toEqual([[6, 'a'], [7, 'b']]);
  });

  it('test_reduce_with_state', async () => {
    const out = await batchEnv(p).fromCollection<[string, number]>([['a', 0], ['c', 1], ['d', 1], ['b', 0], ['e', 1]],
      Types.ROW([Types.STRING(), Types.INT()]))
      .keyBy({ getKey: (v: [string, number]) => v[1] }, Types.INT())
      .reduce(new MyReduceFunction())
      .executeAndCollect();
    expect(sorted(out)).toEqual([['ab', 0], ['cde', 1]]);
  });

  it('test_keyed_sum: four chained sums end in one record, 24', async () => {
    const out = await batchEnv(p).fromCollection<Named>(
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
      .sum()
      .executeAndCollect();
    expect(out).toEqual([24]);
  });

  it('test_keyed_min_by_and_max: minBy on strings, max(0), minBy() and maxBy() end in one record, 1', async () => {
    const out = await batchEnv(p).fromCollection<{ v1: number; v2: string; v3: number }>(
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
      .maxBy()
      .executeAndCollect();
    expect(out).toEqual([1]);
  });

  it.each([
    ['sum', [['a', 13, 'x'], ['b', 14, 'p']]],
    ['min', [['a', 1, 'x'], ['b', 7, 'p']]],
    ['max', [['a', 5, 'x'], ['b', 7, 'p']]],
    ['minBy', [['a', 1, 'z'], ['b', 7, 'p']]],
    ['maxBy', [['a', 5, 'y'], ['b', 7, 'p']]],
  ] as const)('%s(1) emits only the final value of each key', async (agg, expected) => {
    const input: Triple[] = [['a', 2, 'x'], ['b', 7, 'p'], ['a', 5, 'y'], ['a', 1, 'z'], ['b', 7, 'q'], ['a', 5, 'w']];
    const out = await batchEnv(p).fromCollection(input).keyBy(0)[agg](1).executeAndCollect();
    expect(sorted(out)).toEqual(expected);
  });
});
