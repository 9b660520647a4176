// Keyed state (Value, List, Map, Reducing, Aggregating) in process, map, flatMap and filter
// functions. Ports of PyFlink's test_keyed_process_function_with_state, test_reducing_state,
// test_aggregating_state, test_keyed_map, test_keyed_flat_map, test_keyed_filter.
import { describe, expect, it } from 'vitest';
import { cases } from './cases/state.ts';
import { PARALLELISMS, perKey, runCase, sorted } from './support.ts';

describe.each(PARALLELISMS)('keyed state, parallelism %i', (p) => {
  it('test_keyed_process_function_with_state: value, list and map state per key', async () => {
    const out = await runCase(cases.test_keyed_process_function_with_state, p);
    expect(sorted(out)).toEqual(sorted([
      "current key: hi, current value state: None, current list state: [], current map state: {}, current value: Row(f0=1, f1='hi', f2='1603708211000')",
      "current key: hello, current value state: None, current list state: [], current map state: {}, current value: Row(f0=2, f1='hello', f2='1603708224000')",
      "current key: hi, current value state: 1, current list state: [1], current map state: {1: hi}, current value: Row(f0=3, f1='hi', f2='1603708226000')",
      "current key: hello, current value state: 2, current list state: [2], current map state: {2: hello}, current value: Row(f0=4, f1='hello', f2='1603708289000')",
      "current key: hi, current value state: 3, current list state: [1, 3], current map state: {1: hi, 3: hi}, current value: Row(f0=5, f1='hi', f2='1603708291000')",
      "current key: hello, current value state: 4, current list state: [2, 4], current map state: {2: hello, 4: hello}, current value: Row(f0=6, f1='hello', f2='1603708293000')",
    ]));
  });

  const runningSums = sorted([[1, 'hi'], [2, 'hello'], [4, 'hi'], [6, 'hello'], [9, 'hi'], [12, 'hello']]);

  it('test_reducing_state', async () => {
    const out = await runCase(cases.test_reducing_state, p);
    expect(sorted(out)).toEqual(runningSums);
    expect(perKey(out, (r) => r[1]).get('"hi"')).toEqual([[1, 'hi'], [4, 'hi'], [9, 'hi']]);
  });

  it('test_aggregating_state', async () => {
    const out = await runCase(cases.test_aggregating_state, p);
    expect(sorted(out)).toEqual(runningSums);
  });

  it('aggregating state returns getResult(accumulator), not the accumulator', async () => {
    const out = await runCase(cases.aggregating_state_get_result, p);
    expect(perKey(out, (r) => r[0]).get('"x"')).toEqual([['x', null, 2], ['x', 2, 3], ['x', 3, 5]]);
    expect(out).toContainEqual(['y', null, 10]);
  });

  it('test_keyed_map: a map function with value state, on a keyed stream', async () => {
    const out = await runCase(cases.test_keyed_map, p);
    expect(sorted(out)).toEqual(sorted([['e', 3], ['a', 1], ['b', 2], ['c', 1], ['d', 2]]));
  });

  it('test_keyed_flat_map: a flatMap function with value state (and a per-subtask field)', async () => {
    const out = await runCase(cases.test_keyed_flat_map, p);
    expect(sorted(out)).toEqual(sorted([['e', 3], ['a', 1], ['b', 1], ['c', 2], ['d', 2]]));
  });

  it('test_keyed_filter: a filter function with value state', async () => {
    const out = await runCase(cases.test_keyed_filter, p);
    expect(sorted(out)).toEqual([['c', 1], ['e', 2]]);
  });

  it('state is scoped to (operator, key): two operators with the same state name do not share', async () => {
    const out = await runCase(cases.state_scoped_to_operator, p);
    // The first map counts a1 b1 a2 a3; the second counts again per key from 1, on its own state.
    expect(sorted(out)).toEqual(['a11', 'a22', 'a33', 'b11']);
  });

  it('ValueState: unset reads null, update(null) and clear() unset it', async () => {
    const out = await runCase(cases.value_state, p);
    expect(out).toEqual(['v', 'v', null, null, 'v', null, null]);
  });

  it('ListState: get() is a copy; add, addAll, update, clear', async () => {
    const out = await runCase(cases.list_state, p);
    expect(out).toEqual([[1, 2, 3], [7, 8], [], []]);
  });

  it('MapState: put, putAll, get, contains, remove, keys, values, entries, isEmpty, with tuple user keys', async () => {
    const out = await runCase(cases.map_state, p);
    expect(sorted(out)).toEqual([
      [true, null, true, 'k1-z', [[1, 'a'], [2, 'b']], ['k1-z', 'y'], 2, false, false, [[2, 'b']], true],
      [true, null, true, 'k2-z', [[1, 'a'], [2, 'b']], ['k2-z', 'y'], 2, false, false, [[2, 'b']], true],
    ]);
  });

  it('ReducingState and AggregatingState read null when empty and after clear()', async () => {
    const out = await runCase(cases.reducing_and_aggregating_state_empty, p);
    expect(out).toEqual([[[null, null], [3, '3']], [[3, '3'], [12, '3+4']], [[null, null], [5, '5']]]);
  });
});
