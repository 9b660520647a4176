// keyBy + reduce / sum / min / max / minBy / maxBy, in STREAMING (a rolling result per input)
// and BATCH (one final result per key). Ports of PyFlink's test_reduce, test_reduce_with_state,
// test_keyed_sum, test_keyed_min_by_and_max (both runtime modes), plus Flink's field rules.
import { describe, expect, it } from 'vitest';
import { cases, fieldRulesInput } from './cases/keyed_aggregations.ts';
import { PARALLELISMS, perKey, runCase, runOutputs, sorted } from './support.ts';

describe.each(PARALLELISMS)('keyed aggregations, STREAMING, parallelism %i', (p) => {
  it('test_reduce: a rolling result per input', async () => {
    const out = await runCase(cases.test_reduce, p);
    expect(sorted(out)).toEqual(sorted([[1, 'a'], [3, 'a'], [6, 'a'], [4, 'b']]));
    expect(perKey(out, (r) => r[1]).get('"a"')).toEqual([[1, 'a'], [3, 'a'], [6, 'a']]);
  });

  it('test_reduce_with_state: a reduce function object with open() and keyed state', async () => {
    const out = await runCase(cases.test_reduce_with_state, p);
    expect(sorted(out)).toEqual(sorted([['a', 0], ['ab', 0], ['c', 1], ['cd', 1], ['cde', 1]]));
    expect(perKey(out, (r) => r[1]).get('1')).toEqual([['c', 1], ['cd', 1], ['cde', 1]]);
  });

  it('test_keyed_sum: sum by field name, by position, and of position 0 by default', async () => {
    const out = await runCase(cases.test_keyed_sum, p);
    expect(sorted(out)).toEqual(sorted([[1, 1], [5, 1], [15, 1], [5, 2], [16, 2]]));
    expect(perKey(out, (r) => r[1]).get('1')).toEqual([[1, 1], [5, 1], [15, 1]]);
  });

  it('test_keyed_min_by_and_max: minBy on a named field, max(1), min() and maxBy() of basic values', async () => {
    const out = await runCase(cases.test_keyed_min_by_and_max, p);
    expect(out).toEqual(['a', 'a', 'a', 'a']);
  });

  it('the intermediate results of test_keyed_min_by_and_max follow Flink\'s rules', async () => {
    const sinks = await runOutputs(cases.min_by_and_max_intermediate, p);
    expect(sorted(sinks.minBy)).toEqual(sorted([['a', 3, 0], ['a', 1, 1], ['b', 5, 0], ['b', 3, 1]]));
    // max(1) keeps the key's first record and replaces field 1 only: ('b', 5, 0) becomes ('a', 5, 0).
    expect(sorted(sinks.max)).toEqual(sorted([['a', 3, 0], ['a', 1, 1], ['a', 5, 0], ['a', 3, 1]]));
    expect(sorted(sinks.min)).toEqual(sorted([['a', 3, 0], ['a', 1, 1], ['a', 3, 0], ['a', 1, 1]]));
  });

  describe('Flink\'s field rules, one rolling result per input', () => {
    it.each([
      ['sum', [['a', 2, 'x'], ['a', 7, 'x'], ['a', 8, 'x'], ['a', 13, 'x']], [['b', 7, 'p'], ['b', 14, 'p']]],
      ['min', [['a', 2, 'x'], ['a', 2, 'x'], ['a', 1, 'x'], ['a', 1, 'x']], [['b', 7, 'p'], ['b', 7, 'p']]],
      ['max', [['a', 2, 'x'], ['a', 5, 'x'], ['a', 5, 'x'], ['a', 5, 'x']], [['b', 7, 'p'], ['b', 7, 'p']]],
      ['minBy', [['a', 2, 'x'], ['a', 2, 'x'], ['a', 1, 'z'], ['a', 1, 'z']], [['b', 7, 'p'], ['b', 7, 'p']]],
      ['maxBy', [['a', 2, 'x'], ['a', 5, 'y'], ['a', 5, 'y'], ['a', 5, 'y']], [['b', 7, 'p'], ['b', 7, 'p']]],
    ] as const)('%s(1)', async (agg, a, b) => {
      const out = await runCase(cases[`rolling_${agg}`], p);
      expect(out).toHaveLength(fieldRulesInput.length);
      const groups = perKey(out, (r) => r[0]);
      expect(groups.get('"a"')).toEqual(a);
      expect(groups.get('"b"')).toEqual(b);
    });

    it('basic values have only position 0, and sum() means sum(0)', async () => {
      const got = await runOutputs(cases.basic_values, p);
      expect(sorted(got.sum)).toEqual(sorted([3, 4, 2, 7, 8]));
      expect(sorted(got.min)).toEqual(sorted([3, 1, 2, 1, 1]));
      expect(sorted(got.max)).toEqual(sorted([3, 3, 2, 3, 3]));
      expect(sorted(got.maxBy)).toEqual(sorted([3, 3, 2, 3, 3]));
    });

    it('sum on an object property keeps the first record\'s other properties', async () => {
      const out = await runCase(cases.sum_object_property, p);
      expect(perKey(out, (r) => r.k).get('"a"')).toEqual([{ k: 'a', v: 1, tag: 'x' }, { k: 'a', v: 5, tag: 'x' }]);
      expect(out).toContainEqual({ k: 'b', v: 2, tag: 'z' });
    });
  });
});

describe.each(PARALLELISMS)('keyed aggregations, BATCH, parallelism %i', (p) => {
  it('test_reduce: one final result per key', async () => {
    const out = await runCase(cases.batch_test_reduce, p);
    expect(sorted(out)).toEqual([[6, 'a'], [7, 'b']]);
  });

  it('test_reduce_with_state', async () => {
    const out = await runCase(cases.batch_test_reduce_with_state, p);
    expect(sorted(out)).toEqual([['ab', 0], ['cde', 1]]);
  });

  it('test_keyed_sum: four chained sums end in one record, 24', async () => {
    const out = await runCase(cases.batch_test_keyed_sum, p);
    expect(out).toEqual([24]);
  });

  it('test_keyed_min_by_and_max: minBy on strings, max(0), minBy() and maxBy() end in one record, 1', async () => {
    const out = await runCase(cases.batch_test_keyed_min_by_and_max, p);
    expect(out).toEqual([1]);
  });

  it.each([
    ['sum', [['a', 13, 'x'], ['b', 14, 'p']]],
    ['min', [['a', 1, 'x'], ['b', 7, 'p']]],
    ['max', [['a', 5, 'x'], ['b', 7, 'p']]],
    ['minBy', [['a', 1, 'z'], ['b', 7, 'p']]],
    ['maxBy', [['a', 5, 'y'], ['b', 7, 'p']]],
  ] as const)('%s(1) emits only the final value of each key', async (agg, expected) => {
    const out = await runCase(cases[`batch_${agg}`], p);
    expect(sorted(out)).toEqual(expected);
  });
});
