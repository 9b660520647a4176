// union and connect (CoMap / CoFlatMap, keyed and not). Ports of PyFlink's test_union_stream,
// test_co_map_function_*, test_co_flat_map_function_*, test_basic_co_operations(_with_output_type),
// test_connected_streams_with_dependency, test_keyed_co_map (test_key_by_on_connect_stream),
// test_keyed_co_flat_map. Across connect inputs Flink promises no order, so results are sorted.
import { describe, expect, it } from 'vitest';
import { MapStateDescriptor, StreamExecutionEnvironment, Types, ValueStateDescriptor } from '../../src/index.ts';
import type { CoFlatMapFunction, CoMapFunction, MapState, RuntimeContext, ValueState } from '../../src/index.ts';
import { PARALLELISMS, envAt, perKey, sorted } from './support.ts';

type IntPair = [number, number];
type StrPair = [string, string];

class MyCoMapFunction implements CoMapFunction<IntPair, StrPair, string> {
  map1(value: IntPair) {
    return String(value[0] + 1);
  }
  map2(value: StrPair) {
    return value[0];
  }
}

class MyCoFlatMapFunction implements CoFlatMapFunction<IntPair, StrPair, string> {
  *flatMap1(value: IntPair) {
    yield String(value[0] + 1);
    yield String(value[0] + 1);
  }
  *flatMap2(value: StrPair) {
    if (value[0] === 'b') yield value[0];
  }
}

/** PyFlink's MyRichCoFlatMapFunction: a MapState shared by both inputs dedupes input 2. */
class MyRichCoFlatMapFunction implements CoFlatMapFunction<IntPair, StrPair, string> {
  private mapState: MapState<string, boolean> | null = null;
  open(ctx: RuntimeContext) {
    this.mapState = ctx.getMapState(new MapStateDescriptor('map', Types.STRING(), Types.BOOLEAN()));
  }
  *flatMap1(value: IntPair) {
    yield String(value[0] + 1);
    yield String(value[0] + 1);
  }
  *flatMap2(value: StrPair) {
    if (!this.mapState!.contains(value[0])) {
      this.mapState!.put(value[0], true);
      yield value[0];
    }
  }
}

