// The pipelines of connect_union.test.ts (union, connect with CoMap / CoFlatMap, keyed and not),
// built the same in the test thread and in workers.
import { MapStateDescriptor, Types, ValueStateDescriptor } from '../../../src/index.ts';
import type { CoFlatMapFunction, CoMapFunction, MapState, RuntimeContext, ValueState } from '../../../src/index.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

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

const ints: IntPair[] = [[1, 1], [2, 2], [3, 3]];
const strs: StrPair[] = [['a', 'a'], ['b', 'b'], ['c', 'c']];

export const cases = {
  test_union_stream: (env) => {
    const ds1 = env.fromCollection([1, 2, 3]);
    const ds2 = env.fromCollection([4, 5, 6]);
    const ds3 = env.fromCollection([7, 8, 9]);
    return ds3.union(ds1, ds2).map((x) => x + 1);
  },

  union_keeps_input_order: (env) => {
    const a = env.fromCollection<[string, number]>([['k', 1], ['j', 2], ['k', 3], ['k', 5]]);
    const b = env.fromCollection<[string, number]>([['k', 10], ['j', 20], ['k', 30]]);
    return a.union(b).keyBy((r) => r[0]).map((r) => r);
  },

  union_with_itself: (env) => {
    const ds = env.fromCollection([1, 2]);
    return ds.union(ds);
  },

  test_co_map_function: (env) => {
    const ds1 = env.fromCollection(ints, Types.ROW([Types.INT(), Types.INT()]));
    const ds2 = env.fromCollection(strs, Types.ROW([Types.STRING(), Types.STRING()]));
    return {
      untyped: ds1.connect(ds2).map(new MyCoMapFunction()),
      typed: ds1.connect(ds2).map(new MyCoMapFunction(), Types.STRING()),
    };
  },

  test_co_flat_map_function: (env) => {
    const ds1 = env.fromCollection(ints, Types.ROW([Types.INT(), Types.INT()]));
    const ds2 = env.fromCollection(strs, Types.ROW([Types.STRING(), Types.STRING()]));
    return {
      untyped: ds1.connect(ds2).flatMap(new MyCoFlatMapFunction()),
      typed: ds1.connect(ds2).flatMap(new MyCoFlatMapFunction(), Types.STRING()),
    };
  },

  test_basic_co_operations: (env) => {
    const ds1 = env.fromCollection([1, 2, 3, 4, 5]);
    const ds2 = ds1.map((x) => x * 2);
    const coFlat = { *flatMap1(v: number) { yield v + 1; }, *flatMap2(v: number) { yield v - 1; } };
    const coMap = { map1: (v: number) => v + 2, map2: (v: number) => v + 1 };
    return {
      untyped: ds1.connect(ds2).flatMap(coFlat).connect(ds2).map(coMap),
      typed: ds1.connect(ds2).flatMap(coFlat, Types.INT()).connect(ds2).map(coMap, Types.INT()),
    };
  },

  test_connected_streams_with_dependency: (env) => {
    const ds = env.fromCollection([1, 2, 3, 4, 5]);
    return ds.connect(ds.map((x) => x * 2)).map({ map1: (v: number) => v + 2, map2: (v: number) => v + 1 });
  },

  test_keyed_co_map: (env) => {
    const rows: [string, number][] = [['a', 0], ['b', 0], ['c', 1], ['d', 1], ['e', 2]];
    const ds1 = env.fromCollection(rows, Types.ROW([Types.STRING(), Types.INT()]));
    const ds2 = env.fromCollection(rows, Types.ROW([Types.STRING(), Types.INT()]));
    const myKeySelector = { getKey: (v: [string, number]) => v[1] };
    // PyFlink writes ds1.key_by(...).connect(ds2).key_by(k1, k2); Eddy refuses a keyed stream
    // connected to an unkeyed one, so the port keys the connected streams directly.
    return ds1.connect(ds2).keyBy(myKeySelector, myKeySelector)
      .map(new AssertKeyCoMapFunction())
      .map((x) => [x[0], x[1] + 1] as [string, number]);
  },

  test_keyed_co_flat_map: (env) => {
    const ds1 = env.fromCollection(ints, Types.ROW([Types.INT(), Types.INT()]));
    const ds2 = env.fromCollection<StrPair>([['a', 'a'], ['b', 'b'], ['c', 'c'], ['a', 'a']], Types.ROW([Types.STRING(), Types.STRING()]));
    return ds1.connect(ds2).keyBy(() => 1, () => 1)
      .flatMap(new MyRichCoFlatMapFunction(), Types.STRING())
      .filter((x) => x !== '4');
  },

  keyed_connect_routes_by_key: (env) => {
    const left = env.fromCollection<[string, number]>([['x', 1], ['y', 2], ['z', 3]]).keyBy((r) => r[0]);
    const right = env.fromCollection<[number, string]>([[10, 'x'], [20, 'y'], [30, 'z']]).keyBy((r) => r[1]);
    return left.connect(right).map(new WhereAmI());
  },

  test_keyed_stream_union: (env) => {
    const a = env.fromCollection<number>([1, 2, 3]).keyBy((x) => x % 2);
    const b = env.fromCollection<number>([4, 5]);
    return a.union(b).map((x) => x * 10);
  },

  test_multi_key_by: (env) => env.fromCollection<[string, number]>([['a', 1], ['b', 2], ['a', 3]])
    .keyBy((t) => t[1] % 2).keyBy((t) => t[0]).sum(1),
} satisfies Record<string, CaseBuilder>;

export const suite = {
  cases,
  orderKeys: {
    // Each input's order within a key (input a has values below 10); the inputs interleave freely.
    union_keeps_input_order: (r) => [r[0], r[1] < 10],
    test_multi_key_by: (r) => r[0],
  },
  // The records name the subtask each key went to.
  referenceAtWorkers: ['keyed_connect_routes_by_key'],
} satisfies SuiteOf<typeof cases>;
