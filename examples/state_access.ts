// PyFlink's state_access example: a running sum per name, kept in ValueState by a KeyedProcessFunction.
import { KeyedProcessFunction, StreamExecutionEnvironment, Types, ValueStateDescriptor } from '../src/index.ts';
import type { Collector, DataStream, KeyedProcessContext, RuntimeContext, ValueState } from '../src/index.ts';
import { isMain } from './is_main.ts';

type Score = [string, number];

export class Sum extends KeyedProcessFunction<string, Score, Score> {
  private state!: ValueState<number>;

  override open(ctx: RuntimeContext): void {
    this.state = ctx.getState(new ValueStateDescriptor('state', Types.DOUBLE()));
  }

  processElement(value: Score, _ctx: KeyedProcessContext<string>, out: Collector<Score>): void {
    const current = (this.state.value() ?? 0) + value[1];
    this.state.update(current);
    out.collect([value[0], current]);
  }
}

export const SCORES: Score[] = [
  ['Alice', 110.1], ['Bob', 30.2], ['Alice', 20.0], ['Bob', 53.1],
  ['Alice', 13.1], ['Bob', 3.1], ['Bob', 16.1], ['Alice', 20.1],
];

export function stateAccess(env: StreamExecutionEnvironment): DataStream<Score> {
  return env.fromCollection(SCORES, Types.TUPLE([Types.STRING(), Types.DOUBLE()]))
    .keyBy((s) => s[0])
    .process(new Sum(), Types.TUPLE([Types.STRING(), Types.DOUBLE()]));
}

if (isMain(import.meta.url)) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  stateAccess(env).print();
  await env.execute('state_access');
}