describe.each(PARALLELISMS)('union, parallelism %i', (p) => {
  it('test_union_stream: the union of three streams carries every record of each', async () => {
    const env = envAt(p);
    const ds1 = env.fromCollection([1, 2, 3]);
    const ds2 = env.fromCollection([4, 5, 6]);
    const ds3 = env.fromCollection([7, 8, 9]);
    const out = await ds3.union(ds1, ds2).map((x) => x + 1).executeAndCollect();
    expect(sorted(out)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a union keeps each input\'s order within a key (FIFO per input)', async () => {
    const env = envAt(p);
    const a = env.fromCollection<[string, number]>([['k', 1], ['j', 2], ['k', 3], ['k', 5]]);
    const b = env.fromCollection<[string, number]>([['k', 10], ['j', 20], ['k', 30]]);
    const out = await a.union(b).keyBy((r) => r[0]).map((r) => r).executeAndCollect();
    expect(sorted(out.map((r) => r[1]))).toEqual([1, 2, 3, 5, 10, 20, 30]);
    const k = perKey(out, (r) => r[0]).get('"k"')!.map((r) => r[1]);
    expect(k.filter((v) => v < 10)).toEqual([1, 3, 5]);
    expect(k.filter((v) => v >= 10)).toEqual([10, 30]);
  });

  it('a stream unioned with itself delivers its records twice', async () => {
    const env = envAt(p);
    const ds = env.fromCollection([1, 2]);
    expect(sorted(await ds.union(ds).executeAndCollect())).toEqual([1, 1, 2, 2]);
  });
});

describe.each(PARALLELISMS)('connect, parallelism %i', (p) => {
  const ints: IntPair[] = [[1, 1], [2, 2], [3, 3]];
  const strs: StrPair[] = [['a', 'a'], ['b', 'b'], ['c', 'c']];

  it('test_co_map_function_without_data_types / with_data_types', async () => {
    const env = envAt(p);
    const ds1 = env.fromCollection(ints, Types.ROW([Types.INT(), Types.INT()]));
    const ds2 = env.fromCollection(strs, Types.ROW([Types.STRING(), Types.STRING()]));
    const untyped: string[] = [];
    const typed: string[] = [];
    ds1.connect(ds2).map(new MyCoMapFunction()).addSink((v) => { untyped.push(v); });
    ds1.connect(ds2).map(new MyCoMapFunction(), Types.STRING()).addSink((v) => { typed.push(v); });
    await env.execute('co_map_function_test');
    expect(sorted(untyped)).toEqual(['2', '3', '4', 'a', 'b', 'c']);
    expect(sorted(typed)).toEqual(['2', '3', '4', 'a', 'b', 'c']);
  });

  it('test_co_flat_map_function_without_data_types / with_data_types', async () => {
    const env = envAt(p);
    const ds1 = env.fromCollection(ints, Types.ROW([Types.INT(), Types.INT()]));
    const ds2 = env.fromCollection(strs, Types.ROW([Types.STRING(), Types.STRING()]));
    const untyped: string[] = [];
    const typed: string[] = [];
    ds1.connect(ds2).flatMap(new MyCoFlatMapFunction()).addSink((v) => { untyped.push(v); });
    ds1.connect(ds2).flatMap(new MyCoFlatMapFunction(), Types.STRING()).addSink((v) => { typed.push(v); });
    await env.execute('co_flat_map_function_test');
    expect(sorted(untyped)).toEqual(['2', '2', '3', '3', '4', '4', 'b']);
    expect(sorted(typed)).toEqual(['2', '2', '3', '3', '4', '4', 'b']);
  });

  it('test_basic_co_operations / with_output_type: connect, coFlatMap, connect again, coMap', async () => {
    const env = envAt(p);
    const untyped: number[] = [];
    const typed: number[] = [];
    const ds1 = env.fromCollection([1, 2, 3, 4, 5]);
    const ds2 = ds1.map((x) => x * 2);
    const coFlat = { *flatMap1(v: number) { yield v + 1; }, *flatMap2(v: number) { yield v - 1; } };
    const coMap = { map1: (v: number) => v + 2, map2: (v: number) => v + 1 };
    ds1.connect(ds2).flatMap(coFlat).connect(ds2).map(coMap).addSink((v) => { untyped.push(v); });
    ds1.connect(ds2).flatMap(coFlat, Types.INT()).connect(ds2).map(coMap, Types.INT()).addSink((v) => { typed.push(v); });
    await env.execute('test_basic_co_operations');
    const expected = sorted([4, 5, 6, 7, 8, 3, 5, 7, 9, 11, 3, 5, 7, 9, 11]);
    expect(sorted(untyped)).toEqual(expected);
    expect(sorted(typed)).toEqual(expected);
  });

  it('test_connected_streams_with_dependency: a stream connected with a map of itself', async () => {
    const env = envAt(p);
    const ds = env.fromCollection([1, 2, 3, 4, 5]);
    const out = await ds.connect(ds.map((x) => x * 2)).map({ map1: (v: number) => v + 2, map2: (v: number) => v + 1 }).executeAndCollect();
    expect(sorted(out)).toEqual(sorted([11, 3, 3, 4, 5, 5, 6, 7, 7, 9]));
  });

  it('test_keyed_co_map: keyed state of a CoMap, per input, in each key\'s order', async () => {
    const rows: [string, number][] = [['a', 0], ['b', 0], ['c', 1], ['d', 1], ['e', 2]];
    const env = envAt(p);
    const ds1 = env.fromCollection(rows, Types.ROW([Types.STRING(), Types.INT()]));
    const ds2 = env.fromCollection(rows, Types.ROW([Types.STRING(), Types.INT()]));
    const myKeySelector = { getKey: (v: [string, number]) => v[1] };
    class AssertKeyCoMapFunction implements CoMapFunction<[string, number], [string, number], [string, number]> {
      private pre1: ValueState<string> | null = null;
      private pre2: ValueState<string> | null = null;
      open(ctx: RuntimeContext) {
        this.pre1 = ctx.getState(new ValueStateDescriptor('pre1', Types.STRING()));
        this.pre2 = ctx.getState(new ValueStateDescriptor('pre2', Types.STRING()));
      }
      map1(value: [string, number]) {
        if (value[0] === 'b' && this.pre1!.value() !== 'a') throw new Error(`pre1 is ${this.pre1!.value()} at b`);
        if (value[0] === 'd' && this.pre1!.value() !== 'c') throw new Error(`pre1 is ${this.pre1!.value()} at d`);
        this.pre1!.update(value[0]);
        return value;
      }
      map2(value: [string, number]) {
        if (value[0] === 'b' && this.pre2!.value() !== 'a') throw new Error(`pre2 is ${this.pre2!.value()} at b`);
        if (value[0] === 'd' && this.pre2!.value() !== 'c') throw new Error(`pre2 is ${this.pre2!.value()} at d`);
        this.pre2!.update(value[0]);
        return value;
      }
    }
    // PyFlink writes ds1.key_by(...).connect(ds2).key_by(k1, k2); Eddy refuses a keyed stream
    // connected to an unkeyed one, so the port keys the connected streams directly.
    const out = await ds1.connect(ds2).keyBy(myKeySelector, myKeySelector)
      .map(new AssertKeyCoMapFunction())
      .map((x) => [x[0], x[1] + 1] as [string, number])
      .executeAndCollect();
    const once = [['a', 1], ['b', 1], ['c', 2], ['d', 2], ['e', 3]];
    expect(sorted(out)).toEqual(sorted([...once, ...once]));
  });

  it('test_keyed_co_flat_map: both inputs share one MapState per key', async () => {
    const env = envAt(p);
    const ds1 = env.fromCollection(ints, Types.ROW([Types.INT(), Types.INT()]));
    const ds2 = env.fromCollection<StrPair>([['a', 'a'], ['b', 'b'], ['c', 'c'], ['a', 'a']], Types.ROW([Types.STRING(), Types.STRING()]));
    const out = await ds1.connect(ds2).keyBy(() => 1, () => 1)
      .flatMap(new MyRichCoFlatMapFunction(), Types.STRING())
      .filter((x) => x !== '4')
      .executeAndCollect();
    expect(sorted(out)).toEqual(['2', '2', '3', '3', 'a', 'b', 'c']);
  });

  it('a keyed connect routes both inputs by key: equal keys meet in one subtask', async () => {
    const env = envAt(p);
    const left = env.fromCollection<[string, number]>([['x', 1], ['y', 2], ['z', 3]]).keyBy((r) => r[0]);
    const right = env.fromCollection<[number, string]>([[10, 'x'], [20, 'y'], [30, 'z']]).keyBy((r) => r[1]);
    class WhereAmI implements CoMapFunction<[string, number], [number, string], [string, number]> {
      private subtask = -1;
      open(ctx: RuntimeContext) {
        this.subtask = ctx.getIndexOfThisSubtask();
      }
      map1(v: [string, number]): [string, number] {
        return [v[0], this.subtask];
      }
      map2(v: [number, string]): [string, number] {
        return [v[1], this.subtask];
      }
    }
    const out = await left.connect(right).map(new WhereAmI()).executeAndCollect();
    expect(out).toHaveLength(6);
    for (const [key, list] of perKey(out, (r) => r[0])) {
      expect(list, key).toHaveLength(2);
      expect(list[0][1], key).toBe(list[1][1]);
    }
  });
});

describe.each([1, 2])('KeyedStream as a DataStream, parallelism %i', (p) => {
  it('test_keyed_stream_union: a keyed stream unions with others and the result is no longer keyed', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    const a = env.fromCollection<number>([1, 2, 3]).keyBy((x) => x % 2);
    const b = env.fromCollection<number>([4, 5]);
    const out = await a.union(b).map((x) => x * 10).executeAndCollect();
    expect(out.sort((x, y) => x - y)).toEqual([10, 20, 30, 40, 50]);
  });

  it('test_multi_key_by: keyBy after keyBy re-keys the records', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    const out = await env.fromCollection<[string, number]>([['a', 1], ['b', 2], ['a', 3]])
      .keyBy((t) => t[1] % 2).keyBy((t) => t[0]).sum(1).executeAndCollect();
    expect(out.filter((t) => t[0] === 'a')).toEqual([['a', 1], ['a', 4]]);
    expect(out.filter((t) => t[0] === 'b')).toEqual([['b', 2]]);
  });

  it('executeAndCollect(name, limit) returns the first records only', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    expect(await env.fromCollection([5, 6, 7, 8]).executeAndCollect('limited', 2)).toEqual([5, 6]);
  });
});
