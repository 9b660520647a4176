// The pipelines of state.test.ts (Value, List, Map, Reducing and Aggregating keyed state in
// process, map, flatMap and filter functions), built the same in the test thread and in workers.
import {
  AggregatingStateDescriptor, KeyedProcessFunction, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, Types,
  ValueStateDescriptor, WatermarkStrategy,
} from '../../../src/index.ts';
import type {
  AggregateFunction, AggregatingState, KeyedProcessContext, ListState, MapState, ReducingState, RuntimeContext, ValueState,
} from '../../../src/index.ts';
import { pyRow, pyStr, wholeSequence } from '../support.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

type Row3 = [number, string, string];
type Row2 = [string, number];

const myKeySelector = { getKey: (v: Row2) => v[1] };
const fiveRows: Row2[] = [['a', 0], ['b', 0], ['c', 1], ['d', 1], ['e', 2]];
const sixRows: [number, string][] = [[1, 'hi'], [2, 'hello'], [3, 'hi'], [4, 'hello'], [5, 'hi'], [6, 'hello']];

class ValueListMapProcessFunction extends KeyedProcessFunction<string, Row3, string> {
  private valueState!: ValueState<number>;
  private listState!: ListState<number>;
  private mapState!: MapState<number, string>;
  override open(ctx: RuntimeContext) {
    this.valueState = ctx.getState(new ValueStateDescriptor('value_state', Types.INT()));
    this.listState = ctx.getListState(new ListStateDescriptor('list_state', Types.INT()));
    this.mapState = ctx.getMapState(new MapStateDescriptor('map_state', Types.INT(), Types.STRING()));
  }
  *processElement(value: Row3, ctx: KeyedProcessContext<string>) {
    const currentValue = this.valueState.value();
    this.valueState.update(value[0]);
    const currentList = [...this.listState.get()];
    this.listState.add(value[0]);
    const entries = this.mapState.entries().sort((x, y) => x[0] - y[0]);
    const mapString = `{${entries.map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
    this.mapState.put(value[0], value[1]);
    yield `current key: ${ctx.getCurrentKey()}, current value state: ${pyStr(currentValue)}, current list state: ${pyStr(currentList)}, `
      + `current map state: ${mapString}, current value: ${pyRow(value)}`;
  }
  override onTimer() {}
}

class ReducingProcessFunction extends KeyedProcessFunction<string, [number, string], [number, string]> {
  private reducingState!: ReducingState<number>;
  override open(ctx: RuntimeContext) {
    this.reducingState = ctx.getReducingState(new ReducingStateDescriptor('reducing_state', (i: number, i2: number) => i + i2, Types.INT()));
  }
  *processElement(value: [number, string]) {
    this.reducingState.add(value[0]);
    yield [this.reducingState.get()!, value[1]] as [number, string];
  }
}

class MyAggregateFunction implements AggregateFunction<number, number, number> {
  createAccumulator() { return 0; }
  add(value: number, accumulator: number) { return value + accumulator; }
  getResult(accumulator: number) { return accumulator; }
  merge(a: number, b: number) { return a + b; }
}

class AggregatingProcessFunction extends KeyedProcessFunction<string, [number, string], [number, string]> {
  private aggregatingState!: AggregatingState<number, number>;
  override open(ctx: RuntimeContext) {
    this.aggregatingState = ctx.getAggregatingState(new AggregatingStateDescriptor('aggregating_state', new MyAggregateFunction(), Types.INT()));
  }
  *processElement(value: [number, string]) {
    this.aggregatingState.add(value[0]);
    yield [this.aggregatingState.get()!, value[1]] as [number, string];
  }
}

const average: AggregateFunction<number, [number, number], number> = {
  createAccumulator: () => [0, 0],
  add: (v, acc) => [acc[0] + v, acc[1] + 1],
  getResult: (acc) => acc[0] / acc[1],
};

class AssertKeyMapFunction {
  private state: ValueState<number> | null = null;
  open(ctx: RuntimeContext) {
    this.state = ctx.getState(new ValueStateDescriptor('test_state', Types.INT()));
  }
  map(value: Row2) {
    const expect = (want: number) => {
      const previous = this.state!.value();
      const stateValue = previous === null ? 1 : previous + 1;
      if (stateValue !== want) throw new Error(`state at ${value[0]} is ${stateValue}, expected ${want}`);
      this.state!.update(stateValue);
    };
    if (value[0] === 'b') expect(1);
    else if (value[0] === 'c') expect(1);
    else if (value[0] === 'd') expect(2);
    return value;
  }
}

class AssertKeyFlatMapFunction {
  private pre: string | null = null;
  private state: ValueState<number> | null = null;
  open(ctx: RuntimeContext) {
    this.state = ctx.getState(new ValueStateDescriptor('test_state', Types.INT()));
  }
  *flatMap(value: Row2) {
    const previous = this.state!.value();
    const stateValue = previous === null ? 1 : previous + 1;
    const check = (ok: boolean) => { if (!ok) throw new Error(`at ${value[0]}: pre ${this.pre}, state ${stateValue}`); };
    if (value[0] === 'b') check(this.pre === 'a' && stateValue === 2);
    if (value[0] === 'd') check(this.pre === 'c' && stateValue === 2);
    if (value[0] === 'e') check(stateValue === 1);
    this.pre = value[0];
    this.state!.update(stateValue);
    yield value;
  }
}

class AssertKeyFilterFunction {
  private pre: string | null = null;
  private state: ValueState<number> | null = null;
  open(ctx: RuntimeContext) {
    this.state = ctx.getState(new ValueStateDescriptor('test_state', Types.INT()));
  }
  filter(value: Row2) {
    const previous = this.state!.value();
    const stateValue = previous === null ? 1 : previous + 1;
    const check = (ok: boolean) => { if (!ok) throw new Error(`at ${value[0]}: pre ${this.pre}, state ${stateValue}`); };
    if (value[0] === 'b') { check(this.pre === 'a' && stateValue === 2); return false; }
    if (value[0] === 'd') { check(this.pre === 'c' && stateValue === 2); return false; }
    if (value[0] === 'e') check(stateValue === 1);
    this.pre = value[0];
    this.state!.update(stateValue);
    return true;
  }
}

const counter = () => ({
  count: null as ValueState<number> | null,
  open(ctx: RuntimeContext) { this.count = ctx.getState(new ValueStateDescriptor<number>('count')); },
  map(v: string) {
    const n = (this.count!.value() ?? 0) + 1;
    this.count!.update(n);
    return `${v}${n}`;
  },
});

export const cases = {
  test_keyed_process_function_with_state: (env) => {
    env.getConfig().setAutoWatermarkInterval(2000);
    return env.fromCollection<Row3>([
      [1, 'hi', '1603708211000'], [2, 'hello', '1603708224000'], [3, 'hi', '1603708226000'],
      [4, 'hello', '1603708289000'], [5, 'hi', '1603708291000'], [6, 'hello', '1603708293000'],
    ], Types.ROW([Types.INT(), Types.STRING(), Types.STRING()]))
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Row3>()
        .withTimestampAssigner({ extractTimestamp: (value) => Number(value[2]) }))
      // Each state line shows the key's previous records, so they must arrive in order: through one
      // assigner. Rebalanced over p assigners they race (at p = 2 "hi" rows 1, 3, 5 all happen to
      // take channel 0; at p = 4 rows 1 and 3 do not).
      .setParallelism(1)
      .keyBy((x) => x[1], Types.STRING())
      .process(new ValueListMapProcessFunction(), Types.STRING());
  },

  test_reducing_state: (env) => env.fromCollection(sixRows, Types.TUPLE([Types.INT(), Types.STRING()]))
    .keyBy((x) => x[1], Types.STRING())
    .process(new ReducingProcessFunction(), Types.TUPLE([Types.INT(), Types.STRING()])),

  test_aggregating_state: (env) => env.fromCollection(sixRows, Types.TUPLE([Types.INT(), Types.STRING()]))
    .keyBy((x) => x[1], Types.STRING())
    .process(new AggregatingProcessFunction(), Types.TUPLE([Types.INT(), Types.STRING()])),

  aggregating_state_get_result: (env) => env.fromCollection<[string, number]>([['x', 2], ['y', 10], ['x', 4], ['x', 9]])
    .keyBy((r) => r[0])
    .process(new class {
      state: AggregatingState<number, number> | null = null;
      open(ctx: RuntimeContext) { this.state = ctx.getAggregatingState(new AggregatingStateDescriptor('avg', average)); }
      *processElement(v: [string, number]) {
        const before = this.state!.get();
        this.state!.add(v[1]);
        yield [v[0], before, this.state!.get()] as [string, number | null, number | null];
      }
    }()),

  test_keyed_map: (env) => env.fromCollection<Row2>([['a', 0], ['b', 1], ['c', 0], ['d', 1], ['e', 2]], Types.ROW([Types.STRING(), Types.INT()]))
    .keyBy(myKeySelector, Types.INT())
    .map(new AssertKeyMapFunction())
    .map((x) => [x[0], x[1] + 1]),

  test_keyed_flat_map: (env) => env.fromCollection(fiveRows, Types.ROW([Types.STRING(), Types.INT()]))
    .keyBy(myKeySelector, Types.INT())
    .flatMap(new AssertKeyFlatMapFunction())
    .map((x) => [x[0], x[1] + 1]),

  test_keyed_filter: (env) => env.fromCollection(fiveRows, Types.ROW([Types.STRING(), Types.INT()]))
    .keyBy(myKeySelector)
    .filter(new AssertKeyFilterFunction())
    .filter((x) => x[1] > 0),

  state_scoped_to_operator: (env) => env.fromCollection(['a', 'b', 'a', 'a'])
    .keyBy((x) => x).map(counter())
    .keyBy((x) => x[0]).map(counter()),

  value_state: (env) => env.fromCollection<[string, string]>([['k', 'set'], ['k', 'read'], ['k', 'null'], ['k', 'read'], ['k', 'set'], ['k', 'clear'], ['k', 'read']])
    .keyBy((r) => r[0])
    .map(new class {
      s: ValueState<string> | null = null;
      open(ctx: RuntimeContext) { this.s = ctx.getState(new ValueStateDescriptor('s', Types.STRING())); }
      map(r: [string, string]) {
        if (r[1] === 'set') this.s!.update('v');
        if (r[1] === 'null') this.s!.update(null);
        if (r[1] === 'clear') this.s!.clear();
        return this.s!.value();
      }
    }()),

  list_state: (env) => env.fromCollection(['k', 'k', 'k', 'k'])
    .keyBy((x) => x)
    .process(new class {
      list: ListState<number> | null = null;
      step: ValueState<number> | null = null;
      open(ctx: RuntimeContext) {
        this.list = ctx.getListState(new ListStateDescriptor('list', Types.INT()));
        this.step = ctx.getState(new ValueStateDescriptor('step', Types.INT()));
      }
      *processElement() {
        const step = this.step!.value() ?? 0;
        this.step!.update(step + 1);
        const list = this.list!;
        if (step === 0) { list.add(1); list.get().push(99); list.addAll([2, 3]); }
        if (step === 1) list.update([7, 8]);
        if (step === 2) list.update([]);
        if (step === 3) { list.add(5); list.clear(); }
        yield list.get();
      }
    }()),

  map_state: (env) => env.fromCollection(['k1', 'k2'])
    .keyBy((x) => x)
    .process(new class {
      m: MapState<[number, string], string> | null = null;
      open(ctx: RuntimeContext) { this.m = ctx.getMapState(new MapStateDescriptor<[number, string], string>('m')); }
      *processElement(key: string) {
        const m = this.m!;
        const log: unknown[] = [m.isEmpty(), m.get([1, 'a'])];
        m.put([1, 'a'], `${key}-x`);
        m.putAll([[[2, 'b'], 'y'], [[1, 'a'], `${key}-z`]]);
        log.push(m.contains([1, 'a']), m.get([1, 'a']), m.keys(), m.values(), m.entries().length);
        m.remove([1, 'a']);
        log.push(m.contains([1, 'a']), m.isEmpty(), m.keys());
        m.remove([2, 'b']);
        log.push(m.isEmpty());
        yield log;
      }
    }()),

  reducing_and_aggregating_state_empty: (env) => env.fromCollection([3, 4, 5])
    .keyBy(() => 'one')
    .map(new class {
      r: ReducingState<number> | null = null;
      a: AggregatingState<number, string> | null = null;
      open(ctx: RuntimeContext) {
        this.r = ctx.getReducingState(new ReducingStateDescriptor<number>('r', { reduce: (x: number, y: number) => x * y }));
        this.a = ctx.getAggregatingState(new AggregatingStateDescriptor<number, number[], string>('a', {
          createAccumulator: () => [], add: (v, acc) => [...acc, v], getResult: (acc) => acc.join('+'),
        }));
      }
      map(v: number) {
        const before = [this.r!.get(), this.a!.get()];
        this.r!.add(v);
        this.a!.add(v);
        const after = [this.r!.get(), this.a!.get()];
        if (v === 4) { this.r!.clear(); this.a!.clear(); }
        return [before, after];
      }
    }()),
} satisfies Record<string, CaseBuilder>;

export const suite = {
  cases,
  orderKeys: {
    test_reducing_state: (r) => r[1],
    aggregating_state_get_result: (r) => r[0],
    value_state: wholeSequence,
    list_state: wholeSequence,
    reducing_and_aggregating_state_empty: wholeSequence,
  },
} satisfies SuiteOf<typeof cases>;
