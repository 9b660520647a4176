// union and connect (CoMap / CoFlatMap, keyed and not). Ports of PyFlink's test_union_stream,
// test_co_map_function_*, test_co_flat_map_function_*, test_basic_co_operations(_with_output_type),
// test_connected_streams_with_dependency, test_keyed_co_map (test_key_by_on_connect_stream),
// test_keyed_co_flat_map. Across connect inputs Flink promises no order, so results are sorted.
import { describe, expect, it } from 'vitest';
import { cases } from './cases/connect_union.ts';
import { PARALLELISMS, envAt, perKey, runCase, runOutputs, sorted } from './support.ts';

describe.each(PARALLELISMS)('union, parallelism %i', (p) => {
  it('test_union_stream: the union of three streams carries every record of each', async () => {
    const out = await runCase(cases.test_union_stream, p);
    expect(sorted(out)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a union keeps each input\'s order within a key (FIFO per input)', async () => {
    const out = await runCase(cases.union_keeps_input_order, p);
    expect(sorted(out.map((r) => r[1]))).toEqual([1, 2, 3, 5, 10, 20, 30]);
    const k = perKey(out, (r) => r[0]).get('"k"')!.map((r) => r[1]);
    expect(k.filter((v) => v < 10)).toEqual([1, 3, 5]);
    expect(k.filter((v) => v >= 10)).toEqual([10, 30]);
  });

  it('a stream unioned with itself delivers its records twice', async () => {
    expect(sorted(await runCase(cases.union_with_itself, p))).toEqual([1, 1, 2, 2]);
  });
});

describe.each(PARALLELISMS)('connect, parallelism %i', (p) => {
  it('test_co_map_function_without_data_types / with_data_types', async () => {
    const { untyped, typed } = await runOutputs(cases.test_co_map_function, p);
    expect(sorted(untyped)).toEqual(['2', '3', '4', 'a', 'b', 'c']);
    expect(sorted(typed)).toEqual(['2', '3', '4', 'a', 'b', 'c']);
  });

  it('test_co_flat_map_function_without_data_types / with_data_types', async () => {
    const { untyped, typed } = await runOutputs(cases.test_co_flat_map_function, p);
    expect(sorted(untyped)).toEqual(['2', '2', '3', '3', '4', '4', 'b']);
    expect(sorted(typed)).toEqual(['2', '2', '3', '3', '4', '4', 'b']);
  });

  it('test_basic_co_operations / with_output_type: connect, coFlatMap, connect again, coMap', async () => {
    const { untyped, typed } = await runOutputs(cases.test_basic_co_operations, p);
    const expected = sorted([4, 5, 6, 7, 8, 3, 5, 7, 9, 11, 3, 5, 7, 9, 11]);
    expect(sorted(untyped)).toEqual(expected);
    expect(sorted(typed)).toEqual(expected);
  });

  it('test_connected_streams_with_dependency: a stream connected with a map of itself', async () => {
    const out = await runCase(cases.test_connected_streams_with_dependency, p);
    expect(sorted(out)).toEqual(sorted([11, 3, 3, 4, 5, 5, 6, 7, 7, 9]));
  });

  it('test_keyed_co_map: keyed state of a CoMap, per input, in each key\'s order', async () => {
    const out = await runCase(cases.test_keyed_co_map, p);
    const once = [['a', 1], ['b', 1], ['c', 2], ['d', 2], ['e', 3]];
    expect(sorted(out)).toEqual(sorted([...once, ...once]));
  });

  it('test_keyed_co_flat_map: both inputs share one MapState per key', async () => {
    const out = await runCase(cases.test_keyed_co_flat_map, p);
    expect(sorted(out)).toEqual(['2', '2', '3', '3', 'a', 'b', 'c']);
  });

  it('a keyed connect routes both inputs by key: equal keys meet in one subtask', async () => {
    const out = await runCase(cases.keyed_connect_routes_by_key, p);
    expect(out).toHaveLength(6);
    for (const [key, list] of perKey(out, (r) => r[0])) {
      expect(list, key).toHaveLength(2);
      expect(list[0][1], key).toBe(list[1][1]);
    }
  });
});

describe.each(PARALLELISMS)('KeyedStream as a DataStream, parallelism %i', (p) => {
  it('test_keyed_stream_union: a keyed stream unions with others and the result is no longer keyed', async () => {
    const out = await runCase(cases.test_keyed_stream_union, p);
    expect(out.sort((x, y) => x - y)).toEqual([10, 20, 30, 40, 50]);
  });

  it('test_multi_key_by: keyBy after keyBy re-keys the records', async () => {
    const out = await runCase(cases.test_multi_key_by, p);
    expect(out.filter((t) => t[0] === 'a')).toEqual([['a', 1], ['a', 4]]);
    expect(out.filter((t) => t[0] === 'b')).toEqual([['b', 2]]);
  });

  it('executeAndCollect(name, limit) returns the first records only', async () => {
    expect(await envAt(p).fromCollection([5, 6, 7, 8]).executeAndCollect('limited', 2)).toEqual([5, 6]);
  });
});
